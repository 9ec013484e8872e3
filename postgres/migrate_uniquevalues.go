package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"

	"github.com/enrollhq/enroll"
)

// uniqueValuesVersion is the migration that registers the values of
// unique parameters that open enrollments hold unregistered: releases
// before the one that registers them when an instance update makes a
// parameter unique registered nothing then, so a value held before was
// free for another enrollment to take.
const uniqueValuesVersion = 21

// uniqueInstances selects the instances that declare a unique parameter:
// the only ones the migration reads the enrollments of.
const uniqueInstances = `SELECT workspace_id, id FROM program_instances
	WHERE jsonb_path_exists(doc, '$.parameters[*].constraints.unique ? (@ == true)') ORDER BY workspace_id, id`

// registeredValues selects the rows of an instance's values of the
// parameters $3 names.
const registeredValues = `SELECT external_id, value, enrollment_id FROM enrollment_unique_values
	WHERE instance_id = $2 AND external_id = ANY($3::text[]) AND workspace_id = $1`

// uniqueChunk is how many enrollments one of the migration's transactions
// registers the values of.
const uniqueChunk = 1000

// uniqueRegistration is the migration that registers the values of unique
// parameters held unregistered: chunk is how many enrollments one of its
// transactions registers the values of (uniqueChunk, or fewer in tests),
// and log where it warns of the enrollments it leaves out.
type uniqueRegistration struct {
	chunk int
	log   *slog.Logger
}

// registerHeldUniqueValues registers, for each instance's unique
// parameters, the values its open enrollments hold that nobody is
// registered for, computed as an enrollment's write registers them
// (enroll.ProgramInstance.UniqueUnregistered). A value open enrollments
// share goes to the first of them by id, unless one is registered for it
// already; each other holder is logged, as a warning, and left holding it
// unregistered: refusing to start would leave the operator no service to
// change them with, and a write of such an enrollment checks only the
// values it sets anew. On a database without unique parameters it reads
// only the instances.
//
// It runs outside goose's transaction, in short transactions of a
// thousand enrollments each (registerInstanceValues), so that the
// previous release's replicas, which keep serving during a rolling
// deploy, wait for a thousand enrollments' registration at most, never
// for an instance's or the whole migration's. An interrupted run keeps
// what it registered, and goose runs it again at the next start; it
// registers nothing twice. There is nothing to undo: the rows it adds are
// those the release before would have written at each enrollment's next
// write.
func (m uniqueRegistration) registerHeldUniqueValues(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, uniqueInstances)
	if err != nil {
		return fmt.Errorf("postgres: find unique parameters: %w", err)
	}
	var ws, ids []string
	for rows.Next() {
		var w, id string
		if err := rows.Scan(&w, &id); err != nil {
			rows.Close()
			return fmt.Errorf("postgres: find unique parameters: %w", err)
		}
		ws, ids = append(ws, w), append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: find unique parameters: %w", err)
	}
	for i := range ids {
		if err := m.registerInstanceValues(ctx, db, ws[i], ids[i]); err != nil {
			return err
		}
	}
	return nil
}

