package postgres_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

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
