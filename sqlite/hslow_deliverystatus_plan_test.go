package sqlite

import (
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestDeliveryStatusPlan checks that an endpoint's deliveries filtered by
// status (GET /v1/webhookEndpoints/{id}/deliveries?status=failed) are read
// from an index holding the status, the page and its count, rather than
// by reading every delivery of the endpoint to test its status (1.2 s at
// 40,000 deliveries, none failed).
func TestDeliveryStatusPlan(t *testing.T) {
	t.Parallel()
	s := newImportBench(t, "OFF")
	var w where
	w.add("workspace_id = ?", s.a.WorkspaceID)
	w.add("endpoint_id = ?", "whe_x")
	w.add("status = ?", string(enroll.DeliveryFailed))
	const index = "INDEX webhook_deliveries_endpoint_status (workspace_id=? AND endpoint_id=? AND status=?"
	for _, cur := range []*enroll.Cursor{nil, {Sort: sortSeqDesc, ID: "x", Text: "10"}} {
		query, args, err := pageQuery("webhook_deliveries", w, enroll.ListParams{Sort: sortSeqDesc, PerPage: 50}, cur, false)
		if err != nil {
			t.Fatal(err)
		}
		if p := explain(t, s.db, query, args); !strings.Contains(p, index) || strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("the page (cursor %v) is not read by %s:\n%s\n%s", cur != nil, index, query, p)
		}
	}
	count := "SELECT COUNT(*) FROM webhook_deliveries WHERE " + w.sql()
	if p := explain(t, s.db, count, w.args); !strings.Contains(p, "COVERING "+index) {
		t.Errorf("the count is not read by %s:\n%s", index, p)
	}
}
