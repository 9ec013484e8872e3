package sqlite

import (
	"context"
	"strings"
	"testing"
)

// TestHdelDeleteOrphanedDeliveries leaves 12,000 deliveries of an
// endpoint whose row is gone (a deletion stopped between transactions)
// beside another endpoint's: DeleteOrphanedDeliveries deletes those, in
// batches, and keeps the others.
func TestHdelDeleteOrphanedDeliveries(t *testing.T) {
	t.Parallel()
	db := openGroupDB(t, "")
	ctx := context.Background()
	a, gone := hdelEndpoint(t, db)
	_, kept := hdelEndpoint(t, db)
	hdelFillDeliveries(t, db, a.WorkspaceID, gone.ID, 12000)
	hdelFillDeliveries(t, db, kept.WorkspaceID, kept.ID, 10)
	if err := db.write(ctx, func(tx *Tx) error {
		_, err := tx.exec(`DELETE FROM webhook_endpoints WHERE workspace_id = ? AND id = ?`, a.WorkspaceID, gone.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	n, err := db.DeleteOrphanedDeliveries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 12000 {
		t.Errorf("DeleteOrphanedDeliveries deleted %d, want 12000", n)
	}
	var left, others int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = ?`, gone.ID).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = ?`, kept.ID).Scan(&others); err != nil {
		t.Fatal(err)
	}
	if left != 0 || others != 10 {
		t.Errorf("after DeleteOrphanedDeliveries %d orphans and %d of the live endpoint's deliveries are left, want 0 and 10", left, others)
	}
	if n, err := db.DeleteOrphanedDeliveries(ctx); err != nil || n != 0 {
		t.Errorf("DeleteOrphanedDeliveries again = %d, %v; want 0", n, err)
	}
}

// TestHdelOrphanQueriesPlan checks that finding and deleting orphaned
// deliveries seek an index of the deliveries, never scan them.
func TestHdelOrphanQueriesPlan(t *testing.T) {
	t.Parallel()
	db := openGroupDB(t, "")
	ctx := context.Background()
	for _, q := range []struct {
		name, sql string
		args      []any
	}{
		{"next endpoint", nextDeliveryEndpoint, []any{"ws", "ep"}},
		{"delete batch", deleteEndpointBatch, []any{"ws", "ep", 5000}},
	} {
		rows, err := db.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q.sql, q.args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		all := strings.Join(plan, "\n")
		t.Logf("%s plan:\n%s", q.name, all)
		if strings.Contains(all, "SCAN") || !strings.Contains(all, "webhook_deliveries_") {
			t.Errorf("%s plan:\n%s\nwant index searches only", q.name, all)
		}
	}
}