// registerInstanceValues registers the values the open enrollments of
// instance id hold unregistered (registerHeldUniqueValues).
//
// It looks first in a read-only snapshot, without a lock: an instance
// whose values are all registered, the rule, is left at that. Otherwise
// the holders of the values nobody is registered for are registered in
// order of id, a transaction a thousand (registerChunk), so that no lock
// is held for the time a whole instance takes (seconds at 100,000
// enrollments). All the holders of such a value are taken, not only the
// first: if that one changes its value meanwhile, the next takes it.
func (m uniqueRegistration) registerInstanceValues(ctx context.Context, db *sql.DB, wsID, id string) error {
	snap, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("postgres: register held values: %w", err)
	}
	in, err := uniqueInstance(ctx, snap, wsID, id, "")
	var (
		holdings   []enroll.UniqueHolding
		registered []enroll.UniqueHolder
	)
	if err == nil && in != nil {
		holdings, registered, err = heldAndRegistered(ctx, snap, in)
	}
	_ = snap.Rollback()
	if err != nil || in == nil {
		return err
	}
	register, left := in.UniqueUnregistered(holdings, registered)
	free := make(map[enroll.UniqueValue]bool, len(register))
	chosen := make(map[string]bool, len(register))
	for _, h := range register {
		free[h.UniqueValue], chosen[h.EnrollmentID] = true, true
	}
	var others []enroll.UniqueLeftOut
	for _, l := range left {
		if free[l.UniqueValue] {
			chosen[l.EnrollmentID] = true
		} else {
			others = append(others, l)
		}
	}
	m.warnLeftOut(ctx, in, others)
	if len(chosen) == 0 {
		return nil
	}
	holders := make(map[enroll.UniqueValue]string, len(registered))
	for _, r := range registered {
		holders[r.UniqueValue] = r.EnrollmentID
	}
	ids := slices.Sorted(maps.Keys(chosen))
	for len(ids) > 0 {
		n := min(len(ids), m.chunk)
		if err := m.registerChunk(ctx, db, wsID, id, ids[:n], holders); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// registerChunk registers the values that the enrollments ids, open ones
// of instance id, hold and nobody is registered for, in a transaction.
// It locks the instance's row as an update does (no update of its
// declarations runs meanwhile) and takes its declarations lock exclusive,
// as an update registering values does (the enrollment writes of this
// release's replicas wait, then meet the new rows). It locks the
// enrollments FOR KEY SHARE, and then reads their values, before it
// inserts anything: the previous release's writes lock an enrollment FOR
// UPDATE and then insert its values, and this insert's foreign key checks
// would otherwise wait for such a write while it waited for this insert,
// a deadlock. A value a replica that takes no declarations lock registered
// meanwhile is left to it (ON CONFLICT DO NOTHING) and its holder logged
// as left out.
func (m uniqueRegistration) registerChunk(ctx context.Context, db *sql.DB, wsID, id string, ids []string, holders map[enroll.UniqueValue]string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("postgres: register held values: %w", err)
	}
	defer tx.Rollback()
	in, err := uniqueInstance(ctx, tx, wsID, id, "FOR NO KEY UPDATE")
	if err != nil || in == nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, declarationsLock, id); err != nil {
		return fmt.Errorf("postgres: declarations lock: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT FROM enrollments WHERE workspace_id = $1 AND id = ANY($2::text[]) ORDER BY id FOR KEY SHARE`,
		wsID, ids); err != nil {
		return fmt.Errorf("postgres: lock enrollments: %w", err)
	}
	rows, err := tx.QueryContext(ctx, openParameterValues+` AND e.id = ANY($4::text[])`, wsID, id, uniqueParameters(in), ids)
	if err != nil {
		return fmt.Errorf("postgres: held values: %w", err)
	}
	holdings, err := scanHoldings(rows)
	rows.Close()
	if err != nil {
		return err
	}
	// The values held, one holder each, and the rows of those the snapshot
	// and the chunks before saw: one registered since meets its row at the
	// insert.
	held, _ := in.UniqueUnregistered(holdings, nil)
	var registered []enroll.UniqueHolder
	for _, h := range held {
		if holder, ok := holders[h.UniqueValue]; ok {
			registered = append(registered, enroll.UniqueHolder{UniqueValue: h.UniqueValue, EnrollmentID: holder})
		}
	}
	register, left := in.UniqueUnregistered(holdings, registered)
	enrollments, exts, vals := make([]string, len(register)), make([]string, len(register)), make([]string, len(register))
	for i, h := range register {
		enrollments[i], exts[i], vals[i] = h.EnrollmentID, h.ExternalID, h.Value
	}
	rows, err = tx.QueryContext(ctx, `INSERT INTO enrollment_unique_values (workspace_id, instance_id, external_id, value, enrollment_id)
		SELECT $1, $2, external_id, value, enrollment_id FROM unnest($3::text[], $4::text[], $5::text[]) AS u(enrollment_id, external_id, value)
		ON CONFLICT (instance_id, external_id, value) DO NOTHING
		RETURNING external_id, value`, wsID, id, enrollments, exts, vals)
	if err != nil {
		return fmt.Errorf("postgres: register held values: %w", err)
	}
	inserted := map[enroll.UniqueValue]bool{}
	for rows.Next() {
		var u enroll.UniqueValue
		if err := rows.Scan(&u.ExternalID, &u.Value); err != nil {
			rows.Close()
			return fmt.Errorf("postgres: register held values: %w", err)
		}
		inserted[u] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: register held values: %w", err)
	}
	for _, h := range register {
		if inserted[h.UniqueValue] {
			continue
		}
		holder, err := registerLate(ctx, tx, wsID, id, h)
		if err != nil {
			return err
		}
		if holder != h.EnrollmentID {
			left = append(left, enroll.UniqueLeftOut{UniqueHolder: h, HolderID: holder})
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("postgres: register held values: %w", err)
	}
	for _, h := range register {
		if inserted[h.UniqueValue] {
			holders[h.UniqueValue] = h.EnrollmentID
		}
	}
	m.warnLeftOut(ctx, in, left)
	return nil
}

// registerLate registers h, a value a replica of the release before
// registered for another enrollment while this migration read the values,
// unless it is still held: it returns the enrollment registered for it.
// The holder may free it between the insert and the look-up; then the
// insert is tried again.
func registerLate(ctx context.Context, tx *sql.Tx, wsID, id string, h enroll.UniqueHolder) (string, error) {
	for range 3 {
		res, err := tx.ExecContext(ctx, `INSERT INTO enrollment_unique_values (workspace_id, instance_id, external_id, value, enrollment_id) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (instance_id, external_id, value) DO NOTHING`, wsID, id, h.ExternalID, h.Value, h.EnrollmentID)
		if err != nil {
			return "", fmt.Errorf("postgres: register held values: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return h.EnrollmentID, nil
		}
		var holder string
		err = tx.QueryRowContext(ctx, `SELECT enrollment_id FROM enrollment_unique_values WHERE workspace_id = $1 AND instance_id = $2 AND external_id = $3 AND value = $4`,
			wsID, id, h.ExternalID, h.Value).Scan(&holder)
		if err == nil {
			return holder, nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("postgres: register held values: %w", err)
		}
	}
	return "", fmt.Errorf("postgres: register held values: %s of instance %s kept changing holder", h.ExternalID, id)
}

// uniqueInstance reads instance id of workspace wsID, locked as lock says.
// Returns nil when it is gone or declares no unique parameter.
func uniqueInstance(ctx context.Context, tx *sql.Tx, wsID, id, lock string) (*enroll.ProgramInstance, error) {
	var doc []byte
	err := tx.QueryRowContext(ctx, `SELECT doc FROM program_instances WHERE workspace_id = $1 AND id = $2 `+lock, wsID, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("postgres: read instance: %w", err)
	}
	in, err := decode[enroll.ProgramInstance](doc)
	if err != nil {
		return nil, err
	}
	in.WorkspaceID, in.ID = wsID, id
	if len(uniqueParameters(in)) == 0 {
		return nil, nil
	}
	return in, nil
}

// uniqueParameters returns the ids of in's unique parameters.
func uniqueParameters(in *enroll.ProgramInstance) []string {
	var out []string
	for _, p := range in.Parameters {
		if p.Constraints.Unique {
			out = append(out, p.ExternalID)
		}
	}
	return out
}

// heldAndRegistered returns the values of in's unique parameters that its
// open enrollments hold, and the rows of its registered values.
func heldAndRegistered(ctx context.Context, tx *sql.Tx, in *enroll.ProgramInstance) ([]enroll.UniqueHolding, []enroll.UniqueHolder, error) {
	unique := uniqueParameters(in)
	rows, err := tx.QueryContext(ctx, openParameterValues, in.WorkspaceID, in.ID, unique)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: held values: %w", err)
	}
	holdings, err := scanHoldings(rows)
	rows.Close()
	if err != nil {
		return nil, nil, err
	}
	rows, err = tx.QueryContext(ctx, registeredValues, in.WorkspaceID, in.ID, unique)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: registered values: %w", err)
	}
	defer rows.Close()
	var registered []enroll.UniqueHolder
	for rows.Next() {
		var h enroll.UniqueHolder
		if err := rows.Scan(&h.ExternalID, &h.Value, &h.EnrollmentID); err != nil {
			return nil, nil, fmt.Errorf("postgres: registered values: %w", err)
		}
		registered = append(registered, h)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("postgres: registered values: %w", err)
	}
	return holdings, registered, nil
}

// warnLeftOut logs each open enrollment of in left holding a value another
// is registered for. The value is not logged: the parameter may be hidden.
func (m uniqueRegistration) warnLeftOut(ctx context.Context, in *enroll.ProgramInstance, left []enroll.UniqueLeftOut) {
	for _, l := range left {
		m.log.WarnContext(ctx, "two open enrollments hold one value of a unique parameter; change or close all but one",
			"enrollment", l.EnrollmentID, "holder", l.HolderID, "parameter", l.ExternalID, "instance", in.ID, "workspace", in.WorkspaceID)
	}
}
