package postgres_test

import (
	"context"
	"crypto/md5"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll/postgres"
)

// TestLookupPlanWideRows checks, as TestImportLookupPlan does, that the
// look-ups of one participant's open enrollment in an instance probe
// their key's index alone, on a table never analyzed, but with
// enrollments as wide as real ones (a document of about 1.3 KB, where
// TestImportLookupPlan's are "{}"). Estimated from the pages of such a
// table, the participant's index seemed to return rows enough that the
// planner ANDed it with a scan of every enrollment of the workspace by an
// index leading with workspace_id: a re-run of an import of customerId or
// re-enrollment rows on PostgreSQL, each skipped through these
// look-ups, ran at 15-25 rows a second in a workspace of 117,000
// enrollments, against 180 when it created them.
func TestLookupPlanWideRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, inst, other, conn := planStore(t)
	doc := `jsonb_build_object('notes', repeat('x', 1300))`
	for _, q := range []string{
		`INSERT INTO customers (workspace_id, id, email_norm, reference_id, doc, created_at, updated_at)
			SELECT $1, 'c' || g, 'participant.number.' || g || '@example-utility.com', '', '{}', now(), now() FROM generate_series(1, 60000) g
				WHERE $2 <> $3`,
		`INSERT INTO enrollments (workspace_id, id, instance_id, customer_id, status, email_norm, reference_id, first_name, last_name, doc, version, created_at, updated_at)
			SELECT $1, 'e' || g, $2, 'c' || g, CASE WHEN g % 3 = 0 THEN 'approved' ELSE 'eligible' END,
				'participant.number.' || g || '@example-utility.com', 'REF-' || md5(g::text), 'ann', 'lee', ` + doc + `, 1, now(), now()
			FROM generate_series(1, 60000) g WHERE $3 <> ''`,
		`INSERT INTO enrollments (workspace_id, id, instance_id, customer_id, status, email_norm, reference_id, first_name, last_name, doc, version, created_at, updated_at)
			SELECT $1, 'o' || g, $3, 'c' || g, CASE WHEN $2 <> '' THEN 'approved' END,
				'participant.number.' || g || '@example-utility.com', 'REF-' || md5(g::text), 'ann', 'lee', ` + doc + `, 1, now(), now()
			FROM generate_series(1, 3000) g`,
		`INSERT INTO leads (workspace_id, id, email_norm, customer_id, doc, created_at, updated_at)
			SELECT $1, 'l' || g, '', CASE WHEN g % 2 = 0 THEN 'c' || g END, '{}', now(), now() FROM generate_series(1, 30000) g
				WHERE $2 <> $3`,
		`INSERT INTO enrollments (workspace_id, id, instance_id, lead_id, status, email_norm, reference_id, first_name, last_name, doc, version, created_at, updated_at)
			SELECT $1, 'le' || g, $2, 'l' || g, CASE WHEN g % 3 = 0 THEN 'rejected' ELSE 'eligible' END, '', '', 'ann', 'lee', ` + doc + `, 1, now(), now()
			FROM generate_series(1, 30000) g WHERE $3 <> ''`,
	} {
		if _, err := conn.Exec(ctx, q, a.WorkspaceID, inst.ID, other.ID); err != nil {
			t.Fatal(err)
		}
	}
	sum := fmt.Sprintf("%x", md5.Sum([]byte(strconv.Itoa(29501))))
	email := "participant.number.29501@example-utility.com"
	var emails []string
	for g := 29501; g <= 30500; g++ {
		emails = append(emails, fmt.Sprintf("participant.number.%d@example-utility.com", g))
	}
	type probe struct{ index, cond string }
	lookups := []struct {
		name, query string
		args        []any
		probes      []probe
	}{
		{"a row's open reference", postgres.OpenByReference, []any{a.WorkspaceID, "REF-" + sum, inst.ID},
			[]probe{{"enrollments_reference", `reference_id = (\$2|')`}}},
		{"a row's open email", postgres.OpenByEmail, []any{a.WorkspaceID, email, inst.ID},
			[]probe{{"enrollments_email", `email_norm = (\$2|')`}}},
		{"a row's open customer", postgres.OpenByCustomer, []any{a.WorkspaceID, "c29501", inst.ID},
			[]probe{{"enrollments_open_customer", `customer_id = (\$2|')`}}},
		{"a create's open enrollment of the customer's leads", postgres.OpenOfConvertedLeads, []any{a.WorkspaceID, "c29502", inst.ID}, []probe{
			{"leads_customer", `customer_id = (\$2|')`},
			{"enrollments_open_lead", `lead_id = \w+\.id`}}},
		{"a create's insert", postgres.InsertEnrollmentRow, []any{"c29502", nil, "eligible", email, "", "", "", "{}", 1, time.Now(), "new", a.WorkspaceID, inst.ID, time.Now()},
			[]probe{{"leads_customer", `customer_id = (\$1|')`}, {"enrollments_open_lead", `lead_id = \w+\.id`},
				{"enrollments_email", `email_norm = (\$4|')`}}},
		{"customers", postgres.LookupCustomers, []any{inst.ID, a.WorkspaceID, emails}, []probe{
			{"customers_email_key", `email_norm = k\.value`},
			{"enrollments_open_customer", `customer_id = \w+\.id`},
			{"leads_customer", `customer_id = \w+\.id`},
			{"enrollments_open_lead", `lead_id = \w+\.id`},
			{"enrollments_customer", `customer_id = \w+\.id`},
			{"enrollments_lead", `lead_id = \w+\.id`}}},
		{"a refused create's open enrollment of its customer", postgres.OpenOfCustomer, []any{a.WorkspaceID, inst.ID, "c29501", "new"},
			[]probe{{"enrollments_open_customer", `customer_id = (\$3|')`}}},
		{"a refused create's open enrollment of its lead", postgres.OpenOfLead, []any{a.WorkspaceID, inst.ID, "l29501", "new"},
			[]probe{{"enrollments_open_lead", `lead_id = (\$3|')`}}},
	}
	tables := []string{"enrollments", "customers", "leads"}
	for _, l := range lookups {
		for mode, plan := range explainJSON(t, conn, l.query, l.args) {
			var bad []string
			seen := map[int]bool{}
			for _, n := range plan.nodes {
				// A bitmap index scan names its index, not its table.
				onTable := slices.ContainsFunc(tables, func(t string) bool { return strings.HasPrefix(n.Index, t+"_") })
				if n.Type == "ModifyTable" || !slices.Contains(tables, n.Relation) && !(n.Type == "Bitmap Index Scan" && onTable) {
					continue
				}
				i := slices.IndexFunc(l.probes, func(p probe) bool {
					return p.index == n.Index && regexp.MustCompile(p.cond).MatchString(n.Cond)
				})
				switch {
				case n.Type == "Bitmap Heap Scan":
					// Reads what its bitmap index scans, checked below, found.
				case n.Type != "Index Scan" && n.Type != "Index Only Scan" && n.Type != "Bitmap Index Scan":
					bad = append(bad, n.Type+" on "+n.Relation)
				case i < 0:
					bad = append(bad, n.Index+" read by "+n.Cond)
				default:
					seen[i] = true
				}
			}
			for i, p := range l.probes {
				if !seen[i] {
					bad = append(bad, "no probe of "+p.index+" by "+p.cond)
				}
			}
			if len(bad) > 0 {
				t.Errorf("%s (%s): %s\n%s\n%s", l.name, mode, strings.Join(bad, "; "), l.query, plan.text)
			}
		}
	}
}
