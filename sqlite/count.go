package sqlite

import (
	"context"
	"fmt"

	"github.com/enrollhq/enroll"
)

// count adds delta to the count of e's instance in status s.
func (tx *Tx) count(e *enroll.Enrollment, s enroll.Status, delta int) error {
	_, err := tx.exec(`INSERT INTO enrollment_counts (workspace_id, instance_id, status, n) VALUES (?, ?, ?, ?)
		ON CONFLICT (instance_id, status) DO UPDATE SET n = n + excluded.n`,
		e.WorkspaceID, e.ProgramInstanceID, string(s), delta)
	return err
}

// checkCapacity returns ECONFLICT when an approval, already counted in
// this transaction, takes the instance past its capacity; the rollback
// then undoes the count. Paused enrollments keep their place.
func (tx *Tx) checkCapacity(inst *enroll.ProgramInstance) error {
	if inst.Capacity == nil {
		return nil
	}
	var n int
	err := tx.QueryRowContext(tx.ctx, `SELECT COALESCE(SUM(n), 0) FROM enrollment_counts WHERE workspace_id = ? AND instance_id = ? AND status IN ('approved', 'paused')`,
		inst.WorkspaceID, inst.ID).Scan(&n)
	if err != nil {
		return fmt.Errorf("sqlite: capacity: %w", err)
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
	if _, err := findInstance(ctx, db.r, wsID, instanceID); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT status, n FROM enrollment_counts WHERE workspace_id = ? AND instance_id = ?`, wsID, instanceID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: counts: %w", err)
	}
	defer rows.Close()
	out := map[enroll.Status]int{}
	for _, s := range enroll.Statuses {
		out[s] = 0
	}
	for rows.Next() {
		var (
			s string
			n int
		)
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("sqlite: counts: %w", err)
		}
		out[enroll.Status(s)] = n
	}
	return out, rows.Err()
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
	return countCounters(ctx, q, wsID, f)
}

// countCounters sums the counters of f's instances (all the workspace's
// when none) and statuses (all when none).
func countCounters(ctx context.Context, q querier, wsID string, f enroll.EnrollmentFilter) (int, error) {
	var cw where
	cw.add("workspace_id = ?", wsID)
	if f.ProgramInstanceID != "" {
		cw.add("instance_id = ?", f.ProgramInstanceID)
	}
	in(&cw, "instance_id", f.ProgramInstanceIDs)
	in(&cw, "status", f.Statuses)
	var n int
	if err := q.QueryRowContext(ctx, "SELECT COALESCE(SUM(n), 0) FROM enrollment_counts WHERE "+cw.sql(), cw.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count enrollments: %w", err)
	}
	return n, nil
}

// fewRows is the most enrollments a status filter may match for its list
// to be read through the status index and sorted, rather than by walking
// the sort's index past the other statuses' rows: sorting 10,000 rows
// takes tens of milliseconds, while the walk reads up to the whole
// instance (1.3 s for 1,000 approved of 1,000,000, docs/benchmarks.md).
// DB.fewRows holds it, so that tests can lower it.
const fewRows = 10_000

// fewMatches reports whether f matches few enrollments, so that its list
// is best read through its filter's index and sorted: true for an
// identity filter (customer, lead, reference, email), and for statuses
// whose counters (read on q) hold n ≤ fewRows of the scope's t, unless one
// instance's one status sorted by creation, which the status index gives
// in order. The sort reads the n rows; the walk about (perPage+1)·t/n if
// the statuses are spread evenly, more when they cluster at the end of
// the order (approvals are the recently updated): it is chosen when
// n² ≤ 4·(perPage+1)·t, so that 4,000 of 20,000 rows are walked (in about
// a third of the sort's time) and 1,000 of 1,000,000 sorted.
func (db *DB) fewMatches(ctx context.Context, q querier, wsID string, f *enroll.EnrollmentFilter, sortCol string) (bool, error) {
	if f.CustomerID != "" || f.LeadID != "" || f.ReferenceID != "" || f.Email != "" {
		return true, nil
	}
	oneInstance := f.ProgramInstanceID != "" || len(f.ProgramInstanceIDs) == 1
	if len(f.Statuses) == 0 || oneInstance && len(f.Statuses) == 1 && sortCol == "created_at" {
		return false, nil
	}
	all := *f
	all.Statuses = nil
	n, err := countCounters(ctx, q, wsID, *f)
	if err != nil || n > db.fewRows {
		return false, err
	}
	t, err := countCounters(ctx, q, wsID, all)
	return n*n <= 4*(f.PerPage+1)*t, err
}
