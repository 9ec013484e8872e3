package sqlite

import (
	"github.com/enrollhq/enroll"
)

// syncUniqueValues makes the rows of e's unique parameter values match e:
// the primary key refuses a value another open enrollment of the instance
// holds, and that becomes ECONFLICT (UniqueTaken).
func (tx *Tx) syncUniqueValues(e *enroll.Enrollment, inst *enroll.ProgramInstance) error {
	if _, err := tx.exec(`DELETE FROM enrollment_unique_values WHERE workspace_id = ? AND enrollment_id = ?`, e.WorkspaceID, e.ID); err != nil {
		return err
	}
	for _, u := range e.UniqueValues(inst) {
		_, err := tx.exec(`INSERT INTO enrollment_unique_values (workspace_id, instance_id, external_id, value, enrollment_id) VALUES (?, ?, ?, ?, ?)`,
			e.WorkspaceID, e.ProgramInstanceID, u.ExternalID, u.Value, e.ID)
		if constraint(err) != "" {
			var holder string
			_ = tx.QueryRowContext(tx.ctx, `SELECT enrollment_id FROM enrollment_unique_values WHERE workspace_id = ? AND instance_id = ? AND external_id = ? AND value = ?`,
				e.WorkspaceID, e.ProgramInstanceID, u.ExternalID, u.Value).Scan(&holder)
			return inst.UniqueTaken(u, holder)
		} else if err != nil {
			return err
		}
	}
	return nil
}
