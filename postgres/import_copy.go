package postgres

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/namekey"
	"github.com/jackc/pgx/v5"
)

// copyMin is the fewest created rows a planned run writes with COPY
// (copyImportPlan). A COPY costs more per statement than an INSERT (two
// round trips, a goroutine and a pipe in pgx, and the events' counters in
// a statement of their own) and less per row: runs of 8 rows took a tenth
// more CPU with COPY, runs of 16 3% less, runs of 1,000 18% less
// (docs/benchmarks.md, session 16).
const copyMin = 16

// copyImportPlan writes what a run of rows creates as insertImportPlan
// does, but with one COPY (binary) per table instead of one INSERT. COPY
// fires the same triggers (customers' statement trigger sees the whole
// run in its transition table) and fills seq from the identity columns in
// row order; it returns nothing, so the events' counters are added by a
// statement of their own and the events' Seq is not set (nothing reads it
// after an import). A violation comes back as the *pgconn.PgError an
// INSERT gets, with the constraint's name.
func (tx *tx) copyImportPlan(inst *enroll.ProgramInstance, plan *enroll.ImportPlan) error {
	var customers [][]any
	for _, c := range plan.Created {
		if c := c.Customer; c != nil {
			doc, err := encode(c)
			if err != nil {
				return err
			}
			customers = append(customers, []any{c.ID, inst.WorkspaceID, enroll.NormalizeEmail(c.Email), c.ReferenceID, doc, c.CreatedAt, c.UpdatedAt})
		}
	}
	if err := tx.copyRows("customers", []string{"id", "workspace_id", "email_norm", "reference_id", "doc", "created_at", "updated_at"}, customers); err != nil {
		return err
	}
	var (
		enrollments = make([][]any, len(plan.Created))
		unique      [][]any
		history     [][]any
		events      []*enroll.Event
	)
	for i, c := range plan.Created {
		e := c.Enrollment
		enrollments[i] = []any{e.ID, inst.WorkspaceID, inst.ID, nullable(e.CustomerID), nullable(e.LeadID), string(e.Eligibility.Status),
			enroll.NormalizeEmail(e.Email), e.ReferenceID, namekey.Of(e.FirstName), namekey.Of(e.LastName), c.Doc, int32(e.Version), e.CreatedAt, e.UpdatedAt}
		for _, u := range c.UniqueValues {
			unique = append(unique, []any{inst.WorkspaceID, inst.ID, u.ExternalID, u.Value, e.ID})
		}
		for _, h := range c.History {
			doc, err := encode(h)
			if err != nil {
				return err
			}
			history = append(history, []any{h.ID, inst.WorkspaceID, h.EnrollmentID, doc, h.CreatedAt})
		}
		events = append(events, c.Events...)
	}
	if err := tx.copyRows("enrollments", []string{"id", "workspace_id", "instance_id", "customer_id", "lead_id", "status",
		"email_norm", "reference_id", "first_name", "last_name", "doc", "version", "created_at", "updated_at"}, enrollments); err != nil {
		return err
	}
	if err := tx.copyRows("enrollment_unique_values", []string{"workspace_id", "instance_id", "external_id", "value", "enrollment_id"}, unique); err != nil {
		return err
	}
	scope := &enroll.Enrollment{WorkspaceID: inst.WorkspaceID, ProgramInstanceID: inst.ID}
	for s, n := range plan.Counts {
		tx.count(scope, s, n)
	}
	if err := tx.copyRows("status_changes", []string{"id", "workspace_id", "enrollment_id", "doc", "created_at"}, history); err != nil {
		return err
	}
	return tx.copyEvents(events)
}

// copyRows writes rows into columns of table, in order, with one COPY;
// nothing when there are none.
func (tx *tx) copyRows(table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if _, err := tx.CopyFrom(tx.ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("postgres: copy into %s: %w", table, err)
	}
	return nil
}

// eventCount is a key of event_counts.
type eventCount struct{ ws, instance, typ string }

// copyEvents writes events, in order, with one COPY, and adds them to
// their counters (countEvent) in one statement, keys in order.
func (tx *tx) copyEvents(events []*enroll.Event) error {
	if len(events) == 0 {
		return nil
	}
	rows := make([][]any, len(events))
	counts := map[eventCount]int64{}
	for i, e := range events {
		doc, err := e.MarshalDoc()
		if err != nil {
			return err
		}
		rows[i] = []any{e.ID, e.WorkspaceID, string(e.Type), e.ObjectID, nullable(e.InstanceID), doc, e.CreatedAt}
		counts[eventCount{e.WorkspaceID, e.InstanceID, string(e.Type)}]++
	}
	if err := tx.copyRows("events", []string{"id", "workspace_id", "type", "object_id", "instance_id", "doc", "created_at"}, rows); err != nil {
		return err
	}
	keys := slices.SortedFunc(maps.Keys(counts), func(a, b eventCount) int {
		return cmp.Or(cmp.Compare(a.ws, b.ws), cmp.Compare(a.instance, b.instance), cmp.Compare(a.typ, b.typ))
	})
	ws, insts, types, ns := make([]string, len(keys)), make([]string, len(keys)), make([]string, len(keys)), make([]int64, len(keys))
	for i, k := range keys {
		ws[i], insts[i], types[i], ns[i] = k.ws, k.instance, k.typ, counts[k]
	}
	_, err := tx.exec(countEvent+` SELECT ws, inst, t, pg_backend_pid() % 16, n FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS u(ws, inst, t, n)`+countEventConflict,
		ws, insts, types, ns)
	return err
}
