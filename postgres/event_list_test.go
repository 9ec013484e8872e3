package postgres_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
)

// TestEventListPlan lists the events of a quiet instance, as a key
// limited to it sees them, while every newer event of the workspace
// belongs to a busy one, and checks that PostgreSQL reads neither the
// workspace's index nor the whole table, with custom and generic plans:
// walking the workspace's events newest first, skipping the busy
// instance's, costs the quiet one's list every event of the other. The
// same for a poller of the quiet instance (?after=, by dispatch order)
// after its last event, and for the backlog it counts.
func TestEventListPlan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, busy, quiet, conn := planStore(t)
	fill := `INSERT INTO events (id, workspace_id, type, object_id, instance_id, doc, created_at, dispatched, dispatch_seq)
		SELECT $2 || g, $1, CASE WHEN g % 3 = 0 THEN 'enrollment.created' ELSE 'enrollment.updated' END, $2 || g, $3, '{}', now(),
			true, nextval('events_dispatch_seq')
		FROM generate_series(1, $4::int) g`
	if _, err := conn.Exec(ctx, fill, a.WorkspaceID, "quiet-", quiet.ID, 3000); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, fill, a.WorkspaceID, "busy-", busy.ID, 30000); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE events`); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]enroll.EventFilter{
		"instance":        {InstanceIDs: []string{quiet.ID}},
		"instance, type":  {InstanceIDs: []string{quiet.ID}, Types: []enroll.EventType{enroll.EventEnrollmentCreated}},
		"instance, types": {InstanceIDs: []string{quiet.ID}, Types: []enroll.EventType{enroll.EventEnrollmentCreated, enroll.EventEnrollmentUpdated}},
		"page 2":          {InstanceIDs: []string{quiet.ID}, ListParams: enroll.ListParams{Page: 2, PerPage: 5}},
	} {
		query, args, err := postgres.EventListQuery(a.WorkspaceID, f)
		if err != nil {
			t.Fatal(err)
		}
		for mode, plan := range explain(t, conn, query, args) {
			if strings.Contains(plan, "events_workspace") || strings.Contains(plan, "Seq Scan on events") ||
				!strings.Contains(plan, "events_instance") {
				t.Errorf("%s (%s): the page is not read from the instance's own events:\n%s\n%s", name, mode, query, plan)
			}
		}
	}
	// A poller of the quiet instance, after its last event: every event
	// dispatched since is the busy one's.
	var last int64
	if err := conn.QueryRow(ctx, `SELECT max(dispatch_seq) FROM events WHERE instance_id = $1`, quiet.ID).Scan(&last); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]enroll.EventFilter{
		"after":       {InstanceIDs: []string{quiet.ID}},
		"after, type": {InstanceIDs: []string{quiet.ID}, Types: []enroll.EventType{enroll.EventEnrollmentCreated}},
	} {
		query, qargs, count, cargs := postgres.EventAfterQueries(a.WorkspaceID, f, last)
		for _, q := range []struct {
			text string
			args []any
		}{{query, qargs}, {count, cargs}} {
			for mode, plan := range explain(t, conn, q.text, q.args) {
				// Walking the workspace's events filters out other
				// instances': "Filter: ... instance_id".
				if strings.Contains(plan, "Seq Scan on events") || !strings.Contains(plan, "events_instance_dispatch") ||
					regexp.MustCompile(`Filter: .*instance_id`).MatchString(plan) {
					t.Errorf("%s (%s): the events are not read from the instance's own:\n%s\n%s", name, mode, q.text, plan)
				}
			}
		}
	}
	// The backlog's end: the last entry of the workspace's dispatch range.
	for mode, plan := range explain(t, conn, postgres.EventHeadQuery, []any{a.WorkspaceID}) {
		if !strings.Contains(plan, "events_dispatch") || strings.Contains(plan, "Seq Scan") {
			t.Errorf("head (%s): not read from events_dispatch:\n%s", mode, plan)
		}
	}
}

// TestDispatchProbePlan checks that the dispatcher's poll reads the partial
// index of undispatched events even where the table was never analyzed
// (autovacuum off): asked as EXISTS, it scanned every event.
func TestDispatchProbePlan(t *testing.T) {
	t.Parallel()
	_, _, _, conn := planStore(t)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `INSERT INTO events (id, workspace_id, type, object_id, doc, created_at, dispatched)
		SELECT 'ev' || g, 'ws', 'enrollment.created', 'o' || g, '{}', now(), true FROM generate_series(1, 50000) g`); err != nil {
		t.Fatal(err)
	}
	for mode, plan := range explain(t, conn, postgres.FirstUndispatched, nil) {
		if !strings.Contains(plan, "events_undispatched") || strings.Contains(plan, "Seq Scan") {
			t.Errorf("%s: the poll does not read events_undispatched:\n%s", mode, plan)
		}
	}
}

// TestClaimPlan checks that a webhook claim reads what it leases, not the
// due queue: with 50,000 due deliveries, its look at the front walks
// webhook_deliveries_due_order in order and stops at its limit (it once
// read every due row, probed each, and sorted them: 0.4-1.1 s a claim),
// its walk endpoint by endpoint reads each endpoint's own, and both count
// a workspace's leases from its leased rows alone.
func TestClaimPlan(t *testing.T) {
	t.Parallel()
	_, _, _, conn := planStore(t)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `INSERT INTO webhook_endpoints (id, workspace_id, enabled, secrets, doc, created_at, updated_at)
		SELECT 'ep' || g, 'ws', true, '[]', '{}', now(), now() FROM generate_series(0, 9) g`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, stream, event_seq, status,
			next_attempt_at, doc, created_at, updated_at)
		SELECT 'whd' || g, 'ws', 'ep' || (g % 10), 'ev' || g, 's' || (g % 500), g, 'pending',
			now() - interval '1 hour' + g * interval '1 millisecond', '{}', now(), now()
		FROM generate_series(1, 50000) g`); err != nil {
		t.Fatal(err)
	}
	for name, q := range map[string]struct {
		query, index string
		args         []any
	}{
		"front":       {postgres.ClaimFront, "webhook_deliveries_due_order", []any{time.Now(), 128, 8, 192}},
		"by endpoint": {postgres.ClaimByEndpoint, "webhook_deliveries_endpoint_due", []any{time.Now(), 8, 1, 32, 192}},
	} {
		for mode, plan := range explain(t, conn, q.query, q.args) {
			// The stream's head is read from its own index, not from the
			// endpoint's (every pending delivery of it, for each).
			if !strings.Contains(plan, "Index Scan using "+q.index) || strings.Contains(plan, "Seq Scan on webhook_deliveries") ||
				strings.Contains(plan, "Bitmap Heap Scan on webhook_deliveries d ") ||
				!regexp.MustCompile(`Index Only Scan using webhook_deliveries_stream on webhook_deliveries p`).MatchString(plan) ||
				regexp.MustCompile(`using webhook_deliveries_endpoint_due on webhook_deliveries p `).MatchString(plan) ||
				// A workspace's leases are counted from its leased rows,
				// not from its every delivery (webhook_deliveries_endpoint).
				!strings.Contains(plan, " webhook_deliveries_workspace_leased ") {
				t.Errorf("%s (%s): the claim does not walk %s:\n%s", name, mode, q.index, plan)
			}
		}
	}
	// The lease reads its picks by seq, not the workspace's deliveries.
	picks := make([]int64, 32)
	for i := range picks {
		picks[i] = int64(i*10 + 1)
	}
	for mode, plan := range explain(t, conn, postgres.ClaimLease, []any{time.Now(), 8, time.Now().Add(time.Minute), picks, []string{"ws"}, 192}) {
		if !strings.Contains(plan, "webhook_deliveries_pkey on webhook_deliveries d") || strings.Contains(plan, "Seq Scan on webhook_deliveries") ||
			strings.Contains(plan, "Bitmap Heap Scan on webhook_deliveries d ") {
			t.Errorf("lease (%s): the picks are not read by seq:\n%s", mode, plan)
		}
	}
}
