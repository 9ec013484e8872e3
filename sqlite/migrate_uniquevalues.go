package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/enrollhq/enroll"
)

// uniqueValuesVersion is the migration that registers the values of
// unique parameters that open enrollments hold unregistered: releases
// before the one that registers them when an instance update makes a
// parameter unique registered nothing then, so a value held before was
// free for another enrollment to take.
const uniqueValuesVersion = 23

// uniqueInstances selects the instances that declare a unique parameter:
// the only ones the migration reads the enrollments of.
const uniqueInstances = `SELECT workspace_id, id, doc FROM program_instances
	WHERE EXISTS (SELECT 1 FROM json_each(doc, '$.parameters') p WHERE p.value -> '$.constraints.unique' = 'true')`

// registerHeldUniqueValues returns the migration that registers, for
// each instance's unique parameters, the values its open enrollments hold that nobody is
// registered for, computed as an enrollment's write registers them
// (enroll.ProgramInstance.UniqueUnregistered). A value open enrollments
// share goes to the first of them by id, unless one is registered for it
// already; each other holder is logged, as a warning, and left holding it
// unregistered: refusing to start would leave the operator no service to
// change them with, and a write of such an enrollment checks only the
// values it sets anew. It reads only the instances on a database without
// unique parameters, and registers nothing a second time, so it can run
// again. There is nothing to undo: the rows it adds are those the release
// before would have written at each enrollment's next write. It warns to
// log.
func registerHeldUniqueValues(log *slog.Logger) func(context.Context, *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		return registerHeld(ctx, tx, log)
	}
}

// registerHeld is registerHeldUniqueValues' work.
func registerHeld(ctx context.Context, tx *sql.Tx, log *slog.Logger) error {
	rows, err := tx.QueryContext(ctx, uniqueInstances)
	if err != nil {
		return fmt.Errorf("sqlite: find unique parameters: %w", err)
	}
	var insts []*enroll.ProgramInstance
	for rows.Next() {
		var ws, id, doc string
		if err := rows.Scan(&ws, &id, &doc); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: find unique parameters: %w", err)
		}
		in, err := decode[enroll.ProgramInstance](doc)
		if err != nil {
			rows.Close()
			return err
		}
		in.WorkspaceID, in.ID = ws, id
		insts = append(insts, in)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: find unique parameters: %w", err)
	}
	for _, in := range insts {
		if err := registerInstanceValues(ctx, tx, in, log); err != nil {
			return err
		}
	}
	return nil
}

// registerInstanceValues registers the values in's open enrollments hold
// unregistered (registerHeldUniqueValues).
func registerInstanceValues(ctx context.Context, tx *sql.Tx, in *enroll.ProgramInstance, log *slog.Logger) error {
	var unique []string
	for _, p := range in.Parameters {
		if p.Constraints.Unique {
			unique = append(unique, p.ExternalID)
		}
	}
	if len(unique) == 0 {
		return nil
	}
	holdings, err := openHoldings(ctx, tx, in, unique)
	if err != nil {
		return err
	}
	registered, err := registeredValues(ctx, tx, in, unique)
	if err != nil {
		return err
	}
	register, left := in.UniqueUnregistered(holdings, registered)
	for _, l := range left {
		log.WarnContext(ctx, "two open enrollments hold one value of a unique parameter; change or close all but one",
			"enrollment", l.EnrollmentID, "holder", l.HolderID, "parameter", l.ExternalID, "instance", in.ID, "workspace", in.WorkspaceID)
	}
	if len(register) == 0 {
		return nil
	}
	ins, err := tx.PrepareContext(ctx, insertUnique+` VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("sqlite: register held values: %w", err)
	}
	defer ins.Close()
	for _, h := range register {
		if _, err := ins.ExecContext(ctx, in.WorkspaceID, in.ID, h.ExternalID, h.Value, h.EnrollmentID); err != nil {
			return fmt.Errorf("sqlite: register held values: %w", err)
		}
	}
	return nil
}

// registeredValues returns the rows of in's values of the parameters ids
// names.
func registeredValues(ctx context.Context, q querier, in *enroll.ProgramInstance, ids []string) ([]enroll.UniqueHolder, error) {
	names, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT external_id, value, enrollment_id FROM enrollment_unique_values
		WHERE instance_id = ? AND external_id IN (SELECT value FROM json_each(?)) AND workspace_id = ?`, in.ID, string(names), in.WorkspaceID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: registered values: %w", err)
	}
	defer rows.Close()
	var out []enroll.UniqueHolder
	for rows.Next() {
		var h enroll.UniqueHolder
		if err := rows.Scan(&h.ExternalID, &h.Value, &h.EnrollmentID); err != nil {
			return nil, fmt.Errorf("sqlite: registered values: %w", err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: registered values: %w", err)
	}
	return out, nil
}
