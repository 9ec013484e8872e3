package postgres_test

import (
	"context"
	"crypto/md5"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/enrollhq/enroll/postgres"
)

// TestImportLookupPlan checks that each look-up of an import (and a
// create's look-ups of the participant's prior enrollment, of its
// customer's leads' open one, alone and in its insert, and of an open one
// holding its email, in its insert) probes its key's
// index once per key, on a database never analyzed (as after a bulk
// import into new tables, before autovacuum) and once analyzed.
// Without statistics, the look-ups of a planned run once walked the
// instance's enrollments by its last-name index (0.2 s a batch at 16,000
// rows) and joined every unique value of the instance with the batch's
// keys (1.3 s): docs/benchmarks.md, session 16. The instance holds 30,000
// enrollments with keys as long as real ones (a longer key makes its
// index taller, which tipped ties toward an instance index), its
// workspace 3,000 more in another instance.
func TestImportLookupPlan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, inst, other, conn := planStore(t)
	for _, q := range []string{
		`INSERT INTO customers (workspace_id, id, email_norm, reference_id, doc, created_at, updated_at)
			SELECT $1, 'c' || g, 'participant.number.' || g || '@example-utility.com', '', '{}', now(), now() FROM generate_series(1, 30000) g
				WHERE $2 <> $3`,
		`INSERT INTO enrollments (workspace_id, id, instance_id, customer_id, status, email_norm, reference_id, first_name, last_name, doc, version, created_at, updated_at)
			SELECT $1, 'e' || g, $2, 'c' || g, CASE WHEN g % 3 = 0 THEN 'approved' ELSE 'eligible' END,
				'participant.number.' || g || '@example-utility.com', 'REF-' || md5(g::text), 'ann', 'lee', '{}', 1, now(), now()
			FROM generate_series(1, 30000) g WHERE $3 <> ''`,
		`INSERT INTO enrollments (workspace_id, id, instance_id, customer_id, status, email_norm, reference_id, first_name, last_name, doc, version, created_at, updated_at)
			SELECT $1, 'o' || g, $3, 'c' || g, CASE WHEN $2 <> '' THEN 'approved' END,
				'participant.number.' || g || '@example-utility.com', 'REF-' || md5(g::text), 'ann', 'lee', '{}', 1, now(), now()
			FROM generate_series(1, 3000) g`,
		`INSERT INTO enrollment_unique_values (workspace_id, instance_id, external_id, value, enrollment_id)
			SELECT $1, $2, 'account', 'ACC-' || md5(g::text), 'e' || g FROM generate_series(1, 30000) g WHERE $3 <> ''`,
		// As many leads, every other one made a customer, each enrolled
		// in the instance before it was.
		`INSERT INTO leads (workspace_id, id, email_norm, customer_id, doc, created_at, updated_at)
			SELECT $1, 'l' || g, '', CASE WHEN g % 2 = 0 THEN 'c' || g END, '{}', now(), now() FROM generate_series(1, 30000) g
				WHERE $2 <> $3`,
		`INSERT INTO enrollments (workspace_id, id, instance_id, lead_id, status, email_norm, reference_id, first_name, last_name, doc, version, created_at, updated_at)
			SELECT $1, 'le' || g, $2, 'l' || g, CASE WHEN g % 3 = 0 THEN 'rejected' ELSE 'eligible' END, '', '', 'ann', 'lee', '{}', 1, now(), now()
			FROM generate_series(1, 30000) g WHERE $3 <> ''`,
	} {
		if _, err := conn.Exec(ctx, q, a.WorkspaceID, inst.ID, other.ID); err != nil {
			t.Fatal(err)
		}
	}
	// A batch's keys: the last 500 rows of the instance and 500 new.
	var refs, emails, ids, accounts []string
	for g := 29501; g <= 30500; g++ {
		sum := fmt.Sprintf("%x", md5.Sum([]byte(strconv.Itoa(g))))
		refs = append(refs, "REF-"+sum)
		emails = append(emails, fmt.Sprintf("participant.number.%d@example-utility.com", g))
		ids, accounts = append(ids, "account"), append(accounts, "ACC-"+sum)
	}
	// A chunk's ids of leads, customers and earlier enrollments, to lock
	// the emails of: a lead made a customer or not, an enrollment of a
	// customer or of a lead.
	var leadIDs, customerIDs, enrollmentIDs []string
	for g := 29951; g <= 30000; g++ {
		leadIDs, customerIDs = append(leadIDs, fmt.Sprintf("l%d", g)), append(customerIDs, fmt.Sprintf("c%d", g))
		enrollmentIDs = append(enrollmentIDs, fmt.Sprintf("e%d", g), fmt.Sprintf("le%d", g))
	}
	type probe struct{ index, cond string }
	// cond is the key's condition in the probe's Index Cond: the key of
	// the unnested row (k.), a parameter ($n) or, planned with the
	// arguments known, a literal; never = ANY(...).
	lookups := []struct {
		name, query string
		args        []any
		probes      []probe
	}{
		{"open references", postgres.LookupOpenReferences, []any{a.WorkspaceID, refs, inst.ID},
			[]probe{{"enrollments_reference", `reference_id = k\.value`}}},
		{"open emails", postgres.LookupOpenEmails, []any{a.WorkspaceID, emails, inst.ID},
			[]probe{{"enrollments_email", `email_norm = k\.value`}}},
		{"customers", postgres.LookupCustomers, []any{inst.ID, a.WorkspaceID, emails}, []probe{
			{"customers_email_key", `email_norm = k\.value`},
			{"enrollments_open_customer", `customer_id = \w+\.id`},
			{"leads_customer", `customer_id = \w+\.id`},
			{"enrollments_open_lead", `lead_id = \w+\.id`},
			{"enrollments_customer", `customer_id = \w+\.id`},
			{"enrollments_lead", `lead_id = \w+\.id`}}},
		{"unique holders", postgres.LookupUniqueHolders, []any{a.WorkspaceID, inst.ID, ids, accounts},
			[]probe{{"enrollment_unique_values_pkey", `value = k\.value`}}},
		{"a row's open reference", postgres.OpenByReference, []any{a.WorkspaceID, refs[0], inst.ID},
			[]probe{{"enrollments_reference", `reference_id = (\$2|')`}}},
		{"a row's open email", postgres.OpenByEmail, []any{a.WorkspaceID, emails[0], inst.ID},
			[]probe{{"enrollments_email", `email_norm = (\$2|')`}}},
		{"a row's open customer", postgres.OpenByCustomer, []any{a.WorkspaceID, "c29501", inst.ID},
			[]probe{{"enrollments_open_customer", `customer_id = (\$2|')`}}},
		{"a create's prior enrollment", postgres.PriorOf, []any{a.WorkspaceID, inst.ID, "c29502", "l29502", emails[1]}, []probe{
			{"enrollments_customer", `customer_id = (\$3|')`},
			{"enrollments_lead", `lead_id = (\$4|')`},
			{"leads_customer", `customer_id = (\$3|')`},
			{"enrollments_lead", `lead_id = \w+\.id`},
			{"enrollments_email", `email_norm = (\$5|')`}}},
		{"a create's open enrollment of the customer's leads", postgres.OpenOfConvertedLeads, []any{a.WorkspaceID, "c29502", inst.ID}, []probe{
			{"leads_customer", `customer_id = (\$2|')`},
			{"enrollments_open_lead", `lead_id = \w+\.id`}}},
		{"a create's insert", postgres.InsertEnrollmentRow, []any{"c29502", nil, "eligible", emails[1], "", "", "", "{}", 1, time.Now(), "new", a.WorkspaceID, inst.ID, time.Now()},
			[]probe{{"leads_customer", `customer_id = (\$1|')`}, {"enrollments_open_lead", `lead_id = \w+\.id`},
				{"enrollments_email", `email_norm = (\$4|')`}}},
		{"email locks", postgres.LockEmails, []any{postgres.EmailLock, inst.ID, a.WorkspaceID, emails, leadIDs, customerIDs, enrollmentIDs}, []probe{
			{"leads_pkey", `id = kl\.id`},
			{"customers_pkey", `id = kc\.id`},
			{"enrollments_pkey", `id = ke\.id`},
			{"leads_pkey", `id = \w+\.lead_id`},
			{"customers_pkey", `id = COALESCE\(\w+\.customer_id`}}},
		{"a create's lead's email lock", postgres.LockLeadEmail, []any{postgres.EmailLock, inst.ID, a.WorkspaceID, "l29502"},
			[]probe{{"leads_pkey", `id = (\$4|')`}}},
		{"a create's customer's email lock", postgres.LockCustomerEmail, []any{postgres.EmailLock, inst.ID, a.WorkspaceID, "c29502"},
			[]probe{{"customers_pkey", `id = (\$4|')`}}},
		{"a row's customer enrolled elsewhere", postgres.EnrolledElsewhere, []any{inst.ID, a.WorkspaceID, "c29502", ""}, []probe{
			{"enrollments_customer", `customer_id = (\$3|')`},
			{"leads_customer", `customer_id = (\$3|')`},
			{"enrollments_lead", `lead_id = \w+\.id`},
			{"enrollments_lead", `lead_id = (\$4|')`}}},
		{"a bare lead enrolled elsewhere", postgres.EnrolledElsewhere, []any{inst.ID, a.WorkspaceID, "", "l29501"}, []probe{
			{"enrollments_customer", `customer_id = (\$3|')`},
			{"leads_customer", `customer_id = (\$3|')`},
			{"enrollments_lead", `lead_id = \w+\.id`},
			{"enrollments_lead", `lead_id = (\$4|')`}}},
	}
	tables := []string{"enrollments", "customers", "enrollment_unique_values", "leads"}
	for _, analyzed := range []bool{false, true} {
		if analyzed {
			if _, err := conn.Exec(ctx, `ANALYZE`); err != nil {
				t.Fatal(err)
			}
		}
		for _, l := range lookups {
			for mode, plan := range explainJSON(t, conn, l.query, l.args) {
				var bad []string
				seen := map[int]bool{}
				for _, n := range plan.nodes {
					if !slices.Contains(tables, n.Relation) || n.Type == "ModifyTable" {
						continue
					}
					// An index may be probed by more than one key (a
					// union's arms).
					i := slices.IndexFunc(l.probes, func(p probe) bool {
						return p.index == n.Index && regexp.MustCompile(p.cond).MatchString(n.Cond)
					})
					switch {
					case n.Type != "Index Scan" && n.Type != "Index Only Scan":
						bad = append(bad, n.Type+" on "+n.Relation)
					case !slices.ContainsFunc(l.probes, func(p probe) bool { return p.index == n.Index }):
						bad = append(bad, n.Relation+" read by "+n.Index)
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
					t.Errorf("%s (analyzed %v, %s): %s\n%s\n%s", l.name, analyzed, mode, strings.Join(bad, "; "), l.query, plan.text)
				}
			}
		}
	}
}

