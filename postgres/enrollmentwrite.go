package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

// tx is an enroll.EnrollmentTx: the enrollment write paths run on it.
var _ enroll.EnrollmentTx = (*tx)(nil)

// Context implements enroll.EnrollmentTx.
func (tx *tx) Context() context.Context { return tx.ctx }

// Now implements enroll.EnrollmentTx.
func (tx *tx) Now() time.Time { return tx.now }

// Rules implements enroll.EnrollmentTx.
func (tx *tx) Rules() enroll.RuleEngine { return tx.db.engine }

// enrolledCustomerLock is taken on the customer a create enrolls (or a
// lead becomes) when it is read: without it a deletion committed between
// the look-up and the insert failed the insert's foreign key, and a
// customerInfo create answered 404 naming a customer it never sent. With
// it such a deletion waits, then finds the enrollment and is refused
// (409); one that committed first leaves no customer to find, so the
// create makes one with the email. KEY SHARE lets the customer's other
// changes, which do not touch its id or email, go on.
const enrolledCustomerLock = "FOR KEY SHARE"

// FindCustomer implements enroll.EnrollmentTx.
func (tx *tx) FindCustomer(wsID, id string) (*enroll.Customer, error) {
	return findCustomer(tx.ctx, tx, wsID, id, enrolledCustomerLock)
}

// FindCustomerByEmail implements enroll.EnrollmentTx.
func (tx *tx) FindCustomerByEmail(wsID, email string) (*enroll.Customer, error) {
	return findCustomerByEmail(tx.ctx, tx, wsID, email, enrolledCustomerLock)
}

// AddCustomer implements enroll.EnrollmentTx. Concurrent creates for one
// new email (on any replica) agree on one customer: the insert that loses
// the race does nothing, and the winner is read back.
func (tx *tx) AddCustomer(c *enroll.Customer) (*enroll.Customer, error) {
	// The winner of a race to insert may be deleted before it is read
	// back: then the email is free again, and the insert is tried again.
	for range 3 {
		inserted, err := tx.insertCustomer(c)
		if err != nil {
			return nil, err
		}
		if inserted {
			return c, nil
		}
		won, err := findCustomerByEmail(tx.ctx, tx, c.WorkspaceID, c.Email, enrolledCustomerLock)
		if enroll.ErrorCode(err) != enroll.ENOTFOUND {
			return won, err
		}
	}
	return nil, enroll.Errorf(enroll.ECONFLICT, "The customer with email %s was created and deleted concurrently; retry.", c.Email)
}

// LockLead implements enroll.EnrollmentTx: FOR UPDATE, so two creates
// through one lead do not both turn it into a customer.
func (tx *tx) LockLead(wsID, id string) (*enroll.Lead, error) {
	return findLead(tx.ctx, tx, wsID, id, "FOR UPDATE")
}

// UpdateLead implements enroll.EnrollmentTx.
func (tx *tx) UpdateLead(l *enroll.Lead) error { return tx.writeLead(l, false) }

// FindEnrollment implements enroll.EnrollmentTx.
func (tx *tx) FindEnrollment(wsID, id string) (*enroll.Enrollment, error) {
	return findEnrollment(tx.ctx, tx, wsID, id, "")
}

// priorOf selects an enrollment of a participant in an instance, an open
// one first: one of its customer ($3), of its lead ($4), of a lead the
// customer was made from, from before it was, or one holding its email
// ($5, normalized). A NULL key selects none. Each arm probes the
// participant's index, which holds a handful of rows, rather than the
// instance's (TestImportLookupPlan).
const priorOf = `SELECT id FROM (
		SELECT id, status FROM enrollments WHERE workspace_id = $1 AND customer_id = $3 AND instance_id = $2
		UNION ALL SELECT id, status FROM enrollments WHERE workspace_id = $1 AND lead_id = $4 AND instance_id = $2
		UNION ALL SELECT e.id, e.status FROM leads l JOIN LATERAL (SELECT id, status FROM enrollments
				WHERE workspace_id = l.workspace_id AND lead_id = l.id AND instance_id = $2 OFFSET 0) e ON true
			WHERE l.workspace_id = $1 AND l.customer_id = $3
		UNION ALL SELECT id, status FROM enrollments WHERE workspace_id = $1 AND email_norm = $5 AND email_norm <> '' AND instance_id = $2) p
	ORDER BY status IN ('rejected', 'unenrolled') LIMIT 1`

// PriorEnrollment implements enroll.EnrollmentTx.
func (tx *tx) PriorEnrollment(e *enroll.Enrollment) (string, error) {
	var id string
	err := tx.QueryRow(tx.ctx, priorOf, e.WorkspaceID, e.ProgramInstanceID, nullString(e.CustomerID), nullString(e.LeadID),
		nullString(enroll.NormalizeEmail(e.Email))).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return id, wrap(err)
}

