package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/namekey"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// enrollmentColumnsDoc returns the indexed copies of e's fields, and doc,
// its JSON form, in the order of the column lists below.
func enrollmentColumnsDoc(e *enroll.Enrollment, doc []byte) []any {
	return []any{nullString(e.CustomerID), nullString(e.LeadID), string(e.Eligibility.Status),
		enroll.NormalizeEmail(e.Email), e.ReferenceID, namekey.Of(e.FirstName), namekey.Of(e.LastName),
		doc, e.Version, e.UpdatedAt}
}

// insertEnrollmentRow inserts the row of a new enrollment unless its
// participant already holds an open enrollment in the instance: by the
// partial unique indexes (ON CONFLICT DO NOTHING), or through a lead its
// customer was made from, enrolled before it was, or by an open
// enrollment holding its email ($4, normalized), which no index can hold
// and the statement checks itself (convertedLeadsOpenFrom, emailOpenFrom),
// saving a round trip per create.
var insertEnrollmentRow = `INSERT INTO enrollments (customer_id, lead_id, status, email_norm, reference_id, first_name, last_name, doc, version, updated_at, id, workspace_id, instance_id, created_at)
	SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14
	WHERE NOT EXISTS (SELECT FROM ` + convertedLeadsOpenFrom("$12", "$1", "$13") + `)
		AND NOT EXISTS (SELECT FROM ` + emailOpenFrom("$12", "$4", "$13") + `) ON CONFLICT DO NOTHING`

// insertEnrollment inserts a new enrollment. A participant who already holds
// an open enrollment in the instance is ECONFLICT naming it: the partial
// unique indexes decide, and ON CONFLICT DO NOTHING waits for a concurrent
// insert of the same participant to commit instead of aborting the
// transaction, so the winner can be read and named; one of a lead the
// customer was made from, or one holding the email, is checked by the
// insert too (insertEnrollmentRow), the latter under the email's lock.
func (tx *tx) insertEnrollment(e *enroll.Enrollment, doc []byte) error {
	args := append(enrollmentColumnsDoc(e, doc), e.ID, e.WorkspaceID, e.ProgramInstanceID, e.CreatedAt)
	email := enroll.NormalizeEmail(e.Email)
	locked := email == ""
	// The winner may leave the open states (or be deleted) between the
	// conflict and the look-up; then the insert is simply tried again.
	for range 3 {
		var (
			tag pgconn.CommandTag
			err error
		)
		if locked {
			tag, err = tx.exec(insertEnrollmentRow, args...)
		} else {
			tag, err = tx.lockEmailAndInsert(e.ProgramInstanceID, email, args)
			locked = true
		}
		switch fk := foreignKey(err); {
		case fk == "enrollments_customer_fkey":
			return enroll.Errorf(enroll.ENOTFOUND, "Customer %s not found.", e.CustomerID)
		case fk == "enrollments_lead_fkey":
			return enroll.Errorf(enroll.ENOTFOUND, "Lead %s not found.", e.LeadID)
		case fk != "":
			return enroll.Errorf(enroll.ENOTFOUND, "Program instance %s not found.", e.ProgramInstanceID)
		case err != nil:
			return err
		case tag.RowsAffected() == 1:
			tx.created(enroll.KindEnrollment, e.ID)
			return nil
		}
		if err := tx.duplicateEnrollment(e); !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if err := tx.convertedLeadsOpen(e); err != nil {
			return err
		}
		if err := tx.emailHeldOpen(e, email); err != nil {
			return err
		}
	}
	return enroll.Errorf(enroll.ECONFLICT, "The participant already has an open enrollment in program instance %s.", e.ProgramInstanceID)
}

// lockEmailAndInsert takes email's lock in instance (emailLock), then runs
// insertEnrollmentRow with args, in one round trip. The insert, a
// statement after the lock, sees what a create or import that held the
// lock before committed. The create or import chunk holds the lock
// already (instanceForWrite), unless the email changed since it read it
// (a lead's, say): then it is taken here.
func (tx *tx) lockEmailAndInsert(instance, email string, args []any) (pgconn.CommandTag, error) {
	b := &pgx.Batch{}
	b.Queue(lockEmail, emailLock, instance, email)
	b.Queue(insertEnrollmentRow, args...)
	br := tx.SendBatch(tx.ctx, b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return pgconn.CommandTag{}, fmt.Errorf("postgres: email lock: %w", err)
	}
	tag, err := br.Exec()
	if err != nil {
		return tag, fmt.Errorf("postgres: %w", err)
	}
	return tag, nil
}

