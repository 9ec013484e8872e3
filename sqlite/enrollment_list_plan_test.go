package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// explain returns SQLite's plan of query, one detail per line.
func explain(t *testing.T, db *DB, query string, args []any) string {
	t.Helper()
	rows, err := db.r.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, query)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(detail + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan.String()
}

// TestEnrollmentListPlan checks the plans of enrollment lists that, at a
// million enrollments, walked the whole instance for a few rows
// (docs/benchmarks.md, session 14): each page, first and after a cursor,
// and its count must read the index named, and not the ones in absent.
// SQLite plans without statistics here as on a server (no ANALYZE), so
// the plans do not depend on the rows.
func TestEnrollmentListPlan(t *testing.T) {
	t.Parallel()
	s := newImportBench(t, "OFF")
	s.run(t, importCSV(0, 30), false, 0)
	inst := s.inst.ID
	since := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	st := func(v ...enroll.Status) []enroll.Status { return v }
	lp := func(sort string) enroll.ListParams { return enroll.ListParams{Sort: sort} }
	walks := []string{"enrollments_instance_created", "enrollments_instance_updated", "enrollments_instance_last_name", "enrollments_created", "enrollments_updated", "SCAN enrollments"}
	for _, c := range []struct {
		name string
		f    enroll.EnrollmentFilter
		many bool   // the statuses' counters exceed fewRows (most of the 30 rows are eligible)
		page string // index the page reads
		// count is the index the count reads; "" when the counters answer.
		count  string
		absent []string // in the page's plan and the count's
	}{
		{name: "email", f: enroll.EnrollmentFilter{ProgramInstanceID: inst, Email: "A@example.com"},
			page: "INDEX enrollments_email (workspace_id=? AND email_norm=?", count: "enrollments_email", absent: walks},
		{name: "referenceId", f: enroll.EnrollmentFilter{ProgramInstanceID: inst, ReferenceID: "r1"},
			page: "INDEX enrollments_reference (workspace_id=? AND reference_id=?", count: "enrollments_reference", absent: walks},
		{name: "customerId, sort=lastName", f: enroll.EnrollmentFilter{ProgramInstanceID: inst, CustomerID: "c1", ListParams: lp(enroll.SortLastName)},
			page: "INDEX enrollments_customer (workspace_id=? AND customer_id=?", count: "enrollments_customer", absent: walks},
		{name: "leadId, status", f: enroll.EnrollmentFilter{ProgramInstanceID: inst, LeadID: "l1", Statuses: st(enroll.StatusApproved)},
			page: "INDEX enrollments_lead (workspace_id=? AND lead_id=?", count: "enrollments_lead", absent: walks},
		{name: "workspace, email", f: enroll.EnrollmentFilter{Email: "a@example.com"},
			page: "INDEX enrollments_email (workspace_id=? AND email_norm=?", count: "enrollments_email", absent: walks},
		{name: "workspace, customerId, keyed instances", f: enroll.EnrollmentFilter{ProgramInstanceIDs: []string{inst, "other"}, CustomerID: "c1"},
			page: "INDEX enrollments_customer (workspace_id=? AND customer_id=?", count: "enrollments_customer", absent: walks},
		{name: "updatedAfter", f: enroll.EnrollmentFilter{ProgramInstanceID: inst, UpdatedAfter: &since},
			page: "INDEX enrollments_instance_created (workspace_id=? AND instance_id=?", count: "enrollments_instance_updated (workspace_id=? AND instance_id=? AND updated_at>?",
			absent: []string{"TEMP B-TREE"}},
		{name: "createdAfter, sort=updatedAt", f: enroll.EnrollmentFilter{ProgramInstanceID: inst, CreatedAfter: &since, ListParams: lp(enroll.SortUpdatedAsc)},
			page: "INDEX enrollments_instance_updated (workspace_id=? AND instance_id=?", count: "enrollments_instance_created (workspace_id=? AND instance_id=? AND created_at>?",
			absent: []string{"TEMP B-TREE"}},
		{name: "updatedAfter, sort=updatedAt", f: enroll.EnrollmentFilter{ProgramInstanceID: inst, UpdatedAfter: &since, ListParams: lp(enroll.SortUpdatedAsc)},
			page: "INDEX enrollments_instance_updated (workspace_id=? AND instance_id=? AND updated_at>?", count: "enrollments_instance_updated",
			absent: []string{"TEMP B-TREE"}},
		{name: "status, sort=updatedAt", f: enroll.EnrollmentFilter{ProgramInstanceID: inst, Statuses: st(enroll.StatusApproved), ListParams: lp(enroll.SortUpdatedAsc)},
			page: "INDEX enrollments_instance_status_created (workspace_id=? AND instance_id=? AND status=?", absent: walks},
		{name: "status, sort=lastName", f: enroll.EnrollmentFilter{ProgramInstanceID: inst, Statuses: st(enroll.StatusApproved), ListParams: lp(enroll.SortLastName)},
			page: "INDEX enrollments_instance_status_created (workspace_id=? AND instance_id=? AND status=?", absent: walks},
		{name: "two statuses", f: enroll.EnrollmentFilter{ProgramInstanceID: inst, Statuses: st(enroll.StatusPaused, enroll.StatusUnenrolled)},
			page: "INDEX enrollments_instance_status_created (workspace_id=? AND instance_id=? AND status=?", absent: walks},
		{name: "workspace, status", f: enroll.EnrollmentFilter{Statuses: st(enroll.StatusApproved)},
			page: "INDEX enrollments_instance_status_created (workspace_id=? AND instance_id=? AND status=?", absent: walks},
		{name: "workspace, status, q", f: enroll.EnrollmentFilter{Statuses: st(enroll.StatusApproved), Q: "zo"},
			page:  "INDEX enrollments_instance_status_created (workspace_id=? AND instance_id=? AND status=?",
			count: "enrollments_instance_status_created (workspace_id=? AND instance_id=? AND status=?", absent: walks},
		{name: "many in status, sort=updatedAt", many: true, f: enroll.EnrollmentFilter{ProgramInstanceID: inst, Statuses: st(enroll.StatusEligible), ListParams: lp(enroll.SortUpdatedAsc)},
			page: "INDEX enrollments_instance_updated (workspace_id=? AND instance_id=?", absent: []string{"TEMP B-TREE"}},
		{name: "dense status, perPage=1", f: enroll.EnrollmentFilter{ProgramInstanceID: inst, Statuses: st(enroll.StatusEligible),
			ListParams: enroll.ListParams{Sort: enroll.SortUpdatedAsc, PerPage: 1}},
			page: "INDEX enrollments_instance_updated (workspace_id=? AND instance_id=?", absent: []string{"TEMP B-TREE"}},
		{name: "one status, sort=-createdAt", f: enroll.EnrollmentFilter{ProgramInstanceID: inst, Statuses: st(enroll.StatusApproved)},
			page: "INDEX enrollments_instance_status_created (workspace_id=? AND instance_id=? AND status=?", absent: []string{"TEMP B-TREE"}},
	} {
		db := s.db
		if c.many {
			db = &DB{r: s.db.r, fewRows: 0}
		}
		// The first page, and a page after a cursor.
		pages, count := listStatements(t, db, s.a.WorkspaceID, c.f, since)
		for i, pg := range pages {
			p := explain(t, db, pg.query, pg.args)
			bad := !strings.Contains(p, c.page)
			for _, a := range c.absent {
				bad = bad || strings.Contains(p, a)
			}
			if bad {
				t.Errorf("%s (cursor %v): the page is not read by %s:\n%s\n%s", c.name, i > 0, c.page, pg.query, p)
			}
		}
		if c.count == "" {
			continue
		}
		query := count.query
		p := explain(t, db, query, count.args)
		bad := !strings.Contains(p, c.count)
		for _, a := range c.absent {
			bad = bad || strings.Contains(p, a) && !strings.Contains(c.count, a)
		}
		if bad {
			t.Errorf("%s: the count is not read by %s:\n%s\n%s", c.name, c.count, query, p)
		}
	}
}

