package postgres_test

import (
	"context"
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
// instance's, costs the quiet one's list every event of the other.
func TestEventListPlan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, busy, quiet, conn := planStore(t)
	fill := `INSERT INTO events (id, workspace_id, type, object_id, instance_id, doc, created_at)
		SELECT $2 || g, $1, CASE WHEN g % 3 = 0 THEN 'enrollment.created' ELSE 'enrollment.updated' END, $2 || g, $3, '{}', now()
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
}
