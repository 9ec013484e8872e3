package storetest

import (
	"slices"
	"testing"

	"github.com/enrollhq/enroll"
)

// testSnapshot checks that the pages of a list read through a snapshot
// are those of one moment: a row whose sort key changes between two pages
// (a newer updatedAt, under -updatedAt) is neither lost, as it would be
// once it moved ahead of the walk, nor repeated, and rows created or
// deleted meanwhile are as they were. Reads outside it see the change.
func testSnapshot(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	inst := f.instance(noAutoEvaluate)
	var all []*enroll.Enrollment
	for i := range 6 {
		all = append(all, f.enroll(inst, "snap"+string(rune('a'+i))+"@example.com"))
	}
	filter := enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, NoTotal: true,
		ListParams: enroll.ListParams{PerPage: 2, Sort: enroll.SortUpdatedDesc}}
	snap, release, err := f.s.Snapshot(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	page := must(f.s.ListEnrollments(snap, f.a.WorkspaceID, filter))
	seen := map[string]int{}
	for _, e := range page.Data {
		seen[e.ID]++
	}
	// The oldest, not yet read, becomes the newest; another is deleted,
	// another created.
	f.move(all[0], enroll.StatusEligible)
	if err := f.s.DeleteEnrollment(f.ctx, f.a, all[1].ID, nil); err != nil {
		t.Fatal(err)
	}
	f.enroll(inst, "snap-late@example.com")
	for page.NextPageToken != "" {
		filter.PageToken = string(page.NextPageToken)
		page = must(f.s.ListEnrollments(snap, f.a.WorkspaceID, filter))
		for _, e := range page.Data {
			seen[e.ID]++
			if e.ID == all[0].ID && e.Eligibility.Status != enroll.StatusCandidate {
				t.Errorf("the snapshot reads the change made after it: %s", e.Eligibility.Status)
			}
		}
	}
	if len(seen) != len(all) {
		t.Errorf("the snapshot's pages hold %d enrollments, want the %d it began with: %v", len(seen), len(all), seen)
	}
	for _, e := range all {
		if seen[e.ID] != 1 {
			t.Errorf("enrollment %s read %d times", e.ID, seen[e.ID])
		}
	}
	release()
	// Outside it, the list is as it is now.
	filter.PageToken, filter.PerPage = "", 50
	now := must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, filter))
	var ids []string
	for _, e := range now.Data {
		ids = append(ids, e.ID)
	}
	if len(ids) != len(all) || ids[1] != all[0].ID || slices.Contains(ids, all[1].ID) {
		t.Errorf("after the snapshot: %v, want the late one, then %s, and not %s", ids, all[0].ID, all[1].ID)
	}
}