// updateEnrollmentRow stores a changed enrollment, whose JSON form is doc,
// if it still has oldVersion: the caller holds its row lock, so a mismatch means a bug or a
// writer that bypassed the lock, and is refused rather than overwritten.
func (tx *tx) updateEnrollmentRow(e *enroll.Enrollment, doc []byte, oldVersion int) error {
	cols := enrollmentColumnsDoc(e, doc)
	tag, err := tx.exec(`UPDATE enrollments SET customer_id = $1, lead_id = $2, status = $3, email_norm = $4, reference_id = $5, first_name = $6, last_name = $7, doc = $8, version = $9, updated_at = $10
		WHERE workspace_id = $11 AND id = $12 AND version = $13`, append(cols, e.WorkspaceID, e.ID, oldVersion)...)
	if constraint(err) != "" {
		// Only the open-enrollment indexes can be violated by an update.
		if err := tx.duplicateEnrollment(e); !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		return enroll.Errorf(enroll.ECONFLICT, "The participant already has an open enrollment in program instance %s.", e.ProgramInstanceID)
	} else if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return enroll.Errorf(enroll.ECONFLICT, "Enrollment %s was changed concurrently; retry.", e.ID)
	}
	return nil
}

// openOfCustomer and openOfLead select the open enrollment in instance $2
// of workspace $1 of customer (lead) $3, other than enrollment $4.
var openOfCustomer, openOfLead = openOfParticipant("customer_id"), openOfParticipant("lead_id")

// openOfParticipant is openOfCustomer or openOfLead, by the column col.
// The workspace is checked on the row the column's partial unique index
// finds, behind OFFSET 0 (see participantOpenFrom).
func openOfParticipant(col string) string {
	return `SELECT id FROM ` + participantOpenFrom(col, "$2", "$3", "$1", "AND id <> $4") + ` LIMIT 1`
}

// participantOpenFrom is the FROM and WHERE of a look-up of the open
// enrollments in instance of the participant value in col (customer_id
// or lead_id), with the further conditions and, of workspace ws, read
// through the partial unique index enrollments_open_customer (or _lead),
// whose condition it states. That index holds no workspace_id, so the
// workspace is checked on the rows it found, behind OFFSET 0: stated
// beside it, on a table never analyzed whose rows are as wide as real
// ones, the planner ANDed the index with a scan of every enrollment of
// the workspace by an index leading with workspace_id
// (TestLookupPlanWideRows), 30 ms a look-up at 117,000 enrollments.
func participantOpenFrom(col, instance, value, ws, and string) string {
	return `(SELECT id, workspace_id FROM enrollments WHERE instance_id = ` + instance + ` AND ` + col + ` = ` + value + `
		AND status NOT IN ('rejected', 'unenrolled') ` + and + ` OFFSET 0) o WHERE o.workspace_id = ` + ws
}

// duplicateEnrollment returns the ECONFLICT for a participant who already
// holds an open enrollment in e's instance, naming that enrollment: one of
// its customer or, as a lead may have become that customer since, of its
// lead (the two indexes enrollments_open_customer and _lead); or
// pgx.ErrNoRows when there is none (any more).
func (tx *tx) duplicateEnrollment(e *enroll.Enrollment) error {
	var id string
	err := pgx.ErrNoRows
	for _, by := range [...]struct{ query, val string }{{openOfCustomer, e.CustomerID}, {openOfLead, e.LeadID}} {
		if by.val == "" || !errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		err = tx.QueryRow(tx.ctx, by.query, e.WorkspaceID, e.ProgramInstanceID, by.val, e.ID).Scan(&id)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return err
	} else if err != nil {
		return wrap(err)
	}
	return enroll.OpenEnrollmentConflict(e, id)
}

// convertedLeadsOpenFrom is the FROM and WHERE of a look-up of the open
// enrollments in an instance that the leads a customer was made from
// (leads.customer_id) hold from before it was (customer_id NULL): the
// customer's all the same, but out of reach of the index
// enrollments_open_customer. ws, customer and instance are their
// placeholders. It probes leads_customer, then enrollments_open_lead per
// lead, whose condition it states (TestImportLookupPlan,
// TestLookupPlanWideRows).
func convertedLeadsOpenFrom(ws, customer, instance string) string {
	return `leads l JOIN LATERAL (SELECT id FROM ` + participantOpenFrom("lead_id", instance, "l.id", "l.workspace_id", "AND customer_id IS NULL") + `
		LIMIT 1) e ON true
	WHERE l.workspace_id = ` + ws + ` AND l.customer_id = ` + customer
}

// openOfConvertedLeads selects one of convertedLeadsOpenFrom's enrollments
// of customer $2 in instance $3 of workspace $1.
var openOfConvertedLeads = `SELECT e.id FROM ` + convertedLeadsOpenFrom("$1", "$2", "$3") + ` LIMIT 1`

