package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// hdelEndpoint makes a workspace with one enabled endpoint and returns
// the actor and the endpoint.
func hdelEndpoint(t *testing.T, db *DB) (enroll.Actor, *enroll.WebhookEndpoint) {
	t.Helper()
	ctx := context.Background()
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "hdel-" + enroll.NewID()}
	key, _ := enroll.NewAPIKey(ws.ID, "hdel", nil, nil, time.Now())
	if err := db.CreateWorkspace(ctx, ws, key); err != nil {
		t.Fatal(err)
	}
	a := enroll.Actor{WorkspaceID: ws.ID, KeyID: key.ID, RequestID: "req_hdel"}
	ep := &enroll.WebhookEndpoint{URL: "https://hooks.example.com/" + enroll.NewID(), Enabled: true}
	if err := db.CreateWebhookEndpoint(ctx, a, ep); err != nil {
		t.Fatal(err)
	}
	return a, ep
}

// hdelFillDeliveries queues n finished deliveries to endpoint ep of
// workspace ws, in SQL.
func hdelFillDeliveries(t testing.TB, db *DB, ws, ep string, n int) {
	t.Helper()
	err := db.write(context.Background(), func(tx *Tx) error {
		_, err := tx.exec(`INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, stream, event_seq, status, doc, created_at, updated_at)
			WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?)
			SELECT ? || '_' || n, ?, ?, 'ev' || n, 's' || n, n, 'succeeded', '{}', 0, 0 FROM g`, n, ep, ws, ep)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestHdelEndpointDeleteLetsWritesIn deletes an endpoint with 12,000
// deliveries while a write waits behind the deletion: that write must
// run once the endpoint and at most a bounded chunk of its deliveries
// are gone, not after all of them (SQLite's one writer, which every
// workspace's writes wait for, was held for seconds by an endpoint with
// 400,000).
func TestHdelEndpointDeleteLetsWritesIn(t *testing.T) {
	t.Parallel()
	db := openGroupDB(t, "")
	ctx := context.Background()
	a, ep := hdelEndpoint(t, db)
	const n = 12000
	hdelFillDeliveries(t, db, a.WorkspaceID, ep.ID, n)

	g := holdWriter(t, db)
	deleted := make(chan error, 1)
	go func() { deleted <- db.DeleteWebhookEndpoint(ctx, a, ep.ID, nil) }()
	g.queued(1)
	var left, endpoints int
	seen := goWrite(ctx, db, func(tx *Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM webhook_deliveries WHERE workspace_id = ? AND endpoint_id = ?`,
			a.WorkspaceID, ep.ID).Scan(&left); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM webhook_endpoints WHERE workspace_id = ? AND id = ?`,
			a.WorkspaceID, ep.ID).Scan(&endpoints)
	})
	g.queued(2)
	g.run()
	if err := <-seen; err != nil {
		t.Fatal(err)
	}
	if err := <-deleted; err != nil {
		t.Fatal(err)
	}
	if endpoints != 0 {
		t.Errorf("the write queued behind the deletion ran before the endpoint was deleted")
	}
	if left == 0 || left == n {
		t.Errorf("the write queued behind the deletion saw %d of the %d deliveries left: one transaction deleted them all", left, n)
	} else if n-left > 5000 {
		t.Errorf("the deletion's first transaction deleted %d deliveries, want at most 5,000", n-left)
	}
	var after int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = ?`, ep.ID).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != 0 {
		t.Errorf("%d deliveries left once DeleteWebhookEndpoint returned, want 0", after)
	}
}

// TestHdelOrphanDeliveriesInert leaves a pending delivery of an endpoint
// whose row is gone (a deletion stopped between its transactions): it is
// neither claimed nor found, as the deleted endpoint's.
func TestHdelOrphanDeliveriesInert(t *testing.T) {
	t.Parallel()
	db := openGroupDB(t, "")
	ctx := context.Background()
	a, ep := hdelEndpoint(t, db)
	if err := db.CreateProgram(ctx, a, &enroll.Program{Slug: "solar", Name: "Solar"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DispatchEvents(ctx, 100, 0); err != nil {
		t.Fatal(err)
	}
	pg, err := db.ListWebhookDeliveries(ctx, a.WorkspaceID, ep.ID, enroll.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pg.Data) != 1 {
		t.Fatalf("%d deliveries queued, want 1", len(pg.Data))
	}
	d := pg.Data[0]
	if err := db.write(ctx, func(tx *Tx) error {
		_, err := tx.exec(`DELETE FROM webhook_endpoints WHERE workspace_id = ? AND id = ?`, a.WorkspaceID, ep.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	jobs, err := db.ClaimWebhookDeliveries(ctx, time.Minute, 10, 10, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 0 {
		t.Errorf("claimed %d deliveries of a deleted endpoint", len(jobs))
	}
	if _, err := db.FindWebhookDelivery(ctx, a.WorkspaceID, ep.ID, d.ID); enroll.ErrorCode(err) != enroll.ENOTFOUND {
		t.Errorf("FindWebhookDelivery of a deleted endpoint's delivery = %v, want ENOTFOUND", err)
	}
}
