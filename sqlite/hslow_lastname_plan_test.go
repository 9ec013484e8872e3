package sqlite

import (
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestWorkspaceLastNamePlan checks that a list sorted by lastName across
// instances, which no index gives in that order, sorts the ids and names
// it reads from the covering enrollments_instance_last_name and reads the
// documents of the page's rows alone: sorting the rows with their
// documents took 58 s and 1.4 GB of memory for page 2900 of 156,000
// enrollments, and 3 s for the first page.
func TestWorkspaceLastNamePlan(t *testing.T) {
	t.Parallel()
	s := newImportBench(t, "OFF")
	s.run(t, importCSV(0, 30), false, 0)
	since := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		f    enroll.EnrollmentFilter
	}{
		{"workspace", enroll.EnrollmentFilter{}},
		{"workspace, deep page", enroll.EnrollmentFilter{ListParams: enroll.ListParams{Page: 2900}}},
		{"keyed instances", enroll.EnrollmentFilter{ProgramInstanceIDs: []string{s.inst.ID, "other"}}},
	} {
		c.f.Sort = enroll.SortLastName
		pages, _ := listStatements(t, s.db, s.a.WorkspaceID, c.f, since)
		for i, pg := range pages {
			p := explain(t, s.db, pg.query, pg.args)
			if !strings.Contains(p, "COVERING INDEX enrollments_instance_last_name") ||
				!strings.Contains(p, "INDEX sqlite_autoindex_enrollments_1 (id=?)") {
				t.Errorf("%s (cursor %v): the page sorts more than the ids and names:\n%s\n%s", c.name, i > 0, pg.query, p)
			}
		}
	}
}
