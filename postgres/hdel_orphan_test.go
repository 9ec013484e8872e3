package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

// TestHdelOrphanDeliveriesInert leaves a pending delivery of an endpoint
// whose row is gone (a deletion stopped between its transactions): it is
// neither claimed nor found, as the deleted endpoint's.
func TestHdelOrphanDeliveriesInert(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := newDatabase(t)
	db := openDB(t, url)
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "hdel"}
	key, _ := enroll.NewAPIKey(ws.ID, "hdel", nil, nil, time.Now())
	if err := db.CreateWorkspace(ctx, ws, key); err != nil {
		t.Fatal(err)
	}
	a := enroll.Actor{WorkspaceID: ws.ID, KeyID: key.ID}
	ep := &enroll.WebhookEndpoint{URL: "https://hooks.example.com/" + enroll.NewID(), Enabled: true}
	if err := db.CreateWebhookEndpoint(ctx, a, ep); err != nil {
		t.Fatal(err)
	}
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
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `DELETE FROM webhook_endpoints WHERE workspace_id = $1 AND id = $2`, a.WorkspaceID, ep.ID); err != nil {
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
