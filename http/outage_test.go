package http_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestTerminatedSessionAnswers503: a request failed by a PostgreSQL
// session terminated under it (by an administrator, a pooler or a
// failover) answers 503 with Retry-After, as one the database does not
// answer does, though the database answers again at once; retries
// succeed once the pool has dropped its terminated connections.
func TestTerminatedSessionAnswers503(t *testing.T) {
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
	for try := 0; ; try++ {
		e.do("GET", "/v1/programs", nil).expect(200)
		if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`); err != nil {
			t.Fatal(err)
		}
		res := e.do("GET", "/v1/programs", nil)
		if res.Status == http.StatusOK {
			if try == 20 {
				t.Fatal("no request met a terminated session")
			}
			continue
		}
		if res.expect(503); res.Header.Get("Retry-After") == "" {
			t.Fatalf("503 without Retry-After: %v", res.Header)
		}
		// Each of the pool's terminated connections fails once, then is
		// dropped: a retry succeeds after those.
		for retry := 0; e.do("GET", "/v1/programs", nil).Status != http.StatusOK; retry++ {
			if retry == 20 {
				t.Fatal("no retry succeeded")
			}
		}
		return
	}
}
