package sqlite

import (
	"context"
	"testing"
	"time"
)

// BenchmarkClaimNotifications claims 4 notifications (the sender's
// default concurrency) from a queue of about 100,000 due ones. In
// "backlog" one workspace's 100,000 come first (an import notifying its
// administrators) and 20 other workspaces have one each after them; in
// "held" the backlog's workspace also holds 4 leases (its sends under
// way); in "spread" 1,000 workspaces have 100 each, interleaved. The
// lease is a microsecond, so every claim finds the same queue. Compare
// builds by running the old and the new test binaries in turn.
func BenchmarkClaimNotifications(b *testing.B) {
	for _, layout := range []string{"backlog", "held", "spread"} {
		b.Run(layout, func(b *testing.B) {
			s := newImportBench(b, "OFF")
			fillNotificationQueue(b, s, layout)
			ctx := context.Background()
			for b.Loop() {
				ns, err := s.db.ClaimNotifications(ctx, time.Microsecond, 4)
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

// fillNotificationQueue queues the notifications of a layout of
// BenchmarkClaimNotifications, in SQL: notification g is due at base + g
// µs.
func fillNotificationQueue(b *testing.B, s *importBench, layout string) {
	b.Helper()
	base := time.Now().Add(-time.Hour).UnixMicro()
	err := s.db.write(context.Background(), func(tx *Tx) error {
		_, err := tx.exec(`INSERT INTO notifications (id, workspace_id, enrollment_id, event_id, template_id, recipient, status,
				next_attempt_at, doc, created_at, updated_at)
			WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 100020)
			SELECT 'ntf' || n, CASE WHEN ?1 THEN 'ws' || (n % 1000) WHEN n <= 100000 THEN 'busy' ELSE 'q' || n END,
				'enr' || n, 'ev' || n, 'tpl', 'r' || n || '@example.com', 'pending', ?2 + n,
				'{"id":"ntf' || n || '","status":"pending","attempts":[]}', ?2, ?2 FROM g`, layout == "spread", base)
		if err != nil {
			return err
		}
		if layout == "held" {
			_, err = tx.exec(`UPDATE notifications SET lease_until = ? WHERE seq IN (SELECT seq FROM notifications ORDER BY seq LIMIT 4)`,
				time.Now().Add(time.Hour).UnixMicro())
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
}
