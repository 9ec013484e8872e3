package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/enrollhq/enroll/storetest"
)

// TestMigrateNameKeys recomputes the names' keys of enrollments stored
// before migration 20, lower-cased (storetest.MigrateNameKeys).
func TestMigrateNameKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "enroll.db")
	open, migrateTo := migrationHarness(path)
	storetest.MigrateNameKeys(t, storetest.NameKeyMigration{
		Open: open,
		Down: func(t *testing.T) { migrateTo(t, nameKeysVersion-1) },
		Up:   func(t *testing.T) { migrateTo(t, nameKeysVersion) },
		Keys: func(t *testing.T, last string) (string, string) {
			db, err := sql.Open("sqlite", dsn(path, "FULL", "deferred", true))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var first, key string
			if err := db.QueryRowContext(ctx, `SELECT first_name, last_name FROM enrollments WHERE json_extract(doc, '$.lastName') = ?`, last).
				Scan(&first, &key); err != nil {
				t.Fatal(err)
			}
			return first, key
		},
	})
}