// convertedLeadsOpen returns the ECONFLICT for e's customer holding an
// open enrollment in e's instance through a lead it was made from
// (openOfConvertedLeads), or nil. The insert checks the same
// (insertEnrollmentRow); this names the enrollment when it refused. Both
// are exact without a lock: such an enrollment is inserted only while its
// lead has no customer, under the lead's lock (LockLead), which the
// lead's conversion waits for, so one that a committed conversion made
// the customer's was committed before it, and a statement that sees the
// conversion sees the enrollment. A conversion the check does not see
// commits after it, as if after this create, which could not have been
// refused for it either (docs/api.md).
func (tx *tx) convertedLeadsOpen(e *enroll.Enrollment) error {
	if e.CustomerID == "" {
		return nil
	}
	return tx.openConflict(e, openOfConvertedLeads, e.WorkspaceID, e.CustomerID, e.ProgramInstanceID)
}

// openConflict returns the ECONFLICT naming the enrollment query selects
// with args, an open one that e's participant holds, or nil when it
// selects none.
func (tx *tx) openConflict(e *enroll.Enrollment, query string, args ...any) error {
	var id string
	err := tx.QueryRow(tx.ctx, query, args...).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	} else if err != nil {
		return wrap(err)
	}
	return enroll.OpenEnrollmentConflict(e, id)
}

// emailOpenFrom is the FROM and WHERE of a look-up of the open
// enrollments in an instance that hold an email (email_norm), whoever they
// name: the participant's, as an import decides (OpenEnrollmentFor),
// though no index relates the two when one is of a lead that never became
// a customer (an email-only lead cannot). A create's insert and an import
// row (openByEmail) ask it, one text so that the two cannot drift apart.
// ws, email and instance are their placeholders. It probes
// enrollments_email, whose condition it states (TestImportLookupPlan).
func emailOpenFrom(ws, email, instance string) string {
	return `enrollments WHERE workspace_id = ` + ws + ` AND email_norm = ` + email + ` AND email_norm <> ''
		AND instance_id = ` + instance + ` AND status NOT IN ('rejected', 'unenrolled')`
}

// emailHeldOpen returns the ECONFLICT for an open enrollment in e's
// instance holding email, e's normalized, or nil. The insert checks the
// same (insertEnrollmentRow); this names the enrollment when it refused.
func (tx *tx) emailHeldOpen(e *enroll.Enrollment, email string) error {
	if email == "" {
		return nil
	}
	return tx.openConflict(e, openByEmail, e.WorkspaceID, email, e.ProgramInstanceID)
}

// HoldEmail implements enroll.EnrollmentTx: an update giving e, open,
// its email takes the email's lock in the instance (lockEmail), then
// looks for an open enrollment holding it (emailHeldOpen), the look-up a
// statement after the lock, so that it sees a create, import or update
// of the email that held the lock before, and those after see it. The
// update holds the enrollment's row and the instance's declarations lock
// (lockEnrollment) and nothing else yet, as a create holds the
// declarations lock when it takes its email's: a create or import
// holding the email waits for no enrollment's row lock, and an update
// holds one email's lock only, so the two cannot deadlock.
func (tx *tx) HoldEmail(e *enroll.Enrollment) error {
	email := enroll.NormalizeEmail(e.Email)
	if email == "" {
		return nil
	}
	if _, err := tx.Exec(tx.ctx, lockEmail, emailLock, e.ProgramInstanceID, email); err != nil {
		return fmt.Errorf("postgres: email lock: %w", err)
	}
	return tx.emailHeldOpen(e, email)
}

// CreateEnrollment implements enroll.Store.
func (db *DB) CreateEnrollment(ctx context.Context, a enroll.Actor, instanceID string, in *enroll.EnrollmentCreate) (*enroll.Enrollment, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *enroll.Enrollment
	err := db.write(ctx, func(tx *tx) error {
		// Not locked: a share lock would order creates against an archive
		// exactly, but under a steady stream of creates an instance update
		// could wait on it for ever. The foreign key check still keeps the
		// instance from being deleted under the create. The declarations
		// lock (instanceForWrite) holds up only an update that changes
		// which parameter values are held; the email lock, taken with it,
		// only a write of the same email.
		inst, err := tx.instanceForWrite(a.WorkspaceID, instanceID, false, in)
		if err != nil {
			return err
		}
		if err := inst.AcceptsEnrollments(); err != nil {
			return err
		}
		out, err = enroll.CreateEnrollmentIn(tx, a, inst, in)
		return err
	})
	return out, err
}

// InsertCreation implements enroll.EnrollmentTx.
func (tx *tx) InsertCreation(inst *enroll.ProgramInstance, c *enroll.EnrollmentCreation) error {
	e := c.Enrollment
	if err := tx.insertEnrollment(e, c.Doc); err != nil {
		return err
	}
	if err := tx.syncUniqueValues(nil, e, inst); err != nil {
		return err
	}
	tx.count(e, e.Eligibility.Status, 1)
	if err := tx.insertStatusChanges(e.WorkspaceID, c.History); err != nil {
		return err
	}
	return tx.insertEvents(c.Events)
}

