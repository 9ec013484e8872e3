package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// eventCursorRetention checks that the retention keeps a poller's after=
// cursor: DeleteExpiredEvents keeps, of each counter key (workspace,
// instance, type), the newest published event older than the retention,
// so a poller that keeps up (one that polls within the retention) always
// finds its cursor, however quiet its workspace or its filter; and a
// poller that lagged past events of its filter the sweep deleted is told
// so (the 422 with after: "expired") rather than skipping them. Each
// case runs in a workspace of its own on s, whose clock advance moves;
// EventRetention runs them after its own checks.
func eventCursorRetention(t *testing.T, s enroll.Store, advance func(time.Duration), retention time.Duration) {
	t.Helper()
	ws, ok := s.(enroll.WebhookStore)
	if !ok {
		t.Skip("the store keeps no webhooks")
	}
	newFixture := func() *notificationFixture {
		return &notificationFixture{webhookFixture: &webhookFixture{fixture: newFixtureOn(t, s), ws: ws}}
	}
	sweep := func(f *notificationFixture) enroll.ExpiredEvents {
		f.t.Helper()
		got := must(ws.DeleteExpiredEvents(f.ctx, retention))
		f.wantIntegrity()
		return got
	}

	// A quiet poller, in a workspace where nothing happens, and a busy
	// one, which reads what comes each retention, both keep their
	// cursor over several retentions, whatever the sweep deletes.
	quiet, busy := newFixture(), newFixture()
	quietInst, busyInst := quiet.instance(), busy.instance()
	quiet.enroll(quietInst, "quiet@example.com")
	busy.enroll(busyInst, "busy@example.com")
	quiet.dispatchAll()
	quietCursor, busyCursor := quiet.newestEvent(enroll.EventFilter{}), busy.newestEvent(enroll.EventFilter{})
	deleted := 0
	for round := range 3 {
		for i := range 2 {
			busy.enroll(busyInst, fmt.Sprintf("busy-%d-%d@example.com", round, i))
		}
		busy.dispatchAll()
		read := busy.poll(enroll.EventFilter{After: busyCursor})
		if len(read) < 2 {
			t.Fatalf("round %d: the busy poller read %d events, want those of 2 enrollments", round, len(read))
		}
		busyCursor = read[len(read)-1].ID
		advance(retention + time.Hour)
		deleted += sweep(busy).Events
		if got := quiet.poll(enroll.EventFilter{After: quietCursor}); len(got) != 0 {
			t.Fatalf("round %d: the quiet poller read %d events after its cursor", round, len(got))
		}
		if got := busy.poll(enroll.EventFilter{After: busyCursor}); len(got) != 0 {
			t.Fatalf("round %d: the busy poller read %d events after its cursor", round, len(got))
		}
	}
	if deleted == 0 {
		t.Fatal("the sweeps deleted no event: the pollers' cursors were never at risk")
	}
	// A newer event of the cursor's own key, too recent to go, keeps the
	// cursor too though it is old: the poller may not have read it yet.
	fresh := quiet.enroll(quietInst, "fresh@example.com")
	quiet.dispatchAll()
	sweep(quiet)
	if got, want := quiet.poll(enroll.EventFilter{After: quietCursor}), quiet.eventIDs(fresh); !slices.Equal(ids(got), want) {
		t.Fatalf("after a new event of the cursor's key, the quiet poller read %v, want %v", ids(got), want)
	}

	// A poller of enrollment.deleted, and a key limited to one
	// instance, keep their cursor while only other types, or other
	// instances' events, arrive and go.
	f := newFixture()
	instA, instB := f.instance(), f.instance()
	gone := f.enroll(instA, "gone@example.com")
	must(0, f.s.DeleteEnrollment(f.ctx, f.a, gone.ID, nil))
	f.dispatchAll()
	deletedOnly := enroll.EventFilter{Types: []enroll.EventType{enroll.EventEnrollmentDeleted}}
	onlyA := enroll.EventFilter{InstanceIDs: []string{instA.ID}}
	typeCursor, instCursor := f.newestEvent(deletedOnly), f.newestEvent(onlyA)
	deleted = 0
	for round := range 3 {
		for i := range 2 {
			f.enroll(instB, fmt.Sprintf("other-%d-%d@example.com", round, i))
		}
		f.dispatchAll()
		advance(retention + time.Hour)
		deleted += sweep(f).Events
		for _, poller := range []enroll.EventFilter{
			{Types: deletedOnly.Types, After: typeCursor},
			{InstanceIDs: onlyA.InstanceIDs, After: instCursor},
		} {
			if got := f.poll(poller); len(got) != 0 {
				t.Fatalf("round %d: the poller %+v read %d events after its cursor", round, poller, len(got))
			}
		}
	}
	if deleted == 0 {
		t.Fatal("the sweeps deleted no event of the other types and instances")
	}

	// A poller that lagged past events of its filter the sweep deleted
	// is told to start again: the 422 with after: "expired", not a page
	// that skips them. One whose filter keeps none of them goes on.
	f = newFixture()
	inst := f.instance()
	f.dispatchAll()
	cursor := f.newestEvent(enroll.EventFilter{}) // programInstance.created
	instanceOnly := enroll.EventFilter{Types: []enroll.EventType{enroll.EventInstanceCreated}}
	if f.newestEvent(instanceOnly) != cursor {
		t.Fatalf("the newest event %s is not the instance's creation", cursor)
	}
	first := f.enroll(inst, "first@example.com")
	f.enroll(inst, "second@example.com")
	f.dispatchAll()
	advance(retention + time.Hour)
	if n := sweep(f).Events; n == 0 {
		t.Fatal("the sweep deleted none of the first enrollment's events")
	}
	for _, id := range f.eventIDs(first) {
		t.Fatalf("the first enrollment's event %s is still there, though the second's are newer", id)
	}
	for _, lagged := range []enroll.EventFilter{
		{After: cursor},
		{After: cursor, Types: []enroll.EventType{enroll.EventEnrollmentCreated}},
		{After: cursor, Types: []enroll.EventType{enroll.EventInstanceCreated, enroll.EventEnrollmentCreated}},
		{After: cursor, InstanceIDs: []string{inst.ID}},
	} {
		_, err := f.s.ListEvents(f.ctx, f.a.WorkspaceID, withPerPage(lagged))
		wantAfterExpired(t, err, cursor)
	}
	if got := f.poll(enroll.EventFilter{After: cursor, Types: instanceOnly.Types}); len(got) != 0 {
		t.Fatalf("a poller of programInstance.created read %d events after the newest", len(got))
	}
	// Starting again from the list, it goes on from its newest.
	restart := f.newestEvent(enroll.EventFilter{})
	if got := f.poll(enroll.EventFilter{After: restart}); len(got) != 0 {
		t.Fatalf("after starting again: %d events", len(got))
	}

	// Of each key, the newest event is kept, and only it, a retention
	// after everything: the counters still count them.
	want := newestOfKeys(f.allEvents(), nil)
	advance(retention + time.Hour)
	sweep(f)
	if got := ids(f.allEvents()); !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
		t.Fatalf("events left: %v, want the newest of each key %v", got, want)
	}
	if n := f.eventTotal(nil); n != len(want) {
		t.Fatalf("totalItems %d, want %d", n, len(want))
	}
}

