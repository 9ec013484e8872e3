package postgres

import (
	"errors"
	"fmt"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

// syncUniqueValues makes the rows of e's unique parameter values match e,
// changed from old (nil for a new enrollment; enroll.UniqueValuesSince):
// the rows of values e no longer holds go; a value it kept keeps its row,
// or takes one if it had none and no other enrollment holds the value (a
// value held since before parameters made unique had their values
// registered); a value it sets anew is inserted, and the primary key
// refuses one another open enrollment of the instance holds, which becomes
// ECONFLICT (UniqueTaken). As for enrollments, ON CONFLICT DO NOTHING
// waits for a concurrent holder to commit rather than aborting the
// transaction, so the holder can be read and named.
func (tx *tx) syncUniqueValues(old, e *enroll.Enrollment, inst *enroll.ProgramInstance) error {
	kept, set := e.UniqueValuesSince(old, inst)
	if old != nil {
		q := `DELETE FROM enrollment_unique_values WHERE workspace_id = $1 AND enrollment_id = $2`
		args := []any{e.WorkspaceID, e.ID}
		for _, u := range kept {
			q += fmt.Sprintf(` AND NOT (external_id = $%d AND value = $%d)`, len(args)+1, len(args)+2)
			args = append(args, u.ExternalID, u.Value)
		}
		if _, err := tx.exec(q, args...); err != nil {
			return err
		}
	}
	for _, u := range kept {
		// Already there, as a rule: the look-up of the key writes nothing.
		if _, err := tx.exec(`INSERT INTO enrollment_unique_values (workspace_id, instance_id, external_id, value, enrollment_id) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (instance_id, external_id, value) DO NOTHING`,
			e.WorkspaceID, e.ProgramInstanceID, u.ExternalID, u.Value, e.ID); err != nil {
			return err
		}
	}
	for _, u := range set {
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

// openParameterValues selects the values of the parameters $3 names that
// the open enrollments of an instance hold, as JSON, with their
// enrollments. The lax path yields nothing for a document without
// parameters.
const openParameterValues = `SELECT e.id, p->>'externalId', p->'value'
	FROM enrollments e CROSS JOIN LATERAL jsonb_path_query(e.doc, '$.parameters[*]') p
	WHERE e.workspace_id = $1 AND e.instance_id = $2 AND e.status NOT IN ('rejected', 'unenrolled')
		AND p->>'externalId' = ANY($3::text[])`

// registerUniqueValues brings the values the enrollments of in hold in
// step with its update from old (enroll.UniqueParameterChanges), in the
// update's transaction: the registrations of the parameters concerned go,
// and those made unique register the values of the open enrollments, or,
// when two share one, the update is refused (ECONFLICT) and rolled back.
//
// It first takes the instance's declarations lock exclusive, which waits
// for the enrollment writes under way in the instance to commit (each
// holds it shared from its read of the instance on: instanceForWrite) and
// makes the ones after wait, and then read the new declarations. Without
// it, a write that read the old ones and committed after the look-up
// below would hold a value nobody registered. No write holds a lock this
// update waits for while it waits for this one: the writes that lock an
// enrollment first do so FOR NO KEY UPDATE (lockEnrollment), which the
// foreign key checks of the inserts below do not wait for, or take the
// declarations lock first (DeleteEnrollment). Other updates of the
// instance do not take the lock.
func (tx *tx) registerUniqueValues(old, in *enroll.ProgramInstance) error {
	drop, register := enroll.UniqueParameterChanges(old, in)
	if len(drop) == 0 {
		return nil
	}
	if _, err := tx.exec(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, declarationsLock, in.ID); err != nil {
		return err
	}
	if _, err := tx.exec(`DELETE FROM enrollment_unique_values WHERE instance_id = $1 AND external_id = ANY($2::text[]) AND workspace_id = $3`,
		in.ID, drop, in.WorkspaceID); err != nil {
		return err
	}
	if len(register) == 0 {
		return nil
	}
	rows, err := tx.Query(tx.ctx, openParameterValues, in.WorkspaceID, in.ID, register)
	if err != nil {
		return fmt.Errorf("postgres: held values: %w", err)
	}
	holdings, err := scanHoldings(rows)
	rows.Close()
	if err != nil {
		return err
	}
	holders, err := in.UniqueHolders(holdings)
	if err != nil || len(holders) == 0 {
		return err
	}
	ids, exts, vals := make([]string, len(holders)), make([]string, len(holders)), make([]string, len(holders))
	for i, h := range holders {
		ids[i], exts[i], vals[i] = h.EnrollmentID, h.ExternalID, h.Value
	}
	_, err = tx.exec(`INSERT INTO enrollment_unique_values (workspace_id, instance_id, external_id, value, enrollment_id)
		SELECT $1, $2, external_id, value, enrollment_id FROM unnest($3::text[], $4::text[], $5::text[]) AS u(enrollment_id, external_id, value)`,
		in.WorkspaceID, in.ID, ids, exts, vals)
	return err
}

// heldRows is what scanHoldings reads: pgx's rows, or database/sql's in a
// migration.
type heldRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// scanHoldings reads the rows of openParameterValues, decoding only the
// values. The caller closes rows.
func scanHoldings(rows heldRows) ([]enroll.UniqueHolding, error) {
	var holdings []enroll.UniqueHolding
	for rows.Next() {
		var (
			h     enroll.UniqueHolding
			value []byte
		)
		if err := rows.Scan(&h.EnrollmentID, &h.ExternalID, &value); err != nil {
			return nil, fmt.Errorf("postgres: held values: %w", err)
		}
		if value == nil {
			continue
		}
		v, err := decode[any](value)
		if err != nil {
			return nil, err
		}
		h.Value = *v
		holdings = append(holdings, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: held values: %w", err)
	}
	return holdings, nil
}
