package storetest

import (
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// testStatusSince checks StatusSince: the time of each enrollment's latest
// history entry, unchanged by edits that keep the status, and nothing for
// enrollments that do not exist (deleted, unknown, another workspace's).
func testStatusSince(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	inst := f.instance(noAutoEvaluate)
	a, b, gone := f.enroll(inst, "a@example.com"), f.enroll(inst, "b@example.com"), f.enroll(inst, "gone@example.com")
	ws := f.a.WorkspaceID
	last := func(e *enroll.Enrollment) time.Time {
		h := must(f.s.ListStatusChanges(f.ctx, ws, e.ID))
		return h[len(h)-1].CreatedAt
	}

	// Edits that keep the status leave its time alone; a move sets it.
	time.Sleep(2 * time.Millisecond)
	edited := must(f.s.UpdateEnrollment(f.ctx, f.a, a.ID, func(e *enroll.Enrollment) error { e.Notes = "called"; return nil }))
	time.Sleep(2 * time.Millisecond)
	moved := f.move(b, enroll.StatusEligible)
	if err := f.s.DeleteEnrollment(f.ctx, f.a, gone.ID, nil); err != nil {
		t.Fatal(err)
	}
	other := newFixtureOn(t, f.s)

	got := must(f.s.StatusSince(f.ctx, ws, []string{a.ID, b.ID, gone.ID, "missing", a.ID}))
	if len(got) != 2 {
		t.Fatalf("StatusSince = %v, want a and b only", got)
	}
	if want := last(a); !got[a.ID].Equal(want) || !got[a.ID].Equal(a.CreatedAt) || got[a.ID].Equal(edited.UpdatedAt) {
		t.Errorf("edited enrollment since %v, want its creation %v (not the edit, %v)", got[a.ID], want, edited.UpdatedAt)
	}
	if want := last(b); !got[b.ID].Equal(want) || !want.After(b.CreatedAt) || !got[b.ID].Equal(moved.UpdatedAt) {
		t.Errorf("moved enrollment since %v, want its move %v", got[b.ID], want)
	}
	if got := must(other.s.StatusSince(other.ctx, other.a.WorkspaceID, []string{a.ID, b.ID})); len(got) != 0 {
		t.Errorf("StatusSince across workspaces = %v", got)
	}
	if got := must(f.s.StatusSince(f.ctx, ws, nil)); got == nil || len(got) != 0 {
		t.Errorf("StatusSince(nil) = %#v, want an empty map", got)
	}
}