// withPerPage gives f a page of 100, for a poll that reads all at once.
func withPerPage(f enroll.EventFilter) enroll.EventFilter {
	f.PerPage = 100
	return f
}

// poll polls f (with After) in one page and returns the events read,
// oldest first, checking the backlog against them.
func (f *notificationFixture) poll(filter enroll.EventFilter) []*enroll.Event {
	f.t.Helper()
	pg, err := f.s.ListEvents(f.ctx, f.a.WorkspaceID, withPerPage(filter))
	if err != nil {
		f.t.Fatalf("poll %+v: %v", filter, err)
	}
	if pg.TotalItems != len(pg.Data) {
		f.t.Fatalf("poll %+v: totalItems %d, listed %d", filter, pg.TotalItems, len(pg.Data))
	}
	return pg.Data
}

// newestEvent returns the id of the newest event filter lists: where a
// poller starts.
func (f *notificationFixture) newestEvent(filter enroll.EventFilter) string {
	f.t.Helper()
	filter.PerPage = 1
	pg := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, filter))
	if len(pg.Data) == 0 {
		f.t.Fatalf("no event of %+v", filter)
	}
	return pg.Data[0].ID
}

// allEvents returns the workspace's events, oldest first.
func (f *notificationFixture) allEvents() []*enroll.Event {
	f.t.Helper()
	pg := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{ListParams: enroll.ListParams{PerPage: 500}}))
	if pg.TotalItems != len(pg.Data) {
		f.t.Fatalf("events: totalItems %d, listed %d", pg.TotalItems, len(pg.Data))
	}
	return slices.Collect(func(yield func(*enroll.Event) bool) {
		for _, ev := range slices.Backward(pg.Data) {
			if !yield(ev) {
				return
			}
		}
	})
}

func ids(events []*enroll.Event) []string {
	var out []string
	for _, ev := range events {
		out = append(out, ev.ID)
	}
	return out
}

// eventKey is the counter key of an event within its workspace: its
// instance ("" for a program's events) and its type.
func eventKey(ev *enroll.Event) string {
	var obj struct {
		ID                string `json:"id"`
		ProgramInstanceID string `json:"programInstanceId"`
	}
	_ = json.Unmarshal(ev.Data.Object, &obj)
	inst := ""
	switch {
	case strings.HasPrefix(string(ev.Type), "enrollment."):
		inst = obj.ProgramInstanceID
	case strings.HasPrefix(string(ev.Type), "programInstance."):
		inst = obj.ID
	}
	return inst + " " + string(ev.Type)
}

// newestOfKeys returns the ids of the newest of events (oldest first) of
// each key, leaving out those skip lists (events not published).
func newestOfKeys(events []*enroll.Event, skip []string) []string {
	newest := map[string]string{}
	var keys []string
	for _, ev := range events {
		if slices.Contains(skip, ev.ID) {
			continue
		}
		k := eventKey(ev)
		if _, ok := newest[k]; !ok {
			keys = append(keys, k)
		}
		newest[k] = ev.ID
	}
	var out []string
	for _, k := range keys {
		out = append(out, newest[k])
	}
	return out
}

// wantAfterExpired fails t unless err is the 422 of an after= past which
// events were deleted by the retention: a field error at query.after
// with the cursor, and the member after: "expired".
func wantAfterExpired(t *testing.T, err error, after string) {
	t.Helper()
	var e *enroll.Error
	if !errors.As(err, &e) || e.Code != enroll.EINVALID || e.Extra["after"] != "expired" ||
		len(e.Fields) != 1 || e.Fields[0].Location != "query.after" || e.Fields[0].Value != after {
		t.Fatalf("poll after %s: %#v, want EINVALID with after: expired at query.after", after, err)
	}
}
