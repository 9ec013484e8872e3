package sqlite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestEnrollmentSearchPlan checks the plans of q lists, which read every
// enrollment of their scope at a million enrollments (5.7 s,
// docs/benchmarks.md, session 14): the count reads the union of the four
// ranges' indexes, and so does the page when few match (sorting them);
// when many match, the page walks its sort's index, which finds its rows
// early; when a status's index is read (few in that status), q filters it.
// The names' later words are a fifth range, of enrollment_name_words'
// index, whose ids are looked up; a walk probes an enrollment's words by
// the primary key. A q of several words reads the ranges of its longest
// word and of q whole, as one word's.
func TestEnrollmentSearchPlan(t *testing.T) {
	t.Parallel()
	s := newImportBench(t, "OFF")
	ctx := context.Background()
	s.run(t, importCSV(0, 30), false, 0)
	inst := s.inst.ID
	union := []string{"MULTI-INDEX OR", "INDEX enrollments_instance_first_name (workspace_id=? AND instance_id=? AND first_name>? AND first_name<?)",
		"INDEX enrollments_instance_last_name (workspace_id=? AND instance_id=? AND last_name>? AND last_name<?)",
		"INDEX enrollments_email (workspace_id=? AND email_norm>? AND email_norm<?)",
		"INDEX enrollments_reference_lower (workspace_id=? AND <expr>>? AND <expr><?)",
		"INDEX enrollment_name_words_word (workspace_id=? AND instance_id=? AND word>? AND word<?)",
		"INDEX sqlite_autoindex_enrollments_1 (id=?)"}
	// A walk tests a word's later-words range on the enrollment's rows.
	probe := "enrollment_name_words USING PRIMARY KEY (enrollment_id=? AND word>? AND word<?)"
	walks := []string{"SCAN enrollments", "enrollments_instance_created", "enrollments_instance_updated", "enrollments_created", "enrollments_updated", "enrollments_instance_status_created"}
	// homeowner1 matches 11 of the 30 last names: few; suzie every first
	// name and email: many, once fewRows is 0 (30 rows are few).
	few, many := "Homeowner1", "suzie"
	for _, c := range []struct {
		name string
		f    enroll.EnrollmentFilter
		// page is what the page's plan holds, absent what it must not;
		// the count's always reads the union.
		page, absent []string
	}{
		{name: "few", f: enroll.EnrollmentFilter{ProgramInstanceID: inst, Q: few}, page: union, absent: walks},
		{name: "few, workspace", f: enroll.EnrollmentFilter{Q: few}, page: union, absent: walks},
		{name: "few, keyed instances", f: enroll.EnrollmentFilter{ProgramInstanceIDs: []string{inst, "other"}, Q: few}, page: union, absent: walks},
		{name: "no match", f: enroll.EnrollmentFilter{ProgramInstanceID: inst, Q: "nope"}, page: union, absent: walks},
		// Several words read their longest word's ranges and q whole's,
		// and test the others on those rows.
		{name: "few, words", f: enroll.EnrollmentFilter{ProgramInstanceID: inst, Q: "suzie " + few}, page: union, absent: walks},
		{name: "few, words, workspace", f: enroll.EnrollmentFilter{Q: few + " suzie example"}, page: union, absent: walks},
		{name: "many", f: enroll.EnrollmentFilter{ProgramInstanceID: inst, Q: many},
			page: []string{"INDEX enrollments_instance_created (workspace_id=? AND instance_id=?", probe}, absent: []string{"TEMP B-TREE", "MULTI-INDEX OR"}},
		{name: "many, workspace", f: enroll.EnrollmentFilter{Q: many},
			page: []string{"INDEX enrollments_created (workspace_id=?", probe}, absent: []string{"TEMP B-TREE", "MULTI-INDEX OR"}},
		{name: "many, words", f: enroll.EnrollmentFilter{ProgramInstanceID: inst, Q: many + " homeowner"},
			page: []string{"INDEX enrollments_instance_created (workspace_id=? AND instance_id=?", probe}, absent: []string{"TEMP B-TREE", "MULTI-INDEX OR"}},
	} {
		for _, sort := range enroll.EnrollmentSorts {
			f := c.f
			f.Sort = sort
			db := s.db
			if strings.HasPrefix(c.name, "many") {
				db = &DB{r: s.db.r, scan: s.db.scan, fewRows: 0}
			}
			q, err := db.enrollmentQuery(ctx, s.a.WorkspaceID, &f)
			if err != nil {
				t.Fatal(err)
			}
			page, absent := c.page, c.absent
			if strings.HasPrefix(c.name, "many") && sort != enroll.SortCreatedDesc {
				page, absent = nil, nil // its sort's, as without q
			}
			cursor := &enroll.Cursor{Sort: f.Sort, ID: "x", Time: time.Now(), Text: "x"}
			for _, cur := range []*enroll.Cursor{nil, cursor} {
				query, args, err := pageQuery("enrollments", q.w, f.ListParams, cur, true)
				if err != nil {
					t.Fatal(err)
				}
				p := explain(t, s.db, query, args)
				for _, want := range page {
					if !strings.Contains(p, want) {
						t.Errorf("%s, sort %s (cursor %v): the page does not read %s:\n%s\n%s", c.name, sort, cur != nil, want, query, p)
					}
				}
				for _, a := range absent {
					if strings.Contains(p, a) {
						t.Errorf("%s, sort %s (cursor %v): the page reads %s:\n%s\n%s", c.name, sort, cur != nil, a, query, p)
					}
				}
			}
			query := "SELECT COUNT(*) FROM enrollments WHERE " + q.cw.sql()
			p := explain(t, s.db, query, q.cw.args)
			for _, want := range union {
				if !strings.Contains(p, want) {
					t.Errorf("%s, sort %s: the count does not read %s:\n%s\n%s", c.name, sort, want, query, p)
				}
			}
			for _, a := range walks {
				if strings.Contains(p, a) {
					t.Errorf("%s, sort %s: the count reads %s:\n%s\n%s", c.name, sort, a, query, p)
				}
			}
		}
	}
}
