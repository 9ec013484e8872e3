package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

// countKey names one counter of enrollment_counts. (The label counters,
// enrollment_label_counts, are kept by triggers: labelcount.go.)
type countKey struct {
	ws, instance string
	status       enroll.Status
}

// count records that e's instance has delta more enrollments in status s.
// Changes are kept until flushCounts writes them, once per transaction.
func (tx *tx) count(e *enroll.Enrollment, s enroll.Status, delta int) {
	if tx.deltas == nil {
		tx.deltas = map[countKey]int{}
	}
	tx.deltas[countKey{e.WorkspaceID, e.ProgramInstanceID, s}] += delta
}

// flushCounts adds the recorded changes to the counters, creating missing
// rows, in one statement and in key order. So every transaction locks the
// counter rows it changes at once and in the same order, and two that move
// enrollments in opposite directions cannot deadlock; and a create that
// passes through several statuses touches only the one it ends in.
func (tx *tx) flushCounts() error {
	keys := make([]countKey, 0, len(tx.deltas))
	for k, d := range tx.deltas {
		if d != 0 {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	slices.SortFunc(keys, func(a, b countKey) int {
		return cmp.Or(cmp.Compare(a.ws, b.ws), cmp.Compare(a.instance, b.instance), cmp.Compare(a.status, b.status))
	})
	values := make([]string, len(keys))
	args := make([]any, 0, 4*len(keys))
	for i, k := range keys {
		n := len(args)
		values[i] = fmt.Sprintf("($%d, $%d, $%d, $%d::bigint)", n+1, n+2, n+3, n+4)
		args = append(args, k.ws, k.instance, string(k.status), tx.deltas[k])
	}
	_, err := tx.exec(`INSERT INTO enrollment_counts (workspace_id, instance_id, status, n) VALUES `+strings.Join(values, ", ")+`
		ON CONFLICT (workspace_id, instance_id, status) DO UPDATE SET n = enrollment_counts.n + excluded.n`, args...)
	clear(tx.deltas)
	return err
}

// checkCapacity returns ECONFLICT when an approval, already counted in this
// transaction, takes the instance past its capacity; the rollback then
// undoes the count. It is race-free across replicas: every change that can
// raise approved+paused (an approval; pausing only moves one between the
// two) updates the approved counter, whose row lock the flush below takes,
// so concurrent approvals pass here one at a time and each sees the others'
// committed counts.
func (tx *tx) checkCapacity(inst *enroll.ProgramInstance) error {
	if inst.Capacity == nil {
		return nil
	}
	if err := tx.flushCounts(); err != nil {
		return err
	}
	var n int
	err := tx.QueryRow(tx.ctx, `SELECT COALESCE(SUM(n), 0)::bigint FROM enrollment_counts WHERE workspace_id = $1 AND instance_id = $2 AND status IN ('approved', 'paused')`,
		inst.WorkspaceID, inst.ID).Scan(&n)
	if err != nil {
		return fmt.Errorf("postgres: capacity: %w", err)
	}
	if n > *inst.Capacity {
		n-- // the approval being refused
		return &enroll.Error{Code: enroll.ECONFLICT,
			Message: fmt.Sprintf("Program instance %s is at capacity: %d of its %d places are held by approved or paused enrollments.", inst.ID, n, *inst.Capacity),
			Extra:   map[string]any{"capacity": *inst.Capacity, "approved": n}}
	}
	return nil
}

// CountEnrollments implements enroll.Store.
func (db *DB) CountEnrollments(ctx context.Context, wsID, instanceID string) (map[enroll.Status]int, error) {
	out := map[enroll.Status]int{}
	err := db.read(ctx, func(q pgx.Tx) error {
		if _, err := findInstance(ctx, q, wsID, instanceID, ""); err != nil {
			return err
		}
		rows, err := q.Query(ctx, `SELECT status, n FROM enrollment_counts WHERE workspace_id = $1 AND instance_id = $2`, wsID, instanceID)
		if err != nil {
			return fmt.Errorf("postgres: counts: %w", err)
		}
		defer rows.Close()
		for _, s := range enroll.Statuses {
			out[s] = 0
		}
		for rows.Next() {
			var (
				s string
				n int
			)
			if err := rows.Scan(&s, &n); err != nil {
				return fmt.Errorf("postgres: counts: %w", err)
			}
			out[enroll.Status(s)] = n
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("postgres: counts: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// onlyCounters reports whether f filters by instances and statuses only,
// which the counters tell apart.
func onlyCounters(f enroll.EnrollmentFilter) bool {
	return f.CustomerID == "" && f.LeadID == "" && f.ReferenceID == "" && f.Email == "" && f.Tag == "" &&
		f.ManufacturerSlug == "" && f.GroupID == "" && f.CreatedAfter == nil && f.CreatedBefore == nil &&
		f.UpdatedAfter == nil && f.Q == ""
}

// countEnrollments returns the total for an enrollment filter: from the
// counters when the filter is only instances and statuses, or those and
// one label (labelcount.go), else by counting.
func countEnrollments(ctx context.Context, q querier, wsID string, f enroll.EnrollmentFilter, w where) (int, error) {
	if l, ok := f.CountedLabel(); ok {
		return countLabelled(ctx, q, wsID, f, l)
	}
	onlyCounters := f.CustomerID == "" && f.LeadID == "" && f.ReferenceID == "" && f.Email == "" && f.Tag == "" &&
		f.ManufacturerSlug == "" && f.GroupID == "" && f.CreatedAfter == nil && f.CreatedBefore == nil &&
		f.UpdatedAfter == nil && f.Q == ""
	if !onlyCounters {
		return countRows(ctx, q, "enrollments", w)
	}
	var cw where
	cw.add("workspace_id = ?", wsID)
	if f.ProgramInstanceID != "" {
		cw.add("instance_id = ?", f.ProgramInstanceID)
	}
	in(&cw, "instance_id", f.ProgramInstanceIDs)
	in(&cw, "status", f.Statuses)
	var n int
	if err := q.QueryRow(ctx, "SELECT COALESCE(SUM(n), 0)::bigint FROM enrollment_counts WHERE "+cw.sql(), cw.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count enrollments: %w", err)
	}
	return n, nil
}
