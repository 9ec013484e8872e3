package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

func (tx *tx) writeInstance(in *enroll.ProgramInstance, insert bool) error {
	doc, err := encode(in)
	if err != nil {
		return err
	}
	if insert {
		_, err = tx.exec(`INSERT INTO program_instances (id, workspace_id, program_id, slug, status, doc, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			in.ID, in.WorkspaceID, in.ProgramID, in.Slug, string(in.Status), doc, in.CreatedAt, in.UpdatedAt)
	} else {
		_, err = tx.exec(`UPDATE program_instances SET slug = $1, status = $2, doc = $3, updated_at = $4 WHERE workspace_id = $5 AND id = $6`,
			in.Slug, string(in.Status), doc, in.UpdatedAt, in.WorkspaceID, in.ID)
	}
	if constraint(err) != "" {
		return enroll.FieldConflict("slug", in.Slug, "The program already has an instance with slug %q.", in.Slug)
	} else if foreignKey(err) != "" {
		// The program was deleted after it was read.
		return enroll.Errorf(enroll.ENOTFOUND, "Program %s not found.", in.ProgramID)
	}
	return err
}

// CreateInstance implements enroll.Store.
func (db *DB) CreateInstance(ctx context.Context, a enroll.Actor, in *enroll.ProgramInstance) error {
	in.TrimRuleNames()
	if err := in.Validate(); err != nil {
		return err
	}
	if err := db.engine.Check(in.EligibilityRules, in.Parameters); err != nil {
		return err
	}
	programRef := in.ProgramID
	return db.write(ctx, func(tx *tx) error {
		p, err := findProgram(ctx, tx, a.WorkspaceID, programRef, "")
		if err != nil {
			return err
		}
		in.ID, in.WorkspaceID, in.ProgramID, in.RulesVersion = enroll.NewID(), a.WorkspaceID, p.ID, 1
		in.CreatedAt, in.UpdatedAt = tx.now, tx.now
		if err := tx.writeInstance(in, true); err != nil {
			return err
		}
		tx.created(enroll.KindInstance, in.ID)
		return tx.event(a, enroll.EventInstanceCreated, in.ID, in, nil)
	})
}

// findInstance loads an instance; lock is "" or a locking clause.
func findInstance(ctx context.Context, q querier, wsID, id, lock string) (*enroll.ProgramInstance, error) {
	var doc []byte
	err := q.QueryRow(ctx, `SELECT doc FROM program_instances WHERE workspace_id = $1 AND id = $2 `+lock, wsID, id).Scan(&doc)
	if err != nil {
		return nil, notFound(err, "Program instance", id)
	}
	in, err := decode[enroll.ProgramInstance](doc)
	if err != nil {
		return nil, err
	}
	in.WorkspaceID = wsID
	return in, nil
}

// declarationsLock is the first key of an instance's declarations lock,
// an advisory lock whose second key is hashtext of the instance's id.
// Enrollment writes hold it shared (instanceForWrite); an update of the
// instance that changes which parameter values are held holds it
// exclusive (registerUniqueValues). Two-key advisory locks are a space of
// their own, apart from the one-key locks of dispatch and migrations.
const declarationsLock int32 = 0x756e6971 // "uniq"

// instanceForWrite returns instance id of workspace wsID for an
// enrollment write, under its declarations lock, held shared: an update
// changing which parameter values are held waits for the writes under way
// to commit, and the writes after it wait for it. The lock and the read
// go in one round trip; the read, a statement after the lock, reads what
// such an update committed. The lock, unlike a share lock on the row,
// lets no stream of writes keep the update waiting: PostgreSQL queues a
// shared request behind a waiting exclusive one. A write that creates
// enrollments (creates) also takes, in the same round trip, the email
// locks of the emails they may have (lockEmails), before it locks a lead
// or inserts a customer: a create or import row that took its email's
// lock only when it inserts, after those, would deadlock with an import
// chunk that holds the email and waits for that lead or that customer's
// email. An import's chunk (refs) whose rows have referenceIds takes the
// instance's references lock (referencesLock) before the email locks.
// Returns ENOTFOUND.
func (tx *tx) instanceForWrite(wsID, id string, refs bool, creates ...*enroll.EnrollmentCreate) (*enroll.ProgramInstance, error) {
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_xact_lock_shared($1, hashtext($2))`, declarationsLock, id)
	refLocked := refs && slices.ContainsFunc(creates, func(in *enroll.EnrollmentCreate) bool { return in.ReferenceID != "" })
	if refLocked {
		b.Queue(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, referencesLock, id)
	}
	lock, args := emailLocks(wsID, id, creates)
	if lock != "" {
		b.Queue(lock, args...)
	}
	b.Queue(`SELECT doc FROM program_instances WHERE workspace_id = $1 AND id = $2`, wsID, id)
	br := tx.SendBatch(tx.ctx, b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return nil, fmt.Errorf("postgres: declarations lock: %w", err)
	}
	if refLocked {
		if _, err := br.Exec(); err != nil {
			return nil, fmt.Errorf("postgres: references lock: %w", err)
		}
	}
	if lock != "" {
		if _, err := br.Exec(); err != nil {
			return nil, fmt.Errorf("postgres: email locks: %w", err)
		}
	}
	var doc []byte
	if err := br.QueryRow().Scan(&doc); err != nil {
		return nil, notFound(err, "Program instance", id)
	}
	in, err := decode[enroll.ProgramInstance](doc)
	if err != nil {
		return nil, err
	}
	in.WorkspaceID = wsID
	return in, nil
}

// FindInstance implements enroll.Store.
func (db *DB) FindInstance(ctx context.Context, wsID, id string) (*enroll.ProgramInstance, error) {
	return findInstance(ctx, db.pool, wsID, id, "")
}

// ListInstances implements enroll.Store.
func (db *DB) ListInstances(ctx context.Context, wsID string, f enroll.InstanceFilter) (*enroll.Page[*enroll.ProgramInstance], error) {
	fh := enroll.HashFilter(struct {
		P string
		S []enroll.InstanceStatus
		I []string
	}{f.ProgramID, f.Statuses, f.IDs})
	c, err := f.Normalize([]string{enroll.SortCreatedDesc, enroll.SortCreatedAsc, enroll.SortUpdatedAsc, enroll.SortUpdatedDesc}, fh)
	if err != nil {
		return nil, err
	}
	var out *enroll.Page[*enroll.ProgramInstance]
	err = db.read(ctx, func(q pgx.Tx) error {
		var w where
		w.add("workspace_id = ?", wsID)
		if f.ProgramID != "" {
			id, err := filterProgramID(ctx, q, wsID, f.ProgramID)
			if err != nil {
				return err
			}
			w.add("program_id = ?", id)
		}
		in(&w, "status", f.Statuses)
		in(&w, "id", f.IDs)
		var err error
		out, err = page[enroll.ProgramInstance](ctx, q, "program_instances", w, f.ListParams, c, fh, func() (int, error) {
			return countRows(ctx, q, "program_instances", w)
		})
		return err
	})
	return out, err
}

// UpdateInstance implements enroll.Store. FOR NO KEY UPDATE serialises
// updates of the instance without blocking enrollment writes, whose foreign
// key checks take only a key-share lock on it; an update that changes
// which parameter values are held waits for them, and they for it, on the
// instance's declarations lock (registerUniqueValues). Changed rules are
// checked before the transaction (enroll.WriteCheckedRules), which would
// otherwise hold the instance's row lock while the check tries them.
func (db *DB) UpdateInstance(ctx context.Context, a enroll.Actor, id string, fn func(*enroll.ProgramInstance) error) (*enroll.ProgramInstance, error) {
	var out *enroll.ProgramInstance
	err := enroll.WriteCheckedRules(db.engine, func(checked enroll.CheckedRules) error {
		out = nil
		return db.write(ctx, func(tx *tx) error {
			old, err := findInstance(ctx, tx, a.WorkspaceID, id, "FOR NO KEY UPDATE")
			if err != nil {
				return err
			}
			tx.lockedAt(old.UpdatedAt)
			in, prev, err := old.Update(fn, checked)
			if err != nil {
				return err
			}
			out = in
			if len(prev) == 0 {
				return nil
			}
			if err := tx.registerUniqueValues(old, in); err != nil {
				return err
			}
			in.UpdatedAt = tx.now
			if err := tx.writeInstance(in, false); err != nil {
				return err
			}
			return tx.event(a, enroll.EventInstanceUpdated, in.ID, in, prev)
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteInstance implements enroll.Store. The row lock makes concurrent
// enrollment creates in the instance wait on their foreign key check; one
// that committed first makes the delete fail its own foreign key check.
func (db *DB) DeleteInstance(ctx context.Context, a enroll.Actor, id string, check func(*enroll.ProgramInstance) error) error {
	return db.write(ctx, func(tx *tx) error {
		in, err := findInstance(ctx, tx, a.WorkspaceID, id, "FOR UPDATE")
		if err != nil {
			return err
		}
		tx.lockedAt(in.UpdatedAt)
		if err := enroll.RunCheck(check, in); err != nil {
			return err
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM enrollments WHERE workspace_id = $1 AND instance_id = $2)`,
			in.WorkspaceID, in.ID).Scan(&exists); err != nil {
			return wrap(err)
		}
		hasEnrollments := enroll.Errorf(enroll.ECONFLICT, "Program instance %s has enrollments; archive it instead (status archived).", in.ID)
		if exists {
			return hasEnrollments
		}
		_, err = tx.exec(`DELETE FROM program_instances WHERE workspace_id = $1 AND id = $2`, in.WorkspaceID, in.ID)
		if foreignKey(err) != "" {
			return hasEnrollments
		} else if err != nil {
			return err
		}
		return tx.event(a, enroll.EventInstanceDeleted, in.ID, in, nil)
	})
}
