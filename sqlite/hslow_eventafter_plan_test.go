package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestEventsAfterTypePlan checks that a poll of events after a cursor
// filtered by type (GET /v1/events?after=&type=) reads each type's range
// of events_type, at most a page of each, and not every event of the
// workspace after the cursor: a poller of a rare type passes the last
// event of that type it received, so the events after it grow with every
// other event of the workspace (0.5-0.8 s a poll at 90,000 of them).
func TestEventsAfterTypePlan(t *testing.T) {
	t.Parallel()
	s := newImportBench(t, "OFF")
	ctx := context.Background()
	s.run(t, importCSV(0, 30), false, 0)
	var bound where
	bound.add("seq > ? AND seq <= ?", 1, 1000)
	for _, c := range []struct {
		name  string
		types []enroll.EventType
	}{
		{"one type", []enroll.EventType{enroll.EventEnrollmentDeleted}},
		{"two types", []enroll.EventType{enroll.EventEnrollmentDeleted, enroll.EventInstanceCreated}},
	} {
		f := enroll.EventFilter{Types: c.types, ListParams: enroll.ListParams{PerPage: 50}}
		query, args, err := eventsAfterQuery(ctx, s.db.r, s.a.WorkspaceID, f, bound)
		if err != nil {
			t.Fatal(err)
		}
		p := explain(t, s.db, query, args)
		if strings.Contains(p, "events_workspace (workspace_id=? AND seq>?") || strings.Contains(p, "SCAN events") ||
			strings.Count(p, "INDEX events_type (workspace_id=? AND type=? AND seq>? AND seq<?)") != len(c.types) {
			t.Errorf("%s: the poll does not read each type's range of events_type:\n%s\n%s", c.name, query, p)
		}
	}
}
