package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/rules"
)

// TestClaimBacklogNotJITCompiled claims webhook deliveries from the
// backlog one endpoint is left with after an outage of its receiver or of
// the database (100,000 pending deliveries in 20,000 enrollments'
// streams, analyzed, as autovacuum leaves them): the claim reads a few
// index entries, but the planner's estimate for its walk is far above
// jit_above_cost, and with PostgreSQL's default jit = on every claim spent
// about a second compiling it (EXPLAIN ANALYZE: JIT 1,034 ms, execution
// 3 ms), so a replica claimed once a second and the backlog drained at a
// few dozen deliveries a second instead of hundreds. The plan of the walk
// says whether it is compiled: on a plain connection it is, and with the
// store's setting of jit it is not. How long a claim takes either way is
// BenchmarkClaimBacklogJIT's.
func TestClaimBacklogNotJITCompiled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := newDatabase(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if !jitOn(t, conn) {
		t.Skip("the server cannot JIT-compile queries, or has jit off")
	}
	db, err := postgres.Open(ctx, postgres.Config{URL: url, Engine: rules.New(), MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	claimBacklog(t, conn)
	jit, err := postgres.Setting(ctx, db, "jit")
	if err != nil {
		t.Fatal(err)
	}
	if plan := claimPlan(t, conn); !strings.Contains(plan, "JIT:") {
		t.Fatalf("a plain connection's plan of the claim's walk by endpoint is not JIT-compiled, so this backlog checks nothing:\n%s", plan)
	}
	if _, err := conn.Exec(ctx, "SET jit = "+jit); err != nil {
		t.Fatal(err)
	}
	if plan := claimPlan(t, conn); strings.Contains(plan, "JIT:") {
		t.Errorf("with the store's jit = %s, the plan of the claim's walk by endpoint is JIT-compiled:\n%s", jit, plan)
	}
	// The first claim leases 64 deliveries (their made-up events answer
	// nothing), which leaves the endpoint no room.
	for range 2 {
		if _, err := db.ClaimWebhookDeliveries(ctx, time.Minute, 193, 64, 192); err != nil {
			t.Fatal(err)
		}
	}
}

// jitOn reports whether conn's server JIT-compiles queries costly enough.
func jitOn(tb testing.TB, conn *pgx.Conn) bool {
	tb.Helper()
	var on bool
	if err := conn.QueryRow(context.Background(), `SELECT pg_jit_available() AND current_setting('jit')::bool`).Scan(&on); err != nil {
		tb.Fatal(err)
	}
	return on
}

// claimBacklog fills conn's database with workspace ws's one endpoint ep
// and its backlog of 100,000 due deliveries in 20,000 streams, analyzed.
func claimBacklog(tb testing.TB, conn *pgx.Conn) {
	tb.Helper()
	for _, q := range []string{
		`INSERT INTO workspaces (id, name, created_at) VALUES ('ws', 'ws', now())`,
		`INSERT INTO webhook_endpoints (id, workspace_id, enabled, secrets, doc, created_at, updated_at)
			VALUES ('ep', 'ws', true, '[]', '{}', now(), now())`,
		`INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, stream, event_seq, status,
				next_attempt_at, doc, created_at, updated_at)
			SELECT 'whd' || g, 'ws', 'ep', 'ev' || g, 's' || (g % 20000), g, 'pending',
				now() - interval '1 hour' + g * interval '1 millisecond', '{}', now(), now()
			FROM generate_series(1, 100000) g`,
		`ANALYZE webhook_deliveries`,
	} {
		if _, err := conn.Exec(context.Background(), q); err != nil {
			tb.Fatal(err)
		}
	}
}

// claimPlan returns conn's plan of the claim's walk by endpoint, under the
// planner setting the claim runs it with.
func claimPlan(t *testing.T, conn *pgx.Conn) string {
	t.Helper()
	ctx := context.Background()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SET LOCAL "+postgres.ClaimByEndpointPlanner); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.Query(ctx, "EXPLAIN "+postgres.ClaimByEndpoint, time.Now(), 64, 64, 193, 192)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
