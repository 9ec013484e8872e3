package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
	"github.com/enrollhq/enroll/storetest"
)

// sealedSecretsHarness reaches one database file, its stores opened with
// the sealer given, its secrets column read and written through a
// connection of its own.
func sealedSecretsHarness(t *testing.T) storetest.SealedSecretsHarness {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "enroll.db")
	var (
		once  sync.Once
		rawDB *sql.DB
	)
	raw := func(t *testing.T) *sql.DB {
		once.Do(func() {
			var err error
			if rawDB, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)"); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { rawDB.Close() })
		})
		return rawDB
	}
	return storetest.SealedSecretsHarness{
		Open: func(t *testing.T, s enroll.SecretSealer) enroll.Store {
			db, err := sqlite.Open(ctx, sqlite.Config{Path: path, Engine: rules.New(), Sealer: s})
			if err != nil {
				t.Fatal(err)
			}
			return db
		},
		RawSecrets: func(t *testing.T, wsID, id string) string {
			var v string
			if err := raw(t).QueryRowContext(ctx, `SELECT secrets FROM webhook_endpoints WHERE workspace_id = ? AND id = ?`, wsID, id).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		},
		SetRawSecrets: func(t *testing.T, wsID, id, v string) {
			if _, err := raw(t).ExecContext(ctx, `UPDATE webhook_endpoints SET secrets = ? WHERE workspace_id = ? AND id = ?`, v, wsID, id); err != nil {
				t.Fatal(err)
			}
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
