package storetest

import (
	"encoding/json"
	"testing"

	"github.com/enrollhq/enroll"
)

func testEvents(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	inst := f.instance(noAutoEvaluate)
	e := f.enroll(inst, "ev@example.com")
	e = f.move(e, enroll.StatusEligible)
	must(f.s.UpdateEnrollment(f.ctx, f.a, e.ID, func(e *enroll.Enrollment) error { e.Notes = "n"; return nil }))
	// A refused change writes no event.
	if _, err := f.s.UpdateEnrollment(f.ctx, f.a, e.ID, setStatus(enroll.StatusApproved, "")); err == nil {
		t.Fatal("eligible → approved must be refused")
	}
	if err := f.s.DeleteEnrollment(f.ctx, f.a, e.ID, nil); err != nil {
		t.Fatal(err)
	}
	pg := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{ObjectID: e.ID}))
	var types []enroll.EventType
	for _, ev := range pg.Data {
		types = append(types, ev.Type)
	}
	want := []enroll.EventType{enroll.EventEnrollmentDeleted, enroll.EventEnrollmentUpdated, enroll.EventEnrollmentUpdated,
		enroll.EventEnrollmentStatusChanged, enroll.EventEnrollmentCreated}
	if len(types) != len(want) {
		t.Fatalf("events = %v, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("events = %v, want %v", types, want)
		}
	}
	sc := pg.Data[3]
	var obj enroll.Enrollment
	if err := json.Unmarshal(sc.Data.Object, &obj); err != nil || obj.Eligibility.Status != enroll.StatusEligible {
		t.Fatalf("status_changed object = %s (%v)", sc.Data.Object, err)
	}
	prev, _ := sc.Data.PreviousAttributes["eligibility"].(map[string]any)
	if prev["status"] != "candidate" || sc.RequestID != "req_test" {
		t.Fatalf("status_changed previousAttributes = %v", sc.Data.PreviousAttributes)
	}
	if notes := pg.Data[1].Data.PreviousAttributes; len(notes) == 0 {
		t.Fatal("updated event without previousAttributes")
	}
	got := must(f.s.FindEvent(f.ctx, f.a.WorkspaceID, sc.ID))
	if got.Type != sc.Type {
		t.Fatalf("FindEvent = %+v", got)
	}
	_, err := f.s.FindEvent(f.ctx, f.a.WorkspaceID, "evt_missing")
	wantCode(t, err, enroll.ENOTFOUND)

	byType := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{Types: []enroll.EventType{enroll.EventProgramCreated, enroll.EventInstanceCreated}}))
	if byType.TotalItems != 2 {
		t.Fatalf("program and instance created events: %d", byType.TotalItems)
	}
	// Cursor paging through all events.
	total := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{})).TotalItems
	seen := 0
	p := enroll.ListParams{PerPage: 2}
	for {
		pg := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{ListParams: p}))
		seen += len(pg.Data)
		if pg.NextPageToken == "" {
			break
		}
		p.PageToken = string(pg.NextPageToken)
	}
	if seen != total {
		t.Fatalf("paged %d of %d events", seen, total)
	}
}