// TestStatusSincePlan checks that the review queue's status times are read
// by primary key, not by walking the workspace's index (143 ms at a
// million enrollments).
func TestStatusSincePlan(t *testing.T) {
	t.Parallel()
	s := newImportBench(t, "OFF")
	p := explain(t, s.db, selectStatusSince, []any{s.a.WorkspaceID, `["a","b"]`})
	if !strings.Contains(p, "SEARCH e USING INDEX sqlite_autoindex_enrollments_1 (id=?)") || strings.Contains(p, "enrollments_created") {
		t.Errorf("status times are not looked up by id:\n%s", p)
	}
}

// TestCustomerListPlan checks that customer lists sorted by updatedAt read
// customers_updated (9.4 s at a million customers sorting them all) and
// that a referenceId filter reads the partial customers_reference (and
// sorts its few rows).
func TestCustomerListPlan(t *testing.T) {
	t.Parallel()
	s := newImportBench(t, "OFF")
	for _, c := range []struct {
		w     where
		sort  string
		index string
	}{
		{where{conds: []string{"workspace_id = ?"}, args: []any{s.a.WorkspaceID}}, enroll.SortUpdatedAsc, "INDEX customers_updated (workspace_id=?)"},
		{where{conds: []string{"workspace_id = ?"}, args: []any{s.a.WorkspaceID}}, enroll.SortUpdatedDesc, "INDEX customers_updated (workspace_id=?)"},
		{customerWhere(s.a.WorkspaceID, enroll.CustomerFilter{ReferenceID: "r1"}), enroll.SortCreatedDesc, "INDEX customers_reference (workspace_id=? AND reference_id=?)"},
	} {
		query, args, err := pageQuery("customers", c.w, enroll.ListParams{Sort: c.sort, PerPage: 50}, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		if p := explain(t, s.db, query, args); !strings.Contains(p, c.index) || c.w.few != strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("%s is not read by %s:\n%s", query, c.index, p)
		}
	}
}