// sameProgramInstances selects the instances of the program of instance
// $1 of workspace $2, that one included: enrolledInOtherProgram asks about
// other programs, not other seasons of the same one. The instance is found
// by its primary key (workspace_id, id), not by reading every workspace's.
const sameProgramInstances = `SELECT s.id FROM program_instances s JOIN program_instances i
	ON s.workspace_id = i.workspace_id AND s.program_id = i.program_id WHERE i.workspace_id = $2 AND i.id = $1`

// enrolledElsewhere is EnrolledElsewhere's query: $1 the instance, $2 the
// workspace, $3 the customer, $4 the lead (or empty). A participant's
// enrollments are the customer's own, those of a lead it was made from
// that were enrolled before it was (customer_id NULL), or, for a lead
// that has not become a customer, the lead's (queryEnrolledElsewhere asks
// a bare lead's enrollment as the customer's the lead became, if it
// did): one person's, however it was
// enrolled, as the open enrollment a create refuses is (docs/api.md).
// Each arm probes its key's index (TestImportLookupPlan).
const enrolledElsewhere = `SELECT EXISTS (SELECT FROM enrollments WHERE workspace_id = $2 AND customer_id = $3
		AND instance_id NOT IN (` + sameProgramInstances + `) AND status IN ('approved', 'paused'))
	OR EXISTS (SELECT FROM (SELECT id FROM leads WHERE workspace_id = $2 AND customer_id = $3 OFFSET 0) l
		WHERE EXISTS (SELECT FROM (SELECT instance_id, status FROM enrollments WHERE workspace_id = $2 AND lead_id = l.id
				AND customer_id IS NULL OFFSET 0) e
			WHERE e.instance_id NOT IN (` + sameProgramInstances + `) AND e.status IN ('approved', 'paused')))
	OR EXISTS (SELECT FROM enrollments WHERE workspace_id = $2 AND lead_id = $4 AND customer_id IS NULL
		AND instance_id NOT IN (` + sameProgramInstances + `) AND status IN ('approved', 'paused'))`

// EnrolledElsewhere implements enroll.EnrollmentTx.
func (tx *tx) EnrolledElsewhere(e *enroll.Enrollment) (bool, error) {
	return queryEnrolledElsewhere(tx.ctx, tx, e)
}

// EnrolledElsewhere implements enroll.Store.
func (db *DB) EnrolledElsewhere(ctx context.Context, wsID string, e *enroll.Enrollment) (bool, error) {
	in := *e
	in.WorkspaceID = wsID
	return queryEnrolledElsewhere(ctx, db.pool, &in)
}

// queryEnrolledElsewhere runs enrolledElsewhere for e on q.
func queryEnrolledElsewhere(ctx context.Context, q querier, e *enroll.Enrollment) (bool, error) {
	if e.CustomerID == "" && e.LeadID == "" {
		return false, nil
	}
	// A bare lead's enrollment is the customer's the lead became since,
	// if it did: asked as that customer's, it sees the customer's own
	// enrollments (the lead's by leadId since among them) and the bare
	// ones of its leads, this lead's included.
	customer, lead := e.CustomerID, ""
	if customer == "" {
		var became *string
		err := q.QueryRow(ctx, `SELECT customer_id FROM leads WHERE workspace_id = $1 AND id = $2`, e.WorkspaceID, e.LeadID).Scan(&became)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return false, wrap(err)
		}
		// A lead's own enrollments count only when it has no customer:
		// one it became holds them through the leads arm.
		if became != nil {
			customer = *became
		} else {
			lead = e.LeadID
		}
	}
	var found bool
	err := q.QueryRow(ctx, enrolledElsewhere, e.ProgramInstanceID, e.WorkspaceID, customer, lead).Scan(&found)
	return found, wrap(err)
}

// CheckCapacity implements enroll.EnrollmentTx.
func (tx *tx) CheckCapacity(inst *enroll.ProgramInstance) error { return tx.checkCapacity(inst) }

// Count implements enroll.EnrollmentTx: the change is written with the
// transaction's others (flushCounts).
func (tx *tx) Count(e *enroll.Enrollment, s enroll.Status, delta int) error {
	tx.count(e, s, delta)
	return nil
}

// UpdateEnrollment implements enroll.EnrollmentTx.
func (tx *tx) UpdateEnrollment(old, e *enroll.Enrollment, doc []byte) error {
	return tx.updateEnrollmentRow(e, doc, old.Version)
}

// SyncUniqueValues implements enroll.EnrollmentTx.
func (tx *tx) SyncUniqueValues(old, e *enroll.Enrollment, inst *enroll.ProgramInstance) error {
	return tx.syncUniqueValues(old, e, inst)
}

// InsertStatusChange implements enroll.EnrollmentTx.
func (tx *tx) InsertStatusChange(wsID string, h *enroll.StatusChange) error {
	return tx.insertStatusChange(wsID, h)
}

// InsertEvent implements enroll.EnrollmentTx.
func (tx *tx) InsertEvent(ev *enroll.Event) error { return tx.insertEvent(ev) }
