package postgres_test

import (
	"context"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/storetest"
	"github.com/jackc/pgx/v5"
)

// sealedSecretsHarness reaches one database, its stores opened with the
// sealer given, its secrets column read and written through a
// connection of its own.
func sealedSecretsHarness(t *testing.T) storetest.SealedSecretsHarness {
	ctx := context.Background()
	url := newDatabase(t)
	// conn runs fn on a connection of its own, closed after.
	conn := func(t *testing.T, fn func(c *pgx.Conn) error) {
		c, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		if err := fn(c); err != nil {
			t.Fatal(err)
		}
	}
	return storetest.SealedSecretsHarness{
		Open: func(t *testing.T, s enroll.SecretSealer) enroll.Store {
			db, err := postgres.Open(ctx, postgres.Config{URL: url, Engine: rules.New(), MaxConns: 4, Sealer: s})
			if err != nil {
				t.Fatal(err)
			}
			return db
		},
		RawSecrets: func(t *testing.T, wsID, id string) string {
			var v string
			conn(t, func(c *pgx.Conn) error {
				return c.QueryRow(ctx, `SELECT secrets::text FROM webhook_endpoints WHERE workspace_id = $1 AND id = $2`, wsID, id).Scan(&v)
			})
			return v
		},
		SetRawSecrets: func(t *testing.T, wsID, id, v string) {
			conn(t, func(c *pgx.Conn) error {
				_, err := c.Exec(ctx, `UPDATE webhook_endpoints SET secrets = $1::jsonb WHERE workspace_id = $2 AND id = $3`, v, wsID, id)
				return err
			})
		},
	}
}

func TestSealedSecrets(t *testing.T) {
	t.Parallel()
	storetest.SealedSecrets(t, sealedSecretsHarness(t))
}

func TestSealedSecretsConcurrent(t *testing.T) {
	t.Parallel()
	storetest.SealedSecretsConcurrent(t, sealedSecretsHarness(t))
}
