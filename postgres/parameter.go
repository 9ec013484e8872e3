package postgres

import (
	"errors"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

// syncUniqueValues makes the rows of e's unique parameter values match e.
// The primary key refuses a value another open enrollment of the instance
// holds, and that becomes ECONFLICT (UniqueTaken). As for enrollments, ON
// CONFLICT DO NOTHING waits for a concurrent holder to commit rather than
// aborting the transaction, so the holder can be read and named.
func (tx *tx) syncUniqueValues(e *enroll.Enrollment, inst *enroll.ProgramInstance) error {
	if _, err := tx.exec(`DELETE FROM enrollment_unique_values WHERE workspace_id = $1 AND enrollment_id = $2`, e.WorkspaceID, e.ID); err != nil {
		return err
	}
	for _, u := range e.UniqueValues(inst) {
		if err := tx.insertUniqueValue(e, inst, u); err != nil {
			return err
		}
	}
	return nil
}

func (tx *tx) insertUniqueValue(e *enroll.Enrollment, inst *enroll.ProgramInstance, u enroll.UniqueValue) error {
	// The holder may free the value between the conflict and the look-up;
	// then the insert is simply tried again.
	for range 3 {
		tag, err := tx.exec(`INSERT INTO enrollment_unique_values (workspace_id, instance_id, external_id, value, enrollment_id) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (instance_id, external_id, value) DO NOTHING`,
			e.WorkspaceID, e.ProgramInstanceID, u.ExternalID, u.Value, e.ID)
		if err != nil {
			return err
		} else if tag.RowsAffected() == 1 {
			return nil
		}
		var holder string
		err = tx.QueryRow(tx.ctx, `SELECT enrollment_id FROM enrollment_unique_values WHERE workspace_id = $1 AND instance_id = $2 AND external_id = $3 AND value = $4`,
			e.WorkspaceID, e.ProgramInstanceID, u.ExternalID, u.Value).Scan(&holder)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		} else if err != nil {
			return wrap(err)
		}
		return inst.UniqueTaken(u, holder)
	}
	return inst.UniqueTaken(u, "")
}
