package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/rules"
)

// TestWorkspaceLastNamePlan checks that a list across instances by
// lastName, after a cursor (a CSV export's every page after its first,
// or a pageToken), is read in order from an index, from the cursor on,
// rather than every enrollment of the workspace after the cursor sorted
// for each page: an export of 156,000 enrollments by lastName took 92 s
// (docs/benchmarks.md). With no filter, many of one status, and a key's
// instances. 30,000 enrollments in two instances, analyzed.
func TestWorkspaceLastNamePlan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := newDatabase(t)
	// Not openDB: the rows made in SQL have no history to check.
	db, err := postgres.Open(ctx, postgres.Config{URL: url, Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a, inst := importInstance(t, db)
	other := &enroll.ProgramInstance{ProgramID: inst.ProgramID, Slug: "second", Name: "Second", Status: enroll.InstanceActive}
	must(0, db.CreateInstance(ctx, a, other))
	conn := connect(t, url)
	if _, err := conn.Exec(ctx, `INSERT INTO enrollments (workspace_id, id, instance_id, status, first_name, last_name, email_norm, doc, version, created_at, updated_at)
		SELECT $1, 'e' || g, CASE WHEN g % 4 = 0 THEN $3 ELSE $2 END, CASE WHEN g % 3 = 0 THEN 'ineligible' ELSE 'eligible' END,
			'ann', 'name' || (g * 7919 % 30000), 'e' || g || '@example.com', '{}', 1, now(), now()
		FROM generate_series(1, 30000) g`, a.WorkspaceID, inst.ID, other.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO enrollment_counts (workspace_id, instance_id, status, n)
		SELECT workspace_id, instance_id, status, count(*) FROM enrollments GROUP BY 1, 2, 3`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE enrollments`); err != nil {
		t.Fatal(err)
	}
	byName := enroll.ListParams{Sort: enroll.SortLastName, PerPage: 500}
	for _, c := range []struct {
		name string
		f    enroll.EnrollmentFilter
	}{
		{"workspace", enroll.EnrollmentFilter{ListParams: byName}},
		{"eligible", enroll.EnrollmentFilter{Statuses: []enroll.Status{enroll.StatusEligible}, ListParams: byName}},
		{"key's instances", enroll.EnrollmentFilter{ProgramInstanceIDs: []string{inst.ID, other.ID}, ListParams: byName}},
	} {
		// The cursor of the first page's last row.
		first := must(db.ListEnrollments(ctx, a.WorkspaceID, c.f))
		if first.NextPageToken == "" {
			t.Fatalf("%s: one page of %d", c.name, len(first.Data))
		}
		f := c.f
		f.PageToken = string(first.NextPageToken)
		query, args, err := postgres.EnrollmentListQuery(ctx, conn, a.WorkspaceID, f, false)
		if err != nil {
			t.Fatal(err)
		}
		for mode, plan := range explain(t, conn, query, args) {
			if !strings.Contains(plan, "Index Scan using enrollments_last_name on enrollments") || strings.Contains(plan, "Sort") ||
				!strings.Contains(plan, "ROW(last_name, id) > ROW(") {
				t.Errorf("%s (%s): the page after a cursor is not read in order from the cursor on:\n%s\n%s", c.name, mode, query, plan)
			}
		}
	}
}
