package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/enrollhq/enroll/storetest"
)

// TestMigrateOpenLeads widens the leads' open-enrollment index over a
// database holding two open enrollments of one lead
// (storetest.MigrateOpenLeads).
func TestMigrateOpenLeads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "enroll.db")
	open, migrateTo := migrationHarness(path)
	storetest.MigrateOpenLeads(t, storetest.OpenLeadMigration{
		Open: open,
		Down: func(t *testing.T) { migrateTo(t, openLeadVersion-1) },
		Up:   func(t *testing.T) { migrateTo(t, openLeadVersion) },
		Copy: func(t *testing.T, id, newID, customerID string) {
			db, err := sql.Open("sqlite", dsn(path, "FULL", "immediate", false))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			for _, q := range []string{
				`CREATE TEMP TABLE copied AS SELECT * FROM enrollments WHERE id = ?1`,
				`UPDATE copied SET id = ?2, customer_id = ?3`,
				`INSERT INTO enrollments SELECT * FROM copied`,
			} {
				if _, err := db.ExecContext(ctx, q, id, newID, customerID); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
		},
	})
}
