package postgres

import (
	"context"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres/pgtest"
	"github.com/enrollhq/enroll/rules"
)

// TestDeliveryListReadsPage checks that a page of an endpoint's
// deliveries, its totalItems included, reads about what its page's query
// reads of the deliveries table and its indexes, whatever the endpoint
// holds: its total counted the endpoint's index entries and their rows,
// 0.12-0.15 s at 90,000 deliveries (docs/benchmarks.md); and that a
// status none of them has reads none of them. What the list reads is the
// statistics PostgreSQL keeps of the transaction (tuples returned and
// fetched, pg_stat_get_xact_*), read in the snapshot the list ran in.
func TestDeliveryListReadsPage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, Config{URL: pgtest.NewDatabase(t), Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "deliveries"}
	if err := db.CreateWorkspace(ctx, ws, nil); err != nil {
		t.Fatal(err)
	}
	a := enroll.Actor{WorkspaceID: ws.ID}
	ep := &enroll.WebhookEndpoint{URL: "https://hooks.example.com/x", Enabled: true}
	if err := db.CreateWebhookEndpoint(ctx, a, ep); err != nil {
		t.Fatal(err)
	}
	const n = 5000
	// Queued, then delivered but one in 100, as a dispatch and its
	// senders write them.
	for _, q := range []string{
		`INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, stream, event_seq, status, next_attempt_at, doc, created_at, updated_at)
			SELECT 'whd' || g, $1, $2, 'ev' || g, 's' || (g % 50), g, 'pending', now(),
				jsonb_build_object('id', 'whd' || g, 'endpointId', $2::text, 'eventId', 'ev' || g, 'eventType', 'enrollment.created',
					'status', 'pending', 'attemptCount', 0, 'attempts', '[]'::jsonb), now(), now()
			FROM generate_series(1, $3::int) g`,
		`UPDATE webhook_deliveries SET status = 'succeeded', next_attempt_at = NULL, doc = doc || '{"status": "succeeded"}'
			WHERE workspace_id = $1 AND endpoint_id = $2 AND event_seq % 100 <> 0 AND $3 > 0`,
		`ANALYZE webhook_deliveries`,
	} {
		args := []any{ws.ID, ep.ID, n}
		if q == `ANALYZE webhook_deliveries` {
			args = nil
		}
		if _, err := db.pool.Exec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name  string
		f     enroll.DeliveryFilter
		total int
	}{
		{"all", enroll.DeliveryFilter{}, n},
		{"succeeded", enroll.DeliveryFilter{Status: enroll.DeliverySucceeded}, n - n/100},
		{"pending", enroll.DeliveryFilter{Status: enroll.DeliveryPending}, n / 100},
		// None failed: the page has nothing to find, the endpoint's
		// every delivery to read for it.
		{"failed", enroll.DeliveryFilter{Status: enroll.DeliveryFailed}, 0},
	} {
		snap, release, err := db.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// The page's own query first, as the store writes it: what any
		// list must read.
		before := tuplesRead(t, snap)
		rows, err := snapshotOf(snap).Query(ctx, `SELECT id, seq, doc FROM webhook_deliveries
			WHERE workspace_id = $1 AND endpoint_id = $2 AND ($3 = '' OR status = $3) ORDER BY seq DESC LIMIT 11`, ws.ID, ep.ID, string(c.f.Status))
		if err != nil {
			release()
			t.Fatal(err)
		}
		rows.Close()
		pageRead := tuplesRead(t, snap) - before
		before += pageRead
		p, err := db.ListWebhookDeliveries(snap, ws.ID, ep.ID, enroll.DeliveryFilter{Status: c.f.Status, ListParams: enroll.ListParams{PerPage: 10}})
		if err != nil {
			release()
			t.Fatal(err)
		}
		read := tuplesRead(t, snap) - before
		release()
		if p.TotalItems != c.total || len(p.Data) != min(10, c.total) {
			t.Errorf("%s: totalItems %d, %d on the page, want %d and %d", c.name, p.TotalItems, len(p.Data), c.total, min(10, c.total))
		}
		limit := pageRead + 50
		if c.total == 0 {
			limit = 50
		}
		if read > limit {
			t.Errorf("%s: the list read %d tuples of the deliveries and their indexes, its page's query alone %d, for a page of 10 of %d",
				c.name, read, pageRead, c.total)
		}
	}
}

// tuplesRead returns the tuples of webhook_deliveries and its indexes
// that the backend of snap's transaction has read (returned by a scan or
// fetched from the table) and not yet reported: it reports them when idle
// outside a transaction, so within one the difference between two calls
// is what the statements between them read.
func tuplesRead(t *testing.T, snap context.Context) int {
	t.Helper()
	var n int
	err := snapshotOf(snap).QueryRow(snap, `SELECT COALESCE(SUM(pg_stat_get_xact_tuples_returned(c.oid) + pg_stat_get_xact_tuples_fetched(c.oid)), 0)
		FROM pg_class c WHERE c.oid = 'webhook_deliveries'::regclass
			OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'webhook_deliveries'::regclass)`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
