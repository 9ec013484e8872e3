package postgres

import (
	"context"
	"fmt"
	"time"

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

// insertStatusChanges appends entries of workspace wsID to the histories
// of their enrollments, in order, in one statement. As for one entry, the
// enrollments' row locks make seq follow the order of the changes.
func (tx *tx) insertStatusChanges(wsID string, hs []*enroll.StatusChange) error {
	if len(hs) == 0 {
		return nil
	}
	ids, enrollments, docs, times := make([]string, len(hs)), make([]string, len(hs)), make([]string, len(hs)), make([]time.Time, len(hs))
	for i, h := range hs {
		doc, err := encode(h)
		if err != nil {
			return err
		}
		ids[i], enrollments[i], docs[i], times[i] = h.ID, h.EnrollmentID, string(doc), h.CreatedAt
	}
	_, err := tx.exec(`INSERT INTO status_changes (id, workspace_id, enrollment_id, doc, created_at)
		SELECT id, $1, enrollment_id, doc::jsonb, created_at FROM unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[])
			WITH ORDINALITY AS u(id, enrollment_id, doc, created_at, o) ORDER BY o`,
		wsID, ids, enrollments, docs, times)
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

// selectStatusSince reads each enrollment's latest history entry through
// the history's (workspace, enrollment, seq) index; an enrollment without
// one (none is written so) took its status when it was created.
const selectStatusSince = `SELECT e.id, COALESCE((SELECT h.created_at FROM status_changes h
		WHERE h.workspace_id = e.workspace_id AND h.enrollment_id = e.id ORDER BY h.seq DESC LIMIT 1), e.created_at)
	FROM enrollments e WHERE e.workspace_id = $1 AND e.id = ANY($2::text[])`

// StatusSince implements enroll.Store.
func (db *DB) StatusSince(ctx context.Context, wsID string, ids []string) (map[string]time.Time, error) {
	out := make(map[string]time.Time, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	err := db.read(ctx, func(q pgx.Tx) error {
		clear(out) // a retried transaction starts over
		rows, err := q.Query(ctx, selectStatusSince, wsID, ids)
		if err != nil {
			return fmt.Errorf("postgres: status since: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				id string
				at time.Time
			)
			if err := rows.Scan(&id, &at); err != nil {
				return fmt.Errorf("postgres: status since: %w", err)
			}
			out[id] = at.UTC()
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("postgres: status since: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
