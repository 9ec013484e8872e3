package sqlite

import (
	"strings"
	"testing"
)

// TestH6NextAttemptPlan checks that the nextAttemptAt shown of a page's
// queued deliveries is read by id and, for each, by one seek of its
// stream's pending deliveries, never by a scan of the deliveries.
func TestH6NextAttemptPlan(t *testing.T) {
	t.Parallel()
	db := openGroupDB(t, "")
	p := explain(t, db, queuedNextAttempt+"?, ?)", []any{"ws", "whe_x", "whd_a", "whd_b"})
	t.Logf("plan:\n%s", p)
	if strings.Contains(p, "SCAN") || !strings.Contains(p, "webhook_deliveries_stream") {
		t.Errorf("plan:\n%s\nwant a search by id and of webhook_deliveries_stream, no scan", p)
	}
}
