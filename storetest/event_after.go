package storetest

import (
	"fmt"
	"testing"

	"github.com/enrollhq/enroll"
)

// testEventsAfterWalk walks consumers through the events with ?after=, a
// page at a time, while more are published between their polls, and
// checks every page's totalItems: the events after the cursor, published
// by then. Stores count a poll's backlog from the count of an earlier
// cursor of the same scope (enroll.Backlogs); a count that drifted by one
// event would show here. Three scopes: the workspace, one event type, and
// a key limited to one of two instances.
func testEventsAfterWalk(t *testing.T, newStore Factory) {
	f := newWebhookFixture(t, newStore)
	a, b := f.instance(), f.sibling(f.instance())
	n := 0
	publish := func(k int) {
		for range k {
			inst := a
			if n%3 == 0 {
				inst = b
			}
			f.enroll(inst, fmt.Sprintf("walk%d@example.com", n))
			n++
		}
		f.dispatchAll()
	}
	publish(12)
	for name, filter := range map[string]enroll.EventFilter{
		"workspace":     {},
		"type":          {Types: []enroll.EventType{enroll.EventEnrollmentStatusChanged}},
		"instance-key":  {InstanceIDs: []string{a.ID}},
		"instance-type": {InstanceIDs: []string{a.ID}, Types: []enroll.EventType{enroll.EventEnrollmentCreated}},
	} {
		// published counts the scope's events by a plain list, which no
		// backlog count serves.
		published := func() int {
			lf := filter
			lf.PerPage = enroll.MaxPerPage
			return must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, lf)).TotalItems
		}
		oldest := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{ListParams: enroll.ListParams{PerPage: enroll.MaxPerPage}}))
		cursor := oldest.Data[len(oldest.Data)-1].ID
		base, received := -1, 0
		for poll := 0; ; poll++ {
			if poll > 0 && poll < 6 {
				publish(2)
			}
			pf := filter
			pf.After, pf.PerPage = cursor, 4
			pg := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, pf))
			total := published()
			if base < 0 {
				base = total - pg.TotalItems // what the first, whole count says lies at or before the start
			}
			if want := total - base - received; pg.TotalItems != want {
				t.Fatalf("%s, poll %d: totalItems %d, want %d", name, poll, pg.TotalItems, want)
			}
			if len(pg.Data) == 0 {
				break
			}
			received += len(pg.Data)
			cursor = pg.Data[len(pg.Data)-1].ID
		}
		if received == 0 {
			t.Fatalf("%s: the walk received nothing", name)
		}
	}
}
