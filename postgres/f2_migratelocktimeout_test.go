package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/enrollhq/enroll/postgres"
)

// TestMigrateLockTimeout holds a transaction that read event_counts, as a
// long report or a forgotten psql session on a live database would,
// while migration 29 must lock that table to add a column: the
// migration gives up after its lock_timeout with ErrMigrationLockTimeout,
// which tells the operator to retry, rather than waiting in the table's
// lock queue with every query of the table behind it; once the
// transaction ends, it runs. The context's deadline only keeps a waiting
// migration from hanging the test.
func TestMigrateLockTimeout(t *testing.T) {
	t.Parallel()
	url := newDatabase(t)
	ctx := context.Background()
	if err := postgres.MigrateTo(ctx, url, 28); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT COUNT(*) FROM event_counts`); err != nil {
		t.Fatal(err)
	}
	guard, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	_, err = postgres.Migrate(guard, url)
	if !errors.Is(err, postgres.ErrMigrationLockTimeout) || !strings.Contains(err.Error(), "retry") {
		t.Fatalf("migrating behind a held lock: %v, want ErrMigrationLockTimeout telling to retry", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.Migrate(ctx, url); err != nil {
		t.Fatalf("migrating once the lock is released: %v", err)
	}
}
