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

// TestMigrateNameKeys recomputes the names' keys of enrollments stored
// before migration 19, lower-cased (storetest.MigrateNameKeys).
func TestMigrateNameKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := newDatabase(t)
	migrateTo := func(t *testing.T, version int64) {
		if err := postgres.MigrateTo(ctx, url, version); err != nil {
			t.Fatal(err)
		}
	}
	storetest.MigrateNameKeys(t, storetest.NameKeyMigration{
		Open: func(t *testing.T) enroll.Store {
			s, err := postgres.Open(ctx, postgres.Config{URL: url, Engine: rules.New(), MaxConns: 2})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		Down: func(t *testing.T) { migrateTo(t, postgres.NameKeysVersion-1) },
		Up:   func(t *testing.T) { migrateTo(t, postgres.NameKeysVersion) },
		Keys: func(t *testing.T, last string) (string, string) {
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			var first, key string
			if err := conn.QueryRow(ctx, `SELECT first_name, last_name FROM enrollments WHERE doc->>'lastName' = $1`, last).Scan(&first, &key); err != nil {
				t.Fatal(err)
			}
			return first, key
		},
	})
}
