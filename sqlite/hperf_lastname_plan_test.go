package sqlite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestWorkspaceLastNameCursorPlan checks that a page after a cursor of a
// list across instances by lastName (a CSV export's every page after its
// first, or a pageToken) reads each instance's entries of
// enrollments_instance_last_name from the cursor on, in order, rather
// than every entry of the workspace after it, which it sorted: each page
// of an export cost as much as the rows after it, 62 s in all for
// 156,000 enrollments (docs/benchmarks.md). Statuses too, many of them
// (fewRows 0), and a tag, which the index's labels serve.
func TestWorkspaceLastNameCursorPlan(t *testing.T) {
	t.Parallel()
	s := newImportBench(t, "OFF")
	s.run(t, importCSV(0, 30), false, 0)
	other := &enroll.ProgramInstance{ProgramID: s.inst.ProgramID, Slug: "2027", Name: "Solar 2027", Status: enroll.InstanceActive,
		AutoEvaluate: true, EligibilityRules: importRules, Parameters: s.inst.Parameters}
	if err := s.db.CreateInstance(context.Background(), s.a, other); err != nil {
		t.Fatal(err)
	}
	first := s.inst
	s.inst = other
	s.run(t, importCSV(30, 10), false, 0)
	s.inst = first
	db := &DB{r: s.db.r, scan: s.db.scan, fewRows: 0}
	since := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	lp := enroll.ListParams{Sort: enroll.SortLastName}
	for _, c := range []struct {
		name string
		f    enroll.EnrollmentFilter
	}{
		{"workspace", enroll.EnrollmentFilter{ListParams: lp}},
		{"eligible", enroll.EnrollmentFilter{Statuses: []enroll.Status{enroll.StatusEligible}, ListParams: lp}},
		{"eligible, ineligible", enroll.EnrollmentFilter{Statuses: []enroll.Status{enroll.StatusEligible, enroll.StatusIneligible}, ListParams: lp}},
		{"tag", enroll.EnrollmentFilter{Tag: "bench", ListParams: lp}},
		{"keyed instances", enroll.EnrollmentFilter{ProgramInstanceIDs: []string{first.ID, other.ID, "gone"}, ListParams: lp}},
	} {
		pages, _ := listStatements(t, db, s.a.WorkspaceID, c.f, since)
		pg := pages[1]
		p := explain(t, db, pg.query, pg.args)
		const walk = "INDEX enrollments_instance_last_name (workspace_id=? AND instance_id=? AND (last_name,id)>(?,?))"
		if n := strings.Count(p, walk); n < 2 || strings.Contains(p, "(workspace_id=?)\n") {
			t.Errorf("%s: the page after a cursor does not read each instance's names from the cursor on (%d ranges):\n%s\n%s", c.name, n, pg.query, p)
		}
		if strings.Contains(p, "enrollments_instance_status_created") {
			t.Errorf("%s: the page after a cursor reads the status index, whose rows it must sort:\n%s\n%s", c.name, pg.query, p)
		}
	}
}
