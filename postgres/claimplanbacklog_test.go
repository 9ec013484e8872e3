package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll/postgres"
)

// TestClaimByEndpointPlanBacklog checks the claim endpoint by endpoint
// on a backlog as an import leaves it, in a table never analyzed
// (autovacuum off, or not yet run after the burst): 4 endpoints, 120,000
// deliveries with documents of a realistic size, three to a stream (an
// enrollment's created, status_changed and updated), half of them since
// delivered, so most due deliveries wait behind their stream's head.
// (At 60,000 the planner still walks the index.) The claim must still walk each endpoint's due deliveries
// in order (webhook_deliveries_endpoint_due) and stop at its room, not
// gather every due delivery of the endpoint in a bitmap and sort them,
// which took 0.45 s an endpoint (2.4 s a claim) with 3 replicas on an
// import's backlog in a hunt, draining about 70 deliveries a second, and
// ran claims into the 30 s statement timeout.
func TestClaimByEndpointPlanBacklog(t *testing.T) {
	t.Parallel()
	_, _, _, conn := planStore(t)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `INSERT INTO webhook_endpoints (id, workspace_id, enabled, secrets, doc, created_at, updated_at)
		SELECT 'ep' || g, 'ws', true, '[]', '{}', now(), now() FROM generate_series(0, 3) g`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, stream, event_seq, status,
			next_attempt_at, doc, created_at, updated_at)
		SELECT 'whd' || g, 'ws', 'ep' || (g % 4), 'ev' || (g / 4), 's' || (g / 12), g / 4, 'pending',
			now() - interval '1 hour' + g * interval '1 millisecond', jsonb_build_object('id', 'whd' || g, 'pad', repeat('x', 400)), now(), now()
		FROM generate_series(1, 120000) g`); err != nil {
		t.Fatal(err)
	}
	// Half of them delivered since: the rows the finishes left behind.
	if _, err := conn.Exec(ctx, `UPDATE webhook_deliveries SET status = 'succeeded', next_attempt_at = NULL WHERE seq % 2 = 0`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "SET "+postgres.ClaimByEndpointPlanner); err != nil {
		t.Fatal(err)
	}
	for _, depth := range []int{1, 64} {
		for mode, plan := range explain(t, conn, postgres.ClaimByEndpoint, []any{time.Now(), 64, depth, 256, 192}) {
			if !strings.Contains(plan, "Index Scan using webhook_deliveries_endpoint_due on webhook_deliveries d") ||
				strings.Contains(plan, "Bitmap Heap Scan on webhook_deliveries d ") {
				t.Errorf("depth %d (%s): the claim does not walk webhook_deliveries_endpoint_due:\n%s", depth, mode, plan)
			}
		}
	}
}