// jsonPlan is a plan from EXPLAIN (FORMAT JSON): its nodes, subplans
// and init plans included, and its text.
type jsonPlan struct {
	nodes []planNode
	text  string
}

// planNode is what a plan test reads of a node.
type planNode struct {
	Type     string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Index    string     `json:"Index Name"`
	Cond     string     `json:"Index Cond"`
	Plans    []planNode `json:"Plans"`
}

// explainJSON is explain with EXPLAIN (FORMAT JSON), by plan_cache_mode.
func explainJSON(t *testing.T, conn *pgx.Conn, query string, args []any) map[string]jsonPlan {
	t.Helper()
	ctx := context.Background()
	plans := map[string]jsonPlan{}
	for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
		if _, err := conn.Exec(ctx, "SET plan_cache_mode = "+mode); err != nil {
			t.Fatal(err)
		}
		var text string
		if err := conn.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+query, args...).Scan(&text); err != nil {
			t.Fatal(err)
		}
		var out []struct{ Plan planNode }
		if err := json.Unmarshal([]byte(text), &out); err != nil || len(out) != 1 {
			t.Fatalf("EXPLAIN (FORMAT JSON): %v\n%s", err, text)
		}
		p := jsonPlan{text: text}
		var walk func(n planNode)
		walk = func(n planNode) {
			p.nodes = append(p.nodes, n)
			for _, c := range n.Plans {
				walk(c)
			}
		}
		walk(out[0].Plan)
		plans[mode] = p
	}
	return plans
}