// findEnrollment loads an enrollment; lock is "" or a locking clause.
func findEnrollment(ctx context.Context, q querier, wsID, id, lock string) (*enroll.Enrollment, error) {
	var (
		doc     []byte
		version int
	)
	err := q.QueryRow(ctx, `SELECT doc, version FROM enrollments WHERE workspace_id = $1 AND id = $2 `+lock, wsID, id).Scan(&doc, &version)
	if err != nil {
		return nil, notFound(err, "Enrollment", id)
	}
	e, err := decode[enroll.Enrollment](doc)
	if err != nil {
		return nil, err
	}
	e.WorkspaceID, e.Version = wsID, version
	return e, nil
}

// FindEnrollment implements enroll.Store.
func (db *DB) FindEnrollment(ctx context.Context, wsID, id string) (*enroll.Enrollment, error) {
	return findEnrollment(ctx, db.pool, wsID, id, "")
}

// UpdateEnrollment implements enroll.Store.
func (db *DB) UpdateEnrollment(ctx context.Context, a enroll.Actor, id string, fn func(*enroll.Enrollment) error) (*enroll.Enrollment, error) {
	var out *enroll.Enrollment
	err := db.write(ctx, func(tx *tx) error {
		old, inst, err := tx.lockEnrollment(a.WorkspaceID, id)
		if err != nil {
			return err
		}
		out, err = enroll.UpdateEnrollmentIn(tx, a, old, inst, nil, fn)
		return err
	})
	return out, err
}

// EvaluateEnrollment implements enroll.Store.
func (db *DB) EvaluateEnrollment(ctx context.Context, a enroll.Actor, id string, check func(*enroll.Enrollment) error) (*enroll.Enrollment, error) {
	var out *enroll.Enrollment
	err := db.write(ctx, func(tx *tx) error {
		e, inst, err := tx.lockEnrollment(a.WorkspaceID, id)
		if err != nil {
			return err
		}
		out, err = enroll.EvaluateEnrollmentIn(tx, a, e, inst, check)
		return err
	})
	return out, err
}

// lockEnrollment loads an enrollment for update, with its instance. The
// row lock serialises every writer of the enrollment on every replica: a
// second one waits, then reads the first one's result, so callbacks and the
// transition check always see the current state. The lock is FOR NO KEY
// UPDATE, the one the row's update takes: FOR UPDATE would deadlock with an
// update of the instance registering the enrollment's unique values
// (registerUniqueValues), whose foreign key check takes a key-share lock
// on the row while this write waits for that update to end before it
// reads the instance (instanceForWrite).
func (tx *tx) lockEnrollment(wsID, id string) (*enroll.Enrollment, *enroll.ProgramInstance, error) {
	e, err := findEnrollment(tx.ctx, tx, wsID, id, "FOR NO KEY UPDATE")
	if err != nil {
		return nil, nil, err
	}
	// Its history entry, events, updatedAt or unenrolledAt come after
	// the write it may have waited for.
	tx.lockedAt(e.UpdatedAt)
	inst, err := tx.instanceForWrite(wsID, e.ProgramInstanceID, false)
	if err != nil {
		return nil, nil, err
	}
	return e, inst, nil
}

// DeleteEnrollment implements enroll.Store.
func (db *DB) DeleteEnrollment(ctx context.Context, a enroll.Actor, id string, check func(*enroll.Enrollment) error) error {
	return db.write(ctx, func(tx *tx) error {
		// Its unique values go with it: the declarations lock comes first,
		// so that an update registering the instance's values neither
		// reads it, then finds it gone, nor waits for its row lock while
		// this waits for the lock it holds (registerUniqueValues).
		if _, err := tx.exec(`SELECT pg_advisory_xact_lock_shared($1, hashtext(instance_id)) FROM enrollments WHERE workspace_id = $2 AND id = $3`,
			declarationsLock, a.WorkspaceID, id); err != nil {
			return err
		}
		e, err := findEnrollment(ctx, tx, a.WorkspaceID, id, "FOR UPDATE")
		if err != nil {
			return err
		}
		tx.lockedAt(e.UpdatedAt)
		if check != nil {
			if err := check(e); err != nil {
				return err
			}
		}
		// The history goes with it (ON DELETE CASCADE).
		if _, err := tx.exec(`DELETE FROM enrollments WHERE workspace_id = $1 AND id = $2`, e.WorkspaceID, e.ID); err != nil {
			return err
		}
		tx.count(e, e.Eligibility.Status, -1)
		return tx.event(a, enroll.EventEnrollmentDeleted, e.ID, e, nil)
	})
}
