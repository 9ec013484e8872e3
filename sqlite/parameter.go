package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/enrollhq/enroll"
)

// syncUniqueValues makes the rows of e's unique parameter values match e,
// changed from old (nil for a new enrollment; enroll.UniqueValuesSince):
// the rows of values e no longer holds go; a value it kept keeps its row,
// or takes one if it had none and no other enrollment holds the value (a
// value held since before parameters made unique had their values
// registered); a value it sets anew is inserted, and the primary key refuses
// one another open enrollment of the instance holds, which becomes
// ECONFLICT (UniqueTaken).
func (tx *Tx) syncUniqueValues(old, e *enroll.Enrollment, inst *enroll.ProgramInstance) error {
	kept, set := e.UniqueValuesSince(old, inst)
	if old != nil {
		q := `DELETE FROM enrollment_unique_values WHERE workspace_id = ? AND enrollment_id = ?`
		args := []any{e.WorkspaceID, e.ID}
		for _, u := range kept {
			q += ` AND NOT (external_id = ? AND value = ?)`
			args = append(args, u.ExternalID, u.Value)
		}
		if _, err := tx.exec(q, args...); err != nil {
			return err
		}
	}
	for _, u := range kept {
		// Already there, as a rule: the look-up of the key writes nothing.
		if _, err := tx.exec(`INSERT INTO enrollment_unique_values (workspace_id, instance_id, external_id, value, enrollment_id) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, e.WorkspaceID, e.ProgramInstanceID, u.ExternalID, u.Value, e.ID); err != nil {
			return err
		}
	}
	for _, u := range set {
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

// openParameterValues selects the values of the parameters a JSON array
// names that the open enrollments of an instance hold, as JSON, with
// their enrollments.
const openParameterValues = `SELECT e.id, p.value ->> '$.externalId', p.value -> '$.value'
	FROM enrollments e, json_each(e.doc, '$.parameters') p
	WHERE e.workspace_id = ? AND e.instance_id = ? AND e.status NOT IN ('rejected', 'unenrolled')
		AND p.value ->> '$.externalId' IN (SELECT value FROM json_each(?))`

// registerUniqueValues brings the values the enrollments of in hold in
// step with its update from old (enroll.UniqueParameterChanges), in the
// update's transaction: the registrations of the parameters concerned go,
// and those made unique register the values of the open enrollments, or,
// when two share one, the update is refused (ECONFLICT) and rolled back.
// The values are read from the documents in SQL, and only the few bytes
// of each value decoded.
func (tx *Tx) registerUniqueValues(old, in *enroll.ProgramInstance) error {
	drop, register := enroll.UniqueParameterChanges(old, in)
	if len(drop) == 0 {
		return nil
	}
	ids, err := json.Marshal(drop)
	if err != nil {
		return err
	}
	if _, err := tx.exec(`DELETE FROM enrollment_unique_values WHERE instance_id = ? AND external_id IN (SELECT value FROM json_each(?)) AND workspace_id = ?`,
		in.ID, string(ids), in.WorkspaceID); err != nil {
		return err
	}
	if len(register) == 0 {
		return nil
	}
	holdings, err := openHoldings(tx.ctx, tx, in, register)
	if err != nil {
		return err
	}
	holders, err := in.UniqueHolders(holdings)
	if err != nil {
		return err
	}
	args := make([]any, 0, 5*len(holders))
	for _, h := range holders {
		args = append(args, in.WorkspaceID, in.ID, h.ExternalID, h.Value, h.EnrollmentID)
	}
	return tx.insertMany(insertUnique, 5, args)
}

// openHoldings returns the values of the parameters ids names that the open
// enrollments of in hold, read out of the documents in SQL (only the few
// bytes of each value decoded).
func openHoldings(ctx context.Context, q querier, in *enroll.ProgramInstance, ids []string) ([]enroll.UniqueHolding, error) {
	names, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, openParameterValues, in.WorkspaceID, in.ID, string(names))
	if err != nil {
		return nil, fmt.Errorf("sqlite: held values: %w", err)
	}
	defer rows.Close()
	var holdings []enroll.UniqueHolding
	for rows.Next() {
		var (
			h     enroll.UniqueHolding
			value sql.NullString
		)
		if err := rows.Scan(&h.EnrollmentID, &h.ExternalID, &value); err != nil {
			return nil, fmt.Errorf("sqlite: held values: %w", err)
		}
		if !value.Valid {
			continue
		}
		v, err := decode[any](value.String)
		if err != nil {
			return nil, err
		}
		h.Value = *v
		holdings = append(holdings, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: held values: %w", err)
	}
	return holdings, nil
}
