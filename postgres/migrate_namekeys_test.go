package postgres_test

import (
	"context"
	"testing"

	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/storetest"
	"github.com/jackc/pgx/v5"
)

// TestMigrateNameKeys recomputes the names' keys of enrollments stored
// before migration 19, lower-cased (storetest.MigrateNameKeys).
func TestMigrateNameKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := newDatabase(t)
	open, migrateTo := migrationHarness(url)
	storetest.MigrateNameKeys(t, storetest.NameKeyMigration{
		Open: open,
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
