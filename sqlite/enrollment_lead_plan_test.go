package sqlite

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestConvertedLeadsPlan checks that the look-ups of a customer's open or
// prior enrollment through the leads it was made from start from the
// customer's leads (leads_customer, migration 22) and probe each lead's
// enrollments, rather than walking the instance's open enrollments of
// leads or its whole range, which SQLite, without statistics, would
// otherwise pick: a create of a customer would read every lead enrolled
// in the instance. So do a create's and an import row's look-ups of an
// open enrollment by email (and the row's by referenceId), which probe
// the workspace's enrollments of that key, and the look-ups of a
// participant's enrollments in other programs (enrolledInOtherProgram()).
func TestConvertedLeadsPlan(t *testing.T) {
	t.Parallel()
	s := newImportBench(t, "OFF")
	ctx := context.Background()
	ws, inst := s.a.WorkspaceID, s.inst.ID
	for _, c := range []struct {
		name  string
		query string
		args  []any
		want  []string
	}{
		{"open", openUnindexed, []any{ws, "a@example.com", inst, "c"}, []string{
			"SEARCH l USING INDEX leads_customer (workspace_id=? AND customer_id=?)",
			"SEARCH e USING INDEX enrollments_open_lead (instance_id=? AND lead_id=?)",
			"SEARCH enrollments USING INDEX enrollments_email (workspace_id=? AND email_norm=?)"}},
		{"prior", priorOf, []any{ws, inst, "c", "l", "a@example.com"}, []string{
			"SEARCH enrollments USING INDEX enrollments_customer (workspace_id=? AND customer_id=?)",
			"SEARCH enrollments USING INDEX enrollments_lead (workspace_id=? AND lead_id=?)",
			"SEARCH l USING INDEX leads_customer (workspace_id=? AND customer_id=?)",
			"SEARCH e USING INDEX enrollments_lead (workspace_id=? AND lead_id=?)",
			"SEARCH enrollments USING INDEX enrollments_email (workspace_id=? AND email_norm=?)"}},
		{"open by email", openByEmail, []any{ws, "a@example.com", inst}, []string{
			"SEARCH enrollments USING INDEX enrollments_email (workspace_id=? AND email_norm=?)"}},
		{"open by reference", openByReference, []any{ws, "R-1", inst}, []string{
			"SEARCH enrollments USING INDEX enrollments_reference (workspace_id=? AND reference_id=?)"}},
		{"import's customers", lookupCustomers, []any{inst, inst, ws, inst, ws, inst, ws, `["a@example.com"]`}, []string{
			"SEARCH e USING INDEX enrollments_open_customer (instance_id=? AND customer_id=?)",
			"SEARCH l USING INDEX leads_customer (workspace_id=? AND customer_id=?)",
			"SEARCH e USING INDEX enrollments_open_lead (instance_id=? AND lead_id=?)",
			"SEARCH e USING INDEX enrollments_lead (workspace_id=? AND lead_id=?)"}},
		{"enrolled elsewhere", enrolledElsewhereQuery, []any{ws, "c", "l", inst}, []string{
			"SEARCH enrollments USING INDEX enrollments_customer (workspace_id=? AND customer_id=?)",
			"SEARCH l USING INDEX leads_customer (workspace_id=? AND customer_id=?)",
			"SEARCH e USING INDEX enrollments_lead (workspace_id=? AND lead_id=?)",
			"SEARCH enrollments USING INDEX enrollments_lead (workspace_id=? AND lead_id=?)"}},
	} {
		rows, err := s.db.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+c.query, c.args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		for _, w := range c.want {
			if !slices.Contains(plan, w) {
				t.Errorf("%s: no %q in the plan:\n%s", c.name, w, strings.Join(plan, "\n"))
			}
		}
		for _, p := range plan {
			if strings.HasPrefix(p, "SCAN") && !strings.Contains(p, "json_each") && !strings.Contains(p, "subquery") && p != "SCAN CONSTANT ROW" {
				t.Errorf("%s: %q in the plan:\n%s", c.name, p, strings.Join(plan, "\n"))
			}
		}
	}
}
