package storetest

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/enrollhq/enroll"
)

// testEventsByInstance lists events as a key limited to instances sees
// them (EventFilter.InstanceIDs): its instances' enrollment and instance
// events and every program event, counted and paged in the store, in
// both listing modes.
func testEventsByInstance(t *testing.T, newStore Factory) {
	f := newWebhookFixture(t, newStore)
	a, b := f.instance(), f.instance()
	for i, inst := range []*enroll.ProgramInstance{a, a, b} {
		e := f.enroll(inst, "byinst"+string(rune('a'+i))+"@example.com")
		must(f.s.UpdateEnrollment(f.ctx, f.a, e.ID, func(e *enroll.Enrollment) error { e.Notes = "n"; return nil }))
	}
	f.dispatchAll()
	all := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{ListParams: enroll.ListParams{PerPage: 500}})).Data
	// What each key must see, worked out from the events' objects.
	visible := func(ids []string) map[string]bool {
		out := map[string]bool{}
		for _, ev := range all {
			var obj struct {
				ID                string `json:"id"`
				ProgramInstanceID string `json:"programInstanceId"`
			}
			if err := json.Unmarshal(ev.Data.Object, &obj); err != nil {
				t.Fatal(err)
			}
			inst := ""
			switch ev.Type {
			case enroll.EventInstanceCreated, enroll.EventInstanceUpdated, enroll.EventInstanceDeleted:
				inst = obj.ID
			case enroll.EventProgramCreated, enroll.EventProgramUpdated, enroll.EventProgramDeleted:
			default:
				inst = obj.ProgramInstanceID
			}
			if inst == "" || slices.Contains(ids, inst) {
				out[ev.ID] = true
			}
		}
		return out
	}
	oldest := all[len(all)-1]
	for _, ids := range [][]string{{a.ID}, {b.ID}, {a.ID, b.ID}, {}} {
		want := visible(ids)
		if len(want) == len(all) && len(ids) < 2 {
			t.Fatalf("instances %v see all %d events: the case tests nothing", ids, len(all))
		}
		// Newest first, two a page: every page full but the last, and
		// totalItems the count of what the key sees.
		seen := map[string]bool{}
		p := enroll.ListParams{PerPage: 2}
		for {
			pg := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{InstanceIDs: ids, ListParams: p}))
			if pg.TotalItems != len(want) {
				t.Fatalf("instances %v: totalItems %d, want %d", ids, pg.TotalItems, len(want))
			}
			for _, ev := range pg.Data {
				if !want[ev.ID] {
					t.Fatalf("instances %v: got event %s (%s) of another instance", ids, ev.ID, ev.Type)
				}
				seen[ev.ID] = true
			}
			if pg.NextPageToken == "" {
				break
			}
			if len(pg.Data) != 2 {
				t.Fatalf("instances %v: a page of %d before the last", ids, len(pg.Data))
			}
			p.PageToken = pg.NextPageToken
		}
		if len(seen) != len(want) {
			t.Fatalf("instances %v: paged %d events, want %d", ids, len(seen), len(want))
		}
		// After a cursor, oldest first: the same events but the oldest.
		after := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{After: oldest.ID, InstanceIDs: ids,
			ListParams: enroll.ListParams{PerPage: 500}}))
		n := len(want)
		if want[oldest.ID] {
			n--
		}
		if len(after.Data) != n {
			t.Fatalf("instances %v: %d events after the oldest, want %d", ids, len(after.Data), n)
		}
		for _, ev := range after.Data {
			if !want[ev.ID] {
				t.Fatalf("instances %v: after the oldest, event %s of another instance", ids, ev.ID)
			}
		}
	}
}
