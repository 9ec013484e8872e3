package sqlite

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// BenchmarkHdelEndpointDelete deletes an endpoint with 400,000
// deliveries while another workspace updates its endpoint in a loop, and
// reports the longest such write (max-wait-ms) and the deletion's time
// (delete-ms). "one" is the deletion as it was, in one write transaction;
// "batches" is DeleteWebhookEndpoint, a transaction per
// enroll.EndpointDeleteBatch deliveries. Run with -benchtime 1x.
func BenchmarkHdelEndpointDelete(b *testing.B) {
	for _, how := range []string{"one", "batches"} {
		b.Run(how, func(b *testing.B) {
			var maxWait, took time.Duration
			for b.Loop() {
				b.StopTimer()
				s := newImportBench(b, "FULL")
				db, ctx := s.db, context.Background()
				ep := &enroll.WebhookEndpoint{URL: "https://hooks.example.com/doomed", Enabled: true}
				if err := db.CreateWebhookEndpoint(ctx, s.a, ep); err != nil {
					b.Fatal(err)
				}
				for i := range 8 {
					hdelFillDeliveriesFrom(b, db, s.a.WorkspaceID, ep.ID, i*50000, 50000)
				}
				other, otherEP := hdelOtherEndpoint(b, db)
				stop := make(chan struct{})
				var wg sync.WaitGroup
				var longest time.Duration
				wg.Go(func() {
					for {
						select {
						case <-stop:
							return
						default:
						}
						t0 := time.Now()
						if _, err := db.UpdateWebhookEndpoint(ctx, other, otherEP.ID, func(ep *enroll.WebhookEndpoint) error {
							ep.Description = t0.String()
							return nil
						}); err != nil {
							b.Error(err)
							return
						}
						longest = max(longest, time.Since(t0))
						time.Sleep(time.Millisecond)
					}
				})
				time.Sleep(20 * time.Millisecond)
				b.StartTimer()
				t0 := time.Now()
				var err error
				if how == "one" {
					err = db.write(ctx, func(tx *Tx) error {
						if _, err := tx.exec(`DELETE FROM webhook_endpoints WHERE workspace_id = ? AND id = ?`, s.a.WorkspaceID, ep.ID); err != nil {
							return err
						}
						_, err := tx.exec(`DELETE FROM webhook_deliveries WHERE workspace_id = ? AND endpoint_id = ?`, s.a.WorkspaceID, ep.ID)
						return err
					})
				} else {
					err = db.DeleteWebhookEndpoint(ctx, s.a, ep.ID, nil)
				}
				took = max(took, time.Since(t0))
				b.StopTimer()
				time.Sleep(20 * time.Millisecond)
				close(stop)
				wg.Wait()
				if err != nil {
					b.Fatal(err)
				}
				maxWait = max(maxWait, longest)
				b.StartTimer()
			}
			b.ReportMetric(float64(maxWait.Microseconds())/1000, "max-wait-ms")
			b.ReportMetric(float64(took.Microseconds())/1000, "delete-ms")
		})
	}
}

// hdelFillDeliveriesFrom is hdelFillDeliveries for a benchmark: n more
// deliveries numbered from first, their ids (and their events') in
// creation order, as enroll.NewID makes them.
func hdelFillDeliveriesFrom(b *testing.B, db *DB, ws, ep string, first, n int) {
	b.Helper()
	err := db.write(context.Background(), func(tx *Tx) error {
		_, err := tx.exec(`INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, stream, event_seq, status, doc, created_at, updated_at)
			WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?)
			SELECT printf('%s_%09d', ?, ? + n), ?, ?, printf('ev%09d', ? + n), 's' || n, ? + n, 'succeeded',
				'{"attempts":[{"statusCode":200,"durationMs":12}]}', 0, 0 FROM g`, n, ep, first, ws, ep, first, first)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
}

// hdelOtherEndpoint makes another workspace with an endpoint.
func hdelOtherEndpoint(b *testing.B, db *DB) (enroll.Actor, *enroll.WebhookEndpoint) {
	b.Helper()
	ctx := context.Background()
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "other-" + enroll.NewID()}
	key, _ := enroll.NewAPIKey(ws.ID, "other", nil, nil, time.Now())
	if err := db.CreateWorkspace(ctx, ws, key); err != nil {
		b.Fatal(err)
	}
	a := enroll.Actor{WorkspaceID: ws.ID, KeyID: key.ID}
	ep := &enroll.WebhookEndpoint{URL: "https://hooks.example.com/other", Enabled: true}
	if err := db.CreateWebhookEndpoint(ctx, a, ep); err != nil {
		b.Fatal(err)
	}
	return a, ep
}
