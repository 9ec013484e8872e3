package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// BenchmarkClaimNotifications claims 4 notifications (the sender's
// default concurrency) from a queue of about 100,000 due ones: the
// PostgreSQL side of the SQLite store's benchmark of the same name, with
// the same layouts (backlog, held, spread). The lease is a microsecond,
// so every claim finds the same queue. Nothing is analyzed: right after a
// burst fills the queue, autovacuum has not yet told the planner about
// it.
func BenchmarkClaimNotifications(b *testing.B) {
	for _, layout := range []string{"backlog", "held", "spread"} {
		b.Run(layout, func(b *testing.B) {
			ctx := context.Background()
			db, _, url := benchStore(b)
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, `INSERT INTO notifications (id, workspace_id, enrollment_id, event_id, template_id, recipient, status,
					next_attempt_at, doc, created_at, updated_at)
				SELECT 'ntf' || g, CASE WHEN $1 THEN 'ws' || (g % 1000) WHEN g <= 100000 THEN 'busy' ELSE 'q' || g END,
					'enr' || g, 'ev' || g, 'tpl', 'r' || g || '@example.com', 'pending', now() - interval '1 hour' + g * interval '1 microsecond',
					jsonb_build_object('id', 'ntf' || g, 'status', 'pending', 'attempts', '[]'::jsonb), now(), now()
				FROM generate_series(1, 100020) g`, layout == "spread"); err != nil {
				b.Fatal(err)
			}
			if layout == "held" {
				if _, err := conn.Exec(ctx, `UPDATE notifications SET lease_until = now() + interval '1 hour'
					WHERE seq IN (SELECT seq FROM notifications ORDER BY seq LIMIT 4)`); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				ns, err := db.ClaimNotifications(ctx, time.Microsecond, 4)
				if err != nil {
					b.Fatal(err)
				}
				if len(ns) != 4 {
					b.Fatalf("claimed %d, want 4", len(ns))
				}
			}
		})
	}
}
