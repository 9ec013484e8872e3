package sqlite

import (
	"context"
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
	ctx := context.Background()
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
		f := c.f
		q, err := db.enrollmentQuery(ctx, s.a.WorkspaceID, &f)
		if err != nil {
			t.Fatal(err)
		}
		// The first page, and a page after a cursor.
		cursor := &enroll.Cursor{Sort: f.Sort, ID: "x", Time: since, Text: "x"}
		for _, cur := range []*enroll.Cursor{nil, cursor} {
			query, args, err := pageQuery("enrollments", q.w, f.ListParams, cur, true)
			if err != nil {
				t.Fatal(err)
			}
			p := explain(t, db, query, args)
			bad := !strings.Contains(p, c.page)
			for _, a := range c.absent {
				bad = bad || strings.Contains(p, a)
			}
			if bad {
				t.Errorf("%s (cursor %v): the page is not read by %s:\n%s\n%s", c.name, cur != nil, c.page, query, p)
			}
		}
		if c.count == "" {
			continue
		}
		query := "SELECT COUNT(*) FROM enrollments WHERE " + q.cw.sql()
		p := explain(t, db, query, q.cw.args)
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
