package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
	"github.com/jackc/pgx/v5"
)

// TestHdelDeleteOrphanedDeliveries leaves 12,000 deliveries of an
// endpoint whose row is gone (a deletion stopped between transactions)
// beside another endpoint's 40,000: DeleteOrphanedDeliveries deletes those, in
// batches, and keeps the others, seeking indexes (never reading every
// delivery) to find and delete them; DeleteWebhookEndpoint deletes an
// endpoint's 12,000 too.
func TestHdelDeleteOrphanedDeliveries(t *testing.T) {
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
	var eps []*enroll.WebhookEndpoint
	for range 3 {
		ep := &enroll.WebhookEndpoint{URL: "https://hooks.example.com/" + enroll.NewID(), Enabled: true}
		if err := db.CreateWebhookEndpoint(ctx, a, ep); err != nil {
			t.Fatal(err)
		}
		eps = append(eps, ep)
	}
	gone, kept, deleted := eps[0], eps[1], eps[2]
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, f := range []struct {
		ep string
		n  int
	}{{gone.ID, 12000}, {kept.ID, 40000}, {deleted.ID, 12000}} {
		if _, err := conn.Exec(ctx, `INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, stream, event_seq, status, doc, created_at, updated_at)
			SELECT $1 || '_' || n, $2, $1, 'ev' || n, 's' || n, n, 'succeeded', '{}', now(), now() FROM generate_series(1, $3) n`,
			f.ep, a.WorkspaceID, f.n); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, `ANALYZE webhook_deliveries`); err != nil {
		t.Fatal(err)
	}
	for name, q := range map[string]string{"next endpoint": postgres.NextDeliveryEndpoint, "delete batch": postgres.DeleteEndpointBatch} {
		args := []any{a.WorkspaceID, gone.ID}
		if name == "delete batch" {
			args = append(args, 5000)
		}
		rows, err := conn.Query(ctx, "EXPLAIN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		rows.Close()
		all := strings.Join(plan, "\n")
		t.Logf("%s plan:\n%s", name, all)
		if strings.Contains(all, "Seq Scan on webhook_deliveries") {
			t.Errorf("%s reads every delivery:\n%s", name, all)
		}
	}
	if err := db.DeleteWebhookEndpoint(ctx, a, deleted.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `DELETE FROM webhook_endpoints WHERE workspace_id = $1 AND id = $2`, a.WorkspaceID, gone.ID); err != nil {
		t.Fatal(err)
	}
	n, err := db.DeleteOrphanedDeliveries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 12000 {
		t.Errorf("DeleteOrphanedDeliveries deleted %d, want 12000", n)
	}
	count := func(ep string) int {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1`, ep).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if g, k, d := count(gone.ID), count(kept.ID), count(deleted.ID); g != 0 || k != 40000 || d != 0 {
		t.Errorf("left %d orphans, %d of the live endpoint's and %d of the deleted one's; want 0, 40000, 0", g, k, d)
	}
	if n, err := db.DeleteOrphanedDeliveries(ctx); err != nil || n != 0 {
		t.Errorf("DeleteOrphanedDeliveries again = %d, %v; want 0", n, err)
	}
}