// TestLabelFilterPlan checks that tag, manufacturerSlug and groupId lists
// test the labels column on the entries of the index they read before
// they read a row (docs/benchmarks.md, session 15): the page and the
// count read an index holding labels, and in their bytecode instr() runs
// on the index's labels after the deferred seek and before the first
// column read from the table, so that only the rows whose labels hold the
// token are read and their documents parsed.
func TestLabelFilterPlan(t *testing.T) {
	t.Parallel()
	s := newImportBench(t, "OFF")
	s.run(t, importCSV(0, 30), false, 0)
	inst := s.inst.ID
	since := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	type kase struct {
		name string
		f    enroll.EnrollmentFilter
		page string // the index the page reads
	}
	var cases []kase
	for _, sc := range []struct {
		name  string
		scope enroll.EnrollmentFilter
		index map[string]string // by sort
	}{
		{"instance", enroll.EnrollmentFilter{ProgramInstanceID: inst}, map[string]string{enroll.SortCreatedDesc: "enrollments_instance_created",
			enroll.SortCreatedAsc: "enrollments_instance_created", enroll.SortUpdatedAsc: "enrollments_instance_updated",
			enroll.SortUpdatedDesc: "enrollments_instance_updated", enroll.SortLastName: "enrollments_instance_last_name"}},
		{"workspace", enroll.EnrollmentFilter{}, map[string]string{enroll.SortCreatedDesc: "enrollments_created",
			enroll.SortCreatedAsc: "enrollments_created", enroll.SortUpdatedAsc: "enrollments_updated",
			enroll.SortUpdatedDesc: "enrollments_updated"}},
		{"keyed instances", enroll.EnrollmentFilter{ProgramInstanceIDs: []string{inst, "other"}}, map[string]string{enroll.SortCreatedDesc: "enrollments_created",
			enroll.SortUpdatedAsc: "enrollments_updated"}},
	} {
		for sort, index := range sc.index {
			for _, l := range []struct {
				name string
				set  func(*enroll.EnrollmentFilter)
			}{
				{"tag", func(f *enroll.EnrollmentFilter) { f.Tag = "vip" }},
				{"manufacturerSlug", func(f *enroll.EnrollmentFilter) { f.ManufacturerSlug = "lg" }},
				{"groupId", func(f *enroll.EnrollmentFilter) { f.GroupID = "north" }},
				{"tag and groupId", func(f *enroll.EnrollmentFilter) { f.Tag, f.GroupID = "vip", "north" }},
			} {
				f := sc.scope
				f.Sort = sort
				l.set(&f)
				cases = append(cases, kase{sc.name + ", " + l.name + ", sort=" + sort, f, index})
			}
		}
	}
	cases = append(cases, kase{"instance, tag, many in status", enroll.EnrollmentFilter{ProgramInstanceID: inst, Tag: "vip",
		Statuses: []enroll.Status{enroll.StatusEligible}, ListParams: enroll.ListParams{Sort: enroll.SortUpdatedAsc}}, "enrollments_instance_updated"})
	cases = append(cases, kase{"instance, tag, one status", enroll.EnrollmentFilter{ProgramInstanceID: inst, Tag: "vip",
		Statuses: []enroll.Status{enroll.StatusEligible}}, "enrollments_instance_status_created"})
	cases = append(cases, kase{"instance, tag, createdAfter", enroll.EnrollmentFilter{ProgramInstanceID: inst, Tag: "vip",
		CreatedAfter: &since}, "enrollments_instance_created"})
	// fewRows 0: statuses are never few, so the sort's index is walked.
	db := &DB{r: s.db.r, scan: s.db.scan, fewRows: 0}
	for _, c := range cases {
		pages, count := listStatements(t, db, s.a.WorkspaceID, c.f, since)
		for i, pg := range pages {
			p := explain(t, db, pg.query, pg.args)
			if !strings.Contains(p, "INDEX "+c.page+" ") || strings.Contains(p, "TEMP B-TREE") {
				t.Errorf("%s (cursor %v): the page is not read by %s:\n%s\n%s", c.name, i > 0, c.page, pg.query, p)
			}
			if msg := labelsBeforeRow(t, db, pg.query, pg.args); msg != "" {
				t.Errorf("%s (cursor %v): page: %s\n%s", c.name, i > 0, msg, pg.query)
			}
		}
		p := explain(t, db, count.query, count.args)
		if index := usedIndex(p); !indexHolds(t, db, index, "labels") {
			t.Errorf("%s: the count reads %q, which has no labels:\n%s\n%s", c.name, index, count.query, p)
		}
		if msg := labelsBeforeRow(t, db, count.query, count.args); msg != "" {
			t.Errorf("%s: count: %s\n%s", c.name, msg, count.query)
		}
	}
}

