package postgres_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/storetest"
	"github.com/jackc/pgx/v5"
)

// TestMigrateUniqueValues registers the values of parameters made unique
// while a release registered nothing then (storetest.MigrateUniqueValues),
// in transactions of a thousand enrollments, and of one, where holders of
// a value meet in different transactions.
func TestMigrateUniqueValues(t *testing.T) {
	t.Parallel()
	for _, chunk := range []int{1000, 1} {
		t.Run(fmt.Sprint(chunk), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			url := newDatabase(t)
			open, migrateTo := migrationHarness(url)
			storetest.MigrateUniqueValues(t, storetest.UniqueValuesMigration{
				Open: open,
				Down: func(t *testing.T) { migrateTo(t, postgres.UniqueValuesVersion-1) },
				Up: func(t *testing.T, log *slog.Logger) {
					if err := postgres.MigrateLogged(ctx, url, postgres.UniqueValuesVersion, chunk, log); err != nil {
						t.Fatal(err)
					}
				},
				Unregister: func(t *testing.T, instanceID string) {
					conn, err := pgx.Connect(ctx, url)
					if err != nil {
						t.Fatal(err)
					}
					defer conn.Close(ctx)
					for _, q := range []string{
						`UPDATE program_instances SET doc = jsonb_set(doc, '{parameters}',
							(SELECT jsonb_agg(jsonb_set(p, '{constraints,unique}', 'true') ORDER BY n) FROM jsonb_array_elements(doc->'parameters') WITH ORDINALITY a(p, n)))
							WHERE id = $1`,
						`DELETE FROM enrollment_unique_values WHERE instance_id = $1`,
					} {
						if _, err := conn.Exec(ctx, q, instanceID); err != nil {
							t.Fatalf("%s: %v", q, err)
						}
					}
				},
			})
			s := open(t)
			defer s.Close()
			if err := s.(*postgres.DB).IntegrityCheck(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestMigrateUniqueValuesBesideWrite: a write of the release before the
// migration, which locks its enrollment FOR UPDATE and then writes its
// unique values again, while the migration registers that enrollment's
// value, as in a rolling deploy. Neither waits for the other for ever (a
// deadlock, which PostgreSQL ends by failing one of them): the migration
// waits for the write, then finds the value registered.
func TestMigrateUniqueValuesBesideWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := newDatabase(t)
	e := storetest.EnrollHolding(t, openDB(t, url), "acct", "Y-1")
	if err := postgres.MigrateTo(ctx, url, postgres.UniqueValuesVersion-1); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `UPDATE program_instances SET doc = jsonb_set(doc, '{parameters,0,constraints,unique}', 'true') WHERE id = $1`,
		e.ProgramInstanceID); err != nil {
		t.Fatal(err)
	}
	write, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer write.Rollback(ctx)
	if _, err := write.Exec(ctx, `SELECT FROM enrollments WHERE id = $1 FOR UPDATE`, e.ID); err != nil {
		t.Fatal(err)
	}

	done := make(chan error, 1)
	go func() { done <- postgres.MigrateTo(ctx, url, postgres.UniqueValuesVersion) }()
	waitUntilBlocked(t, url, done, "the write's lock")
	// The release before's write of the enrollment's values: all deleted,
	// then inserted again.
	if _, err := write.Exec(ctx, `DELETE FROM enrollment_unique_values WHERE workspace_id = $1 AND enrollment_id = $2`, e.WorkspaceID, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := write.Exec(ctx, `INSERT INTO enrollment_unique_values (workspace_id, instance_id, external_id, value, enrollment_id) VALUES ($1, $2, 'acct', 'Y-1', $3)`,
		e.WorkspaceID, e.ProgramInstanceID, e.ID); err != nil {
		t.Fatalf("the write: %v", err)
	}
	if err := write.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the migration: %v", err)
	}
	var holder string
	if err := conn.QueryRow(ctx, `SELECT enrollment_id FROM enrollment_unique_values WHERE instance_id = $1`, e.ProgramInstanceID).Scan(&holder); err != nil || holder != e.ID {
		t.Fatalf("Y-1 is held by %q (%v), want %s", holder, err, e.ID)
	}
	// Up again, to the tables IntegrityCheck compares.
	if _, err := postgres.Migrate(ctx, url); err != nil {
		t.Fatal(err)
	}
}
