package storetest

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// testEventsByInstance lists events as a key limited to instances sees
// them (EventFilter.InstanceIDs): its instances' enrollment and instance
// events and every program event, counted and paged in the store, in
// both listing modes, with and without types; each page in the order of
// the whole list, though the events of each instance (and of none) are
// read apart and interleave.
func testEventsByInstance(t *testing.T, newStore Factory) {
	f := newWebhookFixture(t, newStore)
	a, b, c := f.instance(), f.instance(), f.instance()
	for i, inst := range []*enroll.ProgramInstance{a, b, a, c, b, a, b} {
		e := f.enroll(inst, "byinst"+string(rune('a'+i))+"@example.com")
		must(f.s.UpdateEnrollment(f.ctx, f.a, e.ID, func(e *enroll.Enrollment) error { e.Notes = "n"; return nil }))
		if i%2 == 0 {
			must(f.s.UpdateProgram(f.ctx, f.a, a.ProgramID, func(p *enroll.Program) error { p.Name += "!"; return nil }))
		}
	}
	f.dispatchAll()
	all := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{ListParams: enroll.ListParams{PerPage: 500}})).Data
	// What each key must see, newest first, worked out from the events'
	// objects.
	visible := func(ids []string, types []enroll.EventType) []*enroll.Event {
		var out []*enroll.Event
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
			if (inst == "" || slices.Contains(ids, inst)) && (len(types) == 0 || slices.Contains(types, ev.Type)) {
				out = append(out, ev)
			}
		}
		return out
	}
	eventIDs := func(evs []*enroll.Event) []string {
		out := make([]string, len(evs))
		for i, ev := range evs {
			out[i] = ev.ID + " " + string(ev.Type)
		}
		return out
	}
	oldest := all[len(all)-1]
	// A cursor of an instance the key does not see names no event for it,
	// as one of another workspace does.
	seenByA := visible([]string{a.ID}, nil)
	i := slices.IndexFunc(visible([]string{c.ID}, nil), func(ev *enroll.Event) bool { return !slices.Contains(seenByA, ev) })
	if i < 0 {
		t.Fatal("instance c has no event of its own")
	}
	_, err := f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{After: visible([]string{c.ID}, nil)[i].ID, InstanceIDs: []string{a.ID}})
	if enroll.ErrorCode(err) != enroll.EINVALID {
		t.Fatalf("after an event of an instance the key does not see: %v, want EINVALID", err)
	}
	for _, types := range [][]enroll.EventType{nil, {enroll.EventEnrollmentCreated},
		{enroll.EventEnrollmentUpdated, enroll.EventProgramUpdated}} {
		for _, ids := range [][]string{{a.ID}, {b.ID}, {a.ID, b.ID}, {b.ID, a.ID, b.ID}, {}} {
			want := eventIDs(visible(ids, types))
			if len(want) == len(eventIDs(visible([]string{a.ID, b.ID, c.ID}, types))) {
				t.Fatalf("instances %v, types %v see every event: the case tests nothing", ids, types)
			}
			if len(want) < 3 && len(ids) > 0 {
				t.Fatalf("instances %v, types %v see %d events: too few to page", ids, types, len(want))
			}
			// Newest first, two a page: every page full but the last, and
			// totalItems the count of what the key sees.
			var got []string
			p := enroll.ListParams{PerPage: 2}
			for {
				pg := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{InstanceIDs: ids, Types: types, ListParams: p}))
				if pg.TotalItems != len(want) {
					t.Fatalf("instances %v, types %v: totalItems %d, want %d", ids, types, pg.TotalItems, len(want))
				}
				got = append(got, eventIDs(pg.Data)...)
				if pg.NextPageToken == "" {
					break
				}
				if len(pg.Data) != 2 {
					t.Fatalf("instances %v, types %v: a page of %d before the last", ids, types, len(pg.Data))
				}
				p.PageToken = string(pg.NextPageToken)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("instances %v, types %v: paged\n%v\nwant\n%v", ids, types, got, want)
			}
			// By page number.
			pg := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{InstanceIDs: ids, Types: types,
				ListParams: enroll.ListParams{Page: 1, PerPage: 3}}))
			if got, want := eventIDs(pg.Data), want[min(3, len(want)):min(6, len(want))]; !slices.Equal(got, want) {
				t.Fatalf("instances %v, types %v: page 1 of 3 is\n%v\nwant\n%v", ids, types, got, want)
			}
			// After a cursor, oldest first, two at a time: the same events
			// but the oldest, and totalItems what is left to read.
			slices.Reverse(want)
			want = slices.DeleteFunc(want, func(s string) bool { return strings.HasPrefix(s, oldest.ID+" ") })
			got, cursor := nil, oldest.ID
			for {
				pg := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{After: cursor, InstanceIDs: ids, Types: types,
					ListParams: enroll.ListParams{PerPage: 2}}))
				if pg.TotalItems != len(want)-len(got) {
					t.Fatalf("instances %v, types %v: after %d events, totalItems %d, want %d", ids, types, len(got), pg.TotalItems, len(want)-len(got))
				}
				if len(pg.Data) == 0 {
					break
				}
				got = append(got, eventIDs(pg.Data)...)
				cursor = pg.Data[len(pg.Data)-1].ID
			}
			if !slices.Equal(got, want) {
				t.Fatalf("instances %v, types %v: after the oldest\n%v\nwant\n%v", ids, types, got, want)
			}
		}
	}
}