// usedIndex returns the name of the first index a plan reads, or "".
func usedIndex(plan string) string {
	_, after, ok := strings.Cut(plan, " INDEX ")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(after, " ")
	return name
}

// indexHolds reports whether index has the column col.
func indexHolds(t *testing.T, db *DB, index, col string) bool {
	t.Helper()
	var n int
	if err := db.r.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM pragma_index_info(?) WHERE name = ?`, index, col).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// labelsBeforeRow checks query's bytecode: the loop over the enrollments
// index seeks the table row lazily (DeferredSeek), and every instr()
// comes before the first column read from the table. It returns what is
// wrong, or "".
func labelsBeforeRow(t *testing.T, db *DB, query string, args []any) string {
	t.Helper()
	rows, err := db.r.QueryContext(context.Background(), "EXPLAIN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	table, instrs, tableRead := -1, 0, false
	var code strings.Builder
	for rows.Next() {
		var addr, p1, p2, p3 int
		var op string
		var p4, p5, comment any
		if err := rows.Scan(&addr, &op, &p1, &p2, &p3, &p4, &p5, &comment); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&code, "%d %s %d %d %d %v\n", addr, op, p1, p2, p3, p4)
		switch {
		case op == "DeferredSeek" && table < 0:
			table = p3
		case table >= 0 && (op == "Column" || op == "Rowid") && p1 == table:
			tableRead = true
		case op == "Function" && strings.Contains(fmt.Sprint(p4), "instr"):
			if table < 0 || tableRead {
				return "instr() runs on a row read from the table:\n" + code.String()
			}
			instrs++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if instrs == 0 {
		return "no instr():\n" + code.String()
	}
	return ""
}

// statement is an SQL statement and its arguments.
type statement struct {
	query string
	args  []any
}

// listStatements returns the statements of list f in workspace ws: its
// first page, a page after a cursor (at since), and its count.
func listStatements(t *testing.T, db *DB, ws string, f enroll.EnrollmentFilter, since time.Time) (pages []statement, count statement) {
	t.Helper()
	q, err := db.enrollmentQuery(context.Background(), ws, &f)
	if err != nil {
		t.Fatal(err)
	}
	cursor := &enroll.Cursor{Sort: f.Sort, ID: "x", Time: since, Text: "x"}
	for _, cur := range []*enroll.Cursor{nil, cursor} {
		query, args, err := pageQuery("enrollments", q.w, f.ListParams, cur, true)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, statement{query, args})
	}
	return pages, statement{"SELECT COUNT(*) FROM enrollments WHERE " + q.cw.sql(), q.cw.args}
}
