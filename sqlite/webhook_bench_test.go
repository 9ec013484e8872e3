package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// BenchmarkClaimWebhookDeliveries claims 32 deliveries (8 at most per
// endpoint) from a queue of 50,000 due ones: 250 endpoints in 5
// workspaces, 50 streams each, 4 deliveries a stream. In "fresh" every
// stream's head is due. In "blocked" the heads of half the endpoints wait
// for a retry an hour away, and the 18,750 deliveries queued behind them,
// older than the others', are due but blocked (deliveries that arrived
// after the retry was scheduled); in "held" those wait until the retry
// too (FinishWebhookDeliveries moves them so). In "slow" one endpoint's
// 200 deliveries come first and it holds 8 leases (a slow receiver at its
// bound; the old claim, without one, leased more of it). In "workspace"
// the first workspace's 10,000 deliveries (its 50 endpoints) come first
// and it holds 24 leases, at its bound (an import's events: the claim
// walks the other workspaces' endpoints). Elsewhere the bound per
// workspace is 256, which 32 never reach. The lease is a microsecond, so
// every claim finds the same queue.
func BenchmarkClaimWebhookDeliveries(b *testing.B) {
	for _, layout := range []string{"fresh", "blocked", "held", "slow", "workspace"} {
		b.Run(layout, func(b *testing.B) {
			s := newImportBench(b, "OFF")
			fillWebhookQueue(b, s, layout)
			ctx := context.Background()
			perWorkspace := 256
			if layout == "workspace" {
				perWorkspace = 24
			}
			for b.Loop() {
				jobs, err := s.db.ClaimWebhookDeliveries(ctx, time.Microsecond, 32, 8, perWorkspace)
				if err != nil {
					b.Fatal(err)
				}
				if len(jobs) != 32 {
					b.Fatalf("claimed %d, want 32", len(jobs))
				}
			}
		})
	}
}

// fillWebhookQueue queues 50,000 due deliveries to 250 endpoints (see
// BenchmarkClaimWebhookDeliveries), with their events, in SQL.
func fillWebhookQueue(b *testing.B, s *importBench, layout string) {
	b.Helper()
	ctx := context.Background()
	const endpoints, streams, deliveries = 250, 12500, 50000
	for w := range 5 {
		a := s.a
		if w > 0 {
			ws := &enroll.Workspace{ID: enroll.NewID(), Name: fmt.Sprintf("bench-%d", w)}
			key, _ := enroll.NewAPIKey(ws.ID, "bench", nil, nil, time.Now())
			if err := s.db.CreateWorkspace(ctx, ws, key); err != nil {
				b.Fatal(err)
			}
			a = enroll.Actor{WorkspaceID: ws.ID, KeyID: key.ID}
		}
		for range endpoints / 5 {
			if err := s.db.CreateWebhookEndpoint(ctx, a, &enroll.WebhookEndpoint{URL: "https://hooks.example.com/" + enroll.NewID(), Enabled: true}); err != nil {
				b.Fatal(err)
			}
		}
	}
	// Delivery g goes to endpoint g % 250, stream g % 12500 (a stream's
	// four are g, g+12500, ...: its head comes first), due at base + g µs.
	// Blocked and held: endpoints below 125 come first in due order, heads
	// retrying.
	base := time.Now().Add(-time.Hour).UnixMicro()
	later := time.Now().Add(time.Hour).UnixMicro()
	err := s.db.write(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`INSERT INTO events (id, workspace_id, type, object_id, doc, created_at)
			WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?)
			SELECT 'ev' || n, 'bench', 'enrollment.created', 'o' || (n % ?), '{"id":"ev' || n || '","type":"enrollment.created"}', ? FROM g`,
			deliveries, streams, base); err != nil {
			return err
		}
		_, err := tx.exec(`INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, stream, event_seq, status,
				next_attempt_at, doc, created_at, updated_at)
			WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?),
			eps AS (SELECT workspace_id, id, row_number() OVER (ORDER BY id) - 1 AS i FROM webhook_endpoints)
			SELECT 'whd' || n, eps.workspace_id, eps.id, 'ev' || n, 's' || (n % ?), n, 'pending',
				CASE WHEN ? AND eps.i < 125 AND (n <= ? OR ?) THEN ?
					WHEN ? AND eps.i < 125 THEN ? + n
					WHEN ? AND eps.i = 0 THEN ? + n
					WHEN ? AND eps.i < 50 THEN ? + n
					ELSE ? + ? + n END,
				'{"id":"whd' || n || '","endpointId":"' || eps.id || '","eventId":"ev' || n || '","eventType":"enrollment.created","status":"pending","attemptCount":0,"attempts":[]}',
				?, ?
			FROM g JOIN eps ON eps.i = n % ?`,
			deliveries, streams, layout == "blocked" || layout == "held", streams, layout == "held", later,
			layout == "blocked" || layout == "held", base, layout == "slow", base, layout == "workspace", base, base, deliveries, base, base, endpoints)
		if err != nil || (layout != "slow" && layout != "workspace") {
			return err
		}
		if layout == "workspace" {
			_, err = tx.exec(`UPDATE webhook_deliveries SET lease_until = ? WHERE seq IN (SELECT seq FROM webhook_deliveries
				WHERE workspace_id = (SELECT workspace_id FROM webhook_deliveries WHERE event_seq = ?) ORDER BY seq LIMIT 24)`, later, endpoints)
			return err
		}
		_, err = tx.exec(`UPDATE webhook_deliveries SET lease_until = ? WHERE seq IN (SELECT seq FROM webhook_deliveries
			WHERE endpoint_id = (SELECT endpoint_id FROM webhook_deliveries WHERE event_seq = ?) ORDER BY seq LIMIT 8)`, later, endpoints)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
}
