package postgres_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/seal"
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

func TestSealedSecretsUnopened(t *testing.T) {
	t.Parallel()
	storetest.SealedSecretsUnopened(t, sealedSecretsHarness(t))
}

func TestSealedSecretsLostKey(t *testing.T) {
	t.Parallel()
	storetest.SealedSecretsLostKey(t, sealedSecretsHarness(t))
}

func TestSealedSecretsConcurrent(t *testing.T) {
	t.Parallel()
	storetest.SealedSecretsConcurrent(t, sealedSecretsHarness(t))
}

// TestSealWebhookSecretsWaitsForLockedRows checks that the pass at start
// seals an endpoint whose row another transaction holds locked as the
// pass meets it (a redelivery holds it FOR SHARE, an update FOR UPDATE)
// once that transaction ends, rather than skip it and leave its secret
// plain until the next start: SKIP LOCKED only shares the work among
// replicas, a pass without it then waits for the rows it skipped.
func TestSealWebhookSecretsWaitsForLockedRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := newDatabase(t)
	plain, err := postgres.Open(ctx, postgres.Config{URL: url, Engine: rules.New(), MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "ws"}
	key, _ := enroll.NewAPIKey(ws.ID, "test", nil, nil, time.Now())
	if err := plain.CreateWorkspace(ctx, ws, key); err != nil {
		t.Fatal(err)
	}
	ep := &enroll.WebhookEndpoint{URL: "https://hooks.example.com/locked", Enabled: true}
	if err := plain.CreateWebhookEndpoint(ctx, enroll.Actor{WorkspaceID: ws.ID, KeyID: key.ID, RequestID: "req_test"}, ep); err != nil {
		t.Fatal(err)
	}
	plain.Close()

	holder, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(ctx)
	lock, err := holder.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.Exec(ctx, `SELECT 1 FROM webhook_endpoints WHERE workspace_id = $1 AND id = $2 FOR SHARE`, ws.ID, ep.ID); err != nil {
		t.Fatal(err)
	}
	sealer, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(ctx, postgres.Config{URL: url, Engine: rules.New(), MaxConns: 4, Sealer: sealer})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := db.SealWebhookSecrets(ctx, nil)
		done <- result{n, err}
	}()
	time.Sleep(300 * time.Millisecond)
	if err := lock.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if r := <-done; r.n != 1 || r.err != nil {
		t.Errorf("SealWebhookSecrets over a locked endpoint = %d, %v; want it sealed once the lock is released", r.n, r.err)
	}
	var raw string
	if err := holder.QueryRow(ctx, `SELECT secrets::text FROM webhook_endpoints WHERE workspace_id = $1 AND id = $2`, ws.ID, ep.ID).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(raw, ep.Secret) || !strings.Contains(raw, sealer.KeyPrefixes()[0]) {
		t.Fatalf("the endpoint locked during the pass is stored %s, want it sealed", raw)
	}
}
