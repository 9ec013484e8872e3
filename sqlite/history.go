package sqlite

import (
	"context"
	"fmt"

	"github.com/enrollhq/enroll"
)

// insertStatusChanges appends entries of workspace wsID to the histories
// of their enrollments, in order. docs are their documents when encoded
// ahead (enroll.CreationDocs), or nil.
func (tx *Tx) insertStatusChanges(wsID string, hs []*enroll.StatusChange, docs []string) error {
	args := make([]any, 0, 5*len(hs))
	for i, h := range hs {
		var doc string
		if docs != nil {
			doc = docs[i]
		} else {
			var err error
			if doc, err = encode(h); err != nil {
				return err
			}
		}
		args = append(args, h.ID, wsID, h.EnrollmentID, doc, micros(h.CreatedAt))
	}
	return tx.insertRows(insertHistory, 5, args, nil)
}

// ListStatusChanges implements enroll.Store.
func (db *DB) ListStatusChanges(ctx context.Context, wsID, enrollmentID string) ([]*enroll.StatusChange, error) {
	if _, err := findEnrollment(ctx, db.r, wsID, enrollmentID); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT doc FROM status_changes WHERE workspace_id = ? AND enrollment_id = ? ORDER BY seq`, wsID, enrollmentID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: history: %w", err)
	}
	defer rows.Close()
	out := []*enroll.StatusChange{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("sqlite: history: %w", err)
		}
		h, err := decode[enroll.StatusChange](doc)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
