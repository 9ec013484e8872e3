package sqlite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestWorkspaceLastNameStatusPlan checks that a deep offset page of a
// list across instances by lastName filtered by statuses that hold a
// fraction of the rows (fewRows 0: too many to sort) reads no row to test
// their status: the ids in those statuses come from
// enrollments_instance_status_created and are tested on the entries of
// enrollments_instance_last_name, each covering, and only the page's own
// rows are read, by id. Reading the row of every name walked for its
// status cost 1.5-5 s at page 800 of a workspace of 156,000
// (docs/benchmarks.md).
func TestWorkspaceLastNameStatusPlan(t *testing.T) {
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
	// 8 of the 40 are ineligible; page 10 of 50 is at 500.
	deep := enroll.ListParams{Sort: enroll.SortLastName, Page: 10}
	for _, c := range []struct {
		name string
		f    enroll.EnrollmentFilter
	}{
		{"ineligible", enroll.EnrollmentFilter{Statuses: []enroll.Status{enroll.StatusIneligible}, ListParams: deep}},
		{"ineligible, approved", enroll.EnrollmentFilter{Statuses: []enroll.Status{enroll.StatusIneligible, enroll.StatusApproved}, ListParams: deep}},
		{"keyed instances, ineligible", enroll.EnrollmentFilter{ProgramInstanceIDs: []string{first.ID, other.ID},
			Statuses: []enroll.Status{enroll.StatusIneligible}, ListParams: deep}},
	} {
		pages, _ := listStatements(t, db, s.a.WorkspaceID, c.f, since)
		pg := pages[0]
		p := explain(t, db, pg.query, pg.args)
		if n := strings.Count(p, "COVERING INDEX enrollments_instance_last_name (workspace_id=? AND instance_id=?)"); n != 2 ||
			strings.Count(p, "COVERING INDEX enrollments_instance_status_created (workspace_id=? AND instance_id=? AND status=?)") != 2 ||
			strings.Count(p, "USING INDEX") != 1 || !strings.Contains(p, "SEARCH t USING INDEX sqlite_autoindex_enrollments_1 (id=?)") {
			t.Errorf("%s: the offset page reads rows for their status:\n%s\n%s", c.name, pg.query, p)
		}
	}
}
