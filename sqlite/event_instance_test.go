package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestEventListPlan lists the events of a quiet instance, as a key
// limited to it sees them, while every newer event of the workspace
// belongs to a busy one, and checks that SQLite reads them from the
// instance's range of events_instance, not by walking the workspace's
// events (or the table) skipping the busy instance's; and that a type the
// busy instance has one event of is read from the type's index instead.
func TestEventListPlan(t *testing.T) {
	t.Parallel()
	s := newImportBench(t, "OFF")
	ctx := context.Background()
	quiet := s.quietInstance(t, 3)
	s.run(t, importCSV(0, 300), false, 0)
	for _, c := range []struct {
		name   string
		f      enroll.EventFilter
		index  string // of the instance's arm
		absent []string
	}{
		{"instance", enroll.EventFilter{InstanceIDs: []string{quiet.ID}}, "events_instance", nil},
		{"instance, type", enroll.EventFilter{InstanceIDs: []string{quiet.ID},
			Types: []enroll.EventType{enroll.EventEnrollmentCreated}}, "events_instance", []string{"events_type"}},
		{"page 2", enroll.EventFilter{InstanceIDs: []string{quiet.ID}, ListParams: enroll.ListParams{Page: 2, PerPage: 5}}, "events_instance", nil},
		{"busy instance, rare type", enroll.EventFilter{InstanceIDs: []string{s.inst.ID},
			Types: []enroll.EventType{enroll.EventInstanceCreated}}, "events_type", nil},
	} {
		if _, err := c.f.Normalize([]string{sortSeqDesc}, 0); err != nil {
			t.Fatal(err)
		}
		w, err := eventListWhere(ctx, s.db.r, s.a.WorkspaceID, c.f, nil)
		if err != nil {
			t.Fatal(err)
		}
		query, args, err := pageQuery("events", w, c.f.ListParams, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := s.db.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan strings.Builder
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(detail + "\n")
		}
		rows.Close()
		p := plan.String()
		// The page is looked up by seq (workspace_id=? AND seq=?), each arm
		// searched in its instance's range (or its type's).
		arm := "INDEX events_instance (workspace_id=? AND instance_id=?)"
		if c.index == "events_type" {
			arm = "INDEX events_type (workspace_id=? AND type=?)"
		}
		bad := strings.Contains(p, "events_workspace (workspace_id=?)") || strings.Contains(p, "SCAN events") ||
			!strings.Contains(p, arm)
		for _, a := range c.absent {
			bad = bad || strings.Contains(p, a)
		}
		if bad {
			t.Errorf("%s: the page is not read from the instance's own events by %s:\n%s\n%s", c.name, c.index, query, p)
		}
	}
}
