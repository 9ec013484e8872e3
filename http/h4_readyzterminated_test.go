package http_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestReadyzAfterTerminatedSessions: /readyz answers 200 while the
// database answers, even when the pool's connections were just cut by
// PostgreSQL (sessions terminated by an administrator, a pooler or a
// failover that is over): a connection used less than a second before is
// handed out without pgxpool's liveness check, and the probe's ping met a
// dead session and answered 503, so a load balancer took a replica whose
// database was up out of service.
func TestReadyzAfterTerminatedSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if e.pgURL == "" {
		t.Skip("a PostgreSQL session; the SQLite store has none to lose")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, e.pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	for try := 0; try < 10; try++ {
		// Every connection of the pool in use a moment ago.
		e.do("GET", "/readyz", nil).expect(200)
		if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`); err != nil {
			t.Fatal(err)
		}
		if res := e.do("GET", "/readyz", nil); res.Status != 200 {
			t.Fatalf("try %d: /readyz right after the sessions were terminated, the database answering: %d %s", try, res.Status, res.Body)
		}
	}
}
