package postgres_test

import (
	"context"
	"testing"

	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/storetest"
	"github.com/jackc/pgx/v5"
)

// TestMigrateOpenLeads widens the leads' open-enrollment index over a
// database holding two open enrollments of one lead
// (storetest.MigrateOpenLeads).
func TestMigrateOpenLeads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := newDatabase(t)
	open, migrateTo := migrationHarness(url)
	storetest.MigrateOpenLeads(t, storetest.OpenLeadMigration{
		Open: open,
		Down: func(t *testing.T) { migrateTo(t, postgres.OpenLeadVersion-1) },
		Up:   func(t *testing.T) { migrateTo(t, postgres.OpenLeadVersion) },
		Copy: func(t *testing.T, id, newID, customerID string) {
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, `CREATE TEMP TABLE copied AS SELECT * FROM enrollments WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(ctx, `UPDATE copied SET id = $1, customer_id = $2`, newID, customerID); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(ctx, `INSERT INTO enrollments SELECT * FROM copied`); err != nil {
				t.Fatal(err)
			}
		},
	})
}
