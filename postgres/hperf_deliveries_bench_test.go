package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/enrollhq/enroll"
)

// deliveryListRows is how many deliveries BenchmarkDeliveryList gives its
// endpoint: the 90,000 of the session that found its total slow
// (docs/benchmarks.md).
const deliveryListRows = 90_000

// BenchmarkDeliveryList lists the deliveries of an endpoint holding
// deliveryListRows, written as a dispatch and its senders write them
// (queued pending, then updated to succeeded, one in 100 still pending
// and none failed), another endpoint of the workspace holding a tenth as
// many; the table is analyzed, as autovacuum soon does after such a
// change, but not vacuumed, as between two of its runs under a busy queue. "baseline" is the page's own query alone, run on a
// connection of its own: what any list must read.
func BenchmarkDeliveryList(b *testing.B) {
	ctx := context.Background()
	db, a, url := benchStore(b)
	var eps []string
	for range 2 {
		ep := &enroll.WebhookEndpoint{URL: "https://hooks.example.com/" + enroll.NewID(), Enabled: true}
		if err := db.CreateWebhookEndpoint(ctx, a, ep); err != nil {
			b.Fatal(err)
		}
		eps = append(eps, ep.ID)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(context.Background()) })
	for i, n := range []int{deliveryListRows, deliveryListRows / 10} {
		for _, q := range []string{
			`INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, stream, event_seq, status, next_attempt_at, doc, created_at, updated_at)
				SELECT $3 || g, $1, $2, 'ev' || g, 's' || (g % 5000), g, 'pending', now(),
					jsonb_build_object('id', $3 || g, 'endpointId', $2::text, 'eventId', 'ev' || g, 'eventType', 'enrollment.created',
						'status', 'pending', 'attemptCount', 0, 'attempts', '[]'::jsonb),
					now(), now()
				FROM generate_series(1, $4::int) g`,
			`UPDATE webhook_deliveries SET status = 'succeeded', next_attempt_at = NULL,
				doc = doc || jsonb_build_object('status', 'succeeded', 'attemptCount', 1,
					'attempts', jsonb_build_array(jsonb_build_object('at', now(), 'statusCode', 200, 'durationMs', 12)))
				WHERE endpoint_id = $2 AND event_seq % 100 <> 0 AND $1 <> $3 AND $4 > 0`,
		} {
			if _, err := conn.Exec(ctx, q, a.WorkspaceID, eps[i], fmt.Sprintf("whd%d-", i), n); err != nil {
				b.Fatal(err)
			}
		}
	}
	if _, err := conn.Exec(ctx, `ANALYZE webhook_deliveries`); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		f    enroll.DeliveryFilter
	}{
		{"all", enroll.DeliveryFilter{}},
		{"status=succeeded", enroll.DeliveryFilter{Status: enroll.DeliverySucceeded}},
		{"status=pending", enroll.DeliveryFilter{Status: enroll.DeliveryPending}},
		{"status=failed", enroll.DeliveryFilter{Status: enroll.DeliveryFailed}},
		{"eventId", enroll.DeliveryFilter{EventID: "ev4500"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			total := -1
			for b.Loop() {
				p, err := db.ListWebhookDeliveries(ctx, a.WorkspaceID, eps[0], c.f)
				if err != nil {
					b.Fatal(err)
				}
				total = p.TotalItems
			}
			b.ReportMetric(float64(total), "totalItems")
		})
	}
	b.Run("baseline", func(b *testing.B) {
		for b.Loop() {
			rows, err := conn.Query(ctx, `SELECT seq, doc FROM webhook_deliveries WHERE workspace_id = $1 AND endpoint_id = $2 ORDER BY seq DESC LIMIT 51`,
				a.WorkspaceID, eps[0])
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rows.Next() {
				n++
			}
			if rows.Close(); rows.Err() != nil || n != 51 {
				b.Fatal(n, rows.Err())
			}
		}
	})
}

// BenchmarkDeliveryWrites is a delivery's writes, as the sender makes
// them: each iteration dispatches 50 events to the workspace's 4
// endpoints (200 deliveries inserted in one statement), claims them in
// leases of 32 (8 an endpoint) and finishes each lease's deliveries as
// succeeded in one statement. It reports the CPU time per delivery of the
// process and of the database's backends (cpuMeter), which on a shared
// machine vary less than the wall clock.
func BenchmarkDeliveryWrites(b *testing.B) {
	ctx := context.Background()
	db, a, url := benchStore(b)
	const endpoints, perDispatch = 4, 50
	for range endpoints {
		if err := db.CreateWebhookEndpoint(ctx, a, &enroll.WebhookEndpoint{URL: "https://hooks.example.com/" + enroll.NewID(), Enabled: true}); err != nil {
			b.Fatal(err)
		}
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(context.Background()) })
	// Enough undispatched events for every iteration the benchmark may run.
	const events = 200_000
	if _, err := conn.Exec(ctx, `INSERT INTO events (id, workspace_id, type, object_id, doc, created_at, dispatched)
		SELECT 'ev' || g, $1, 'enrollment.created', 'o' || (g % 1000), jsonb_build_object('id', 'ev' || g, 'type', 'enrollment.created'),
			now(), false FROM generate_series(1, $2::int) g`, a.WorkspaceID, events); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE events`); err != nil {
		b.Fatal(err)
	}
	m := newCPUMeter(b, url)
	delivered := 0
	for b.Loop() {
		n, err := db.DispatchEvents(ctx, perDispatch, time.Second)
		if err != nil || n != perDispatch {
			b.Fatal(n, err)
		}
		for left := n * endpoints; left > 0; {
			jobs, err := db.ClaimWebhookDeliveries(ctx, time.Minute, 32, 8, 256)
			if err != nil || len(jobs) == 0 {
				b.Fatal(len(jobs), err)
			}
			done := make([]enroll.DeliveryResult, len(jobs))
			for i, j := range jobs {
				done[i] = enroll.DeliveryResult{Job: j, Outcome: enroll.DeliveryOutcome{Status: enroll.DeliverySucceeded,
					Attempt: enroll.DeliveryAttempt{At: time.Now(), StatusCode: 200, DurationMs: 12}}}
			}
			if err := db.FinishWebhookDeliveries(ctx, done); err != nil {
				b.Fatal(err)
			}
			left -= len(jobs)
			delivered += len(jobs)
		}
	}
	m.report(delivered)
}
