package postgres

import (
	"context"
	"fmt"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

// insertStatusChange appends h to the history of its enrollment in
// workspace wsID. seq orders the history: the enrollment's row lock, held by
// every writer, makes seq follow the order of the changes.
func (tx *tx) insertStatusChange(wsID string, h *enroll.StatusChange) error {
	doc, err := encode(h)
	if err != nil {
		return err
	}
	_, err = tx.exec(`INSERT INTO status_changes (id, workspace_id, enrollment_id, doc, created_at) VALUES ($1, $2, $3, $4, $5)`,
		h.ID, wsID, h.EnrollmentID, doc, h.CreatedAt)
	return err
}

// ListStatusChanges implements enroll.Store.
func (db *DB) ListStatusChanges(ctx context.Context, wsID, enrollmentID string) ([]*enroll.StatusChange, error) {
	var out []*enroll.StatusChange
	err := db.read(ctx, func(q pgx.Tx) error {
		if _, err := findEnrollment(ctx, q, wsID, enrollmentID, ""); err != nil {
			return err
		}
		rows, err := q.Query(ctx, `SELECT doc FROM status_changes WHERE workspace_id = $1 AND enrollment_id = $2 ORDER BY seq`, wsID, enrollmentID)
		if err != nil {
			return fmt.Errorf("postgres: history: %w", err)
		}
		defer rows.Close()
		out = []*enroll.StatusChange{}
		for rows.Next() {
			var doc []byte
			if err := rows.Scan(&doc); err != nil {
				return fmt.Errorf("postgres: history: %w", err)
			}
			h, err := decode[enroll.StatusChange](doc)
			if err != nil {
				return err
			}
			out = append(out, h)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("postgres: history: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
