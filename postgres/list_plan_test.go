package postgres_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
)

// TestEnrollmentFilterPlan checks that the filters the scale audit found
// reading a whole instance (docs/benchmarks.md, session 14) find their
// rows from an index of the filter instead: a few statuses not in the
// status index's order (approved by updatedAt, paused and unenrolled,
// approved across the workspace), tag, manufacturer and group, and q,
// its later words of names included. The 30,000 enrollments of the
// instance listed are mostly eligible, with 60 approved, paused or
// unenrolled updated last, and one in 20 named van der Berg: a word many
// of them begin (der) is counted through the later words' GIN index.
func TestEnrollmentFilterPlan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, inst, other, conn := planStore(t)
	fill := `INSERT INTO enrollments (workspace_id, id, instance_id, status, first_name, last_name, email_norm, reference_id, doc, version, created_at, updated_at)
		SELECT $1, $2 || g, $3, s, 'ann', CASE WHEN g % 20 = 0 THEN 'van der berg' || g ELSE 'lee' END, 'ann.' || g || '@example.com', 'REF-' || g,
			jsonb_build_object('tags', CASE WHEN g % 2 = 0 THEN '["solar"]'::jsonb ELSE '[]' END, 'manufacturerSlugs', '["lg"]'::jsonb, 'groupIds', '[]'::jsonb),
			1, t, CASE WHEN s = 'eligible' THEN t ELSE t + interval '1 day' END
		FROM generate_series(1, $4::int) g,
			LATERAL (SELECT CASE g % 500 WHEN 0 THEN 'approved' WHEN 1 THEN 'paused' WHEN 2 THEN 'unenrolled' ELSE 'eligible' END AS s,
				now() + g * interval '1 millisecond' AS t) x`
	if _, err := conn.Exec(ctx, fill, a.WorkspaceID, "a-", inst.ID, 30000); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, fill, a.WorkspaceID, "b-", other.ID, 3000); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE enrollments`); err != nil {
		t.Fatal(err)
	}
	st := func(s ...enroll.Status) []enroll.Status { return s }
	for _, c := range []struct {
		name  string
		f     enroll.EnrollmentFilter
		few   bool
		index string
		// custom says only a plan with the parameters known reads the
		// index: a LIKE prefix is a range of an index only when the
		// pattern is known, so the store has these planned at every run.
		custom bool
	}{
		{"approved by updatedAt", enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Statuses: st(enroll.StatusApproved),
			ListParams: enroll.ListParams{Sort: enroll.SortUpdatedAsc}}, true, "status_created", false},
		{"approved by lastName", enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Statuses: st(enroll.StatusApproved),
			ListParams: enroll.ListParams{Sort: enroll.SortLastName}}, true, "status_created", false},
		{"paused, unenrolled", enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Statuses: st(enroll.StatusPaused, enroll.StatusUnenrolled)},
			true, "status_created", false},
		{"key's instance, paused, unenrolled", enroll.EnrollmentFilter{ProgramInstanceIDs: []string{inst.ID},
			Statuses: st(enroll.StatusPaused, enroll.StatusUnenrolled)}, true, "status_created", false},
		{"workspace, approved", enroll.EnrollmentFilter{Statuses: st(enroll.StatusApproved)}, false, "enrollments_status_created", false},
		{"workspace, approved by updatedAt", enroll.EnrollmentFilter{Statuses: st(enroll.StatusApproved),
			ListParams: enroll.ListParams{Sort: enroll.SortUpdatedDesc}}, true, "enrollments_status_created", false},
		{"tag", enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Tag: "vip"}, false, "enrollments_tags", false},
		{"manufacturer", enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, ManufacturerSlug: "tesla"}, false, "enrollments_manufacturers", false},
		{"group", enroll.EnrollmentFilter{GroupID: "g1"}, false, "enrollments_groups", false},
		{"q", enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Q: "zimm"}, false, "_prefix", true},
		{"workspace, q", enroll.EnrollmentFilter{Q: "REF-9x"}, false, "enrollments_reference_prefix", true},
		// A later word of a name (van der Berg's der and berg) that few
		// names hold is read through the GIN index before the query, which
		// names those enrollments by id: the primary key's.
		{"q, a later word", enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Q: "berg12"}, false, "enrollments_pkey", true},
		{"workspace, q, words", enroll.EnrollmentFilter{Q: "ann berg12"}, false, "enrollments_pkey", true},
	} {
		query, args, err := postgres.EnrollmentListQuery(ctx, conn, a.WorkspaceID, c.f, c.few)
		if err != nil {
			t.Fatal(err)
		}
		// The planner's choice depends on its statistics; the shape that
		// lets it find a few statuses from their index does not: the
		// instance as an equality, and the rows sorted after an OFFSET 0
		// fence, not walked in the order of a sort index.
		if c.few && (!strings.Contains(query, "OFFSET 0)") || strings.Contains(query, "instance_id >=")) {
			t.Errorf("%s: the statuses are not read whole and sorted:\n%s", c.name, query)
		}
		if c.custom != postgres.EnrollmentListReplans(a.WorkspaceID, c.f) {
			t.Errorf("%s: planned at every run = %v, want %v", c.name, !c.custom, c.custom)
		}
		for mode, plan := range explain(t, conn, query, args) {
			if c.custom && mode != "force_custom_plan" {
				continue
			}
			if !strings.Contains(plan, c.index) || strings.Contains(plan, "Seq Scan") ||
				regexp.MustCompile(`Scan( Backward)? using enrollments_(instance_)?(created|updated|last_name)`).MatchString(plan) {
				t.Errorf("%s (%s): the rows are not found from %s:\n%s\n%s", c.name, mode, c.index, query, plan)
			}
		}
	}
	// der begins 1,650 later words, more than the store names by id: the
	// query holds the GIN index's condition, and the count reads it.
	query, args, err := postgres.EnrollmentCountQuery(ctx, conn, a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Q: "der"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(query, "enrollment_name_words(") {
		t.Errorf("q=der: no condition of the later words' index:\n%s", query)
	}
	for mode, plan := range explain(t, conn, query, args) {
		if mode == "force_custom_plan" && (!strings.Contains(plan, "enrollments_name_words") || strings.Contains(plan, "Seq Scan")) {
			t.Errorf("q=der (%s): the count does not read the later words' index:\n%s\n%s", mode, query, plan)
		}
	}
	// berg1 begins 556 later words: more than the first read of a word
	// of several, fewer than laterFew, so still named by id.
	query, _, err = postgres.EnrollmentCountQuery(ctx, conn, a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Q: "ann berg1"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(query, "enrollment_name_words(") || !strings.Contains(query, "id = ANY(") {
		t.Errorf("q=ann berg1: berg1's later words not named by id:\n%s", query)
	}
	// der and berg each begin 1,500 later words: only one is read from
	// the index, which the planner takes for 2% of its rows whatever the
	// word; the other is tested on the rows found (laterCommon), so the
	// planner cannot lead with the commoner for its low estimate.
	query, args, err = postgres.EnrollmentCountQuery(ctx, conn, a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Q: "van der berg"})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(query, "enrollment_name_words("); n != 1 || !strings.Contains(query, "substr(ltrim(") {
		t.Errorf("q=van der berg: %d conditions of the later words' index, want 1 and a test of the other word:\n%s", n, query)
	}
	for mode, plan := range explain(t, conn, query, args) {
		if mode == "force_custom_plan" && (strings.Count(plan, "on enrollments_name_words") > 1 || strings.Contains(plan, "Seq Scan")) {
			t.Errorf("q=van der berg (%s): the count reads the later words' index more than once:\n%s\n%s", mode, query, plan)
		}
	}
}

// TestOffsetPlan checks that a deep offset (page=N) of events and of
// enrollments is skipped on an index alone, without reading the skipped
// rows or sorting them: the events' page=5000 was a sort of every event
// of the workspace, spilled to disk (4.8 s at 1.18M events), as their
// ORDER BY named id after seq, which no index holds. And that customers
// by updatedAt are read in order from an index. Events and enrollments
// have documents of 1 kB, as the service's have.
func TestOffsetPlan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, inst, _, conn := planStore(t)
	for _, q := range []string{
		`INSERT INTO events (id, workspace_id, type, object_id, instance_id, doc, created_at)
			SELECT 'ev' || g, $1, 'enrollment.updated', 'o' || g, $2,
				jsonb_build_object('pad', (SELECT string_agg(md5(g::text || i), '') FROM generate_series(1, 30) i)), now() FROM generate_series(1, 30000) g`,
		`INSERT INTO enrollments (workspace_id, id, instance_id, status, doc, version, created_at, updated_at)
			SELECT $1, 'e' || g, $2, 'eligible',
				jsonb_build_object('pad', (SELECT string_agg(md5(g::text || i), '') FROM generate_series(1, 30) i)), 1, now() + g * interval '1 ms', now() FROM generate_series(1, 30000) g`,
		`INSERT INTO customers (workspace_id, id, email_norm, doc, created_at, updated_at)
			SELECT $1, 'c' || g, 'c' || g || '@example.com', '{}', now(), now() + g * interval '1 ms' FROM generate_series(1, 30000) g`,
	} {
		args := []any{a.WorkspaceID, inst.ID}
		if !strings.Contains(q, "$2") {
			args = args[:1]
		}
		if _, err := conn.Exec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE events, enrollments, customers`); err != nil {
		t.Fatal(err)
	}
	deep := enroll.ListParams{Page: 500, PerPage: 50}
	queries := map[string]func() (string, []any, error){
		"events": func() (string, []any, error) {
			return postgres.EventListQuery(a.WorkspaceID, enroll.EventFilter{ListParams: deep})
		},
		"enrollments": func() (string, []any, error) {
			return postgres.EnrollmentListQuery(ctx, conn, a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, ListParams: deep}, false)
		},
		"workspace's enrollments": func() (string, []any, error) {
			return postgres.EnrollmentListQuery(ctx, conn, a.WorkspaceID, enroll.EnrollmentFilter{ListParams: deep}, false)
		},
	}
	for name, q := range queries {
		query, args, err := q()
		if err != nil {
			t.Fatal(err)
		}
		for mode, plan := range explain(t, conn, query, args) {
			// The page's 51 rows are sorted again once found: a Sort
			// above the Nested Loop is fine, one below it is not.
			inner := plan[strings.Index(plan, "Limit"):]
			if !strings.Contains(inner, "Index Only Scan") || strings.Contains(inner, "Sort") || strings.Contains(plan, "Seq Scan") {
				t.Errorf("%s (%s): the offset is not skipped on an index alone:\n%s\n%s", name, mode, query, plan)
			}
		}
	}
	for _, sort := range []string{enroll.SortUpdatedAsc, enroll.SortUpdatedDesc} {
		query, args, err := postgres.CustomerListQuery(a.WorkspaceID, enroll.CustomerFilter{ListParams: enroll.ListParams{Sort: sort}})
		if err != nil {
			t.Fatal(err)
		}
		for mode, plan := range explain(t, conn, query, args) {
			if !strings.Contains(plan, "customers_updated") || strings.Contains(plan, "Sort") {
				t.Errorf("customers by %s (%s): not read in order from customers_updated:\n%s\n%s", sort, mode, query, plan)
			}
		}
	}
}

// TestCustomerCounts checks the customer counters (migration 17) through
// the store: creates add, a create that finds the email taken adds
// nothing, a delete takes away, and the total of an unfiltered list is
// theirs; openDB's integrity check compares them with the customers.
func TestCustomerCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t, newDatabase(t))
	a, _ := importInstance(t, db)
	var ids []string
	for _, email := range []string{"a@example.com", "b@example.com", "c@example.com", "A@example.com"} {
		c := &enroll.Customer{FirstName: "A", LastName: "B", Email: email}
		err := db.CreateCustomer(ctx, a, c)
		if email == "A@example.com" {
			if enroll.ErrorCode(err) != enroll.ECONFLICT {
				t.Fatalf("a taken email: %v, want a conflict", err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	if err := db.DeleteCustomer(ctx, a, ids[0], nil); err != nil {
		t.Fatal(err)
	}
	p, err := db.ListCustomers(ctx, a.WorkspaceID, enroll.CustomerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if p.TotalItems != 2 || len(p.Data) != 2 {
		t.Fatalf("totalItems %d, %d customers, want 2 and 2", p.TotalItems, len(p.Data))
	}
}
