package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/enrollhq/enroll"
)

// Tx is an enroll.EnrollmentTx: the enrollment write paths run on it.
var _ enroll.EnrollmentTx = (*Tx)(nil)

// Context implements enroll.EnrollmentTx.
func (tx *Tx) Context() context.Context { return tx.ctx }

// Now implements enroll.EnrollmentTx.
func (tx *Tx) Now() time.Time { return tx.now }

// Rules implements enroll.EnrollmentTx.
func (tx *Tx) Rules() enroll.RuleEngine { return tx.db.engine }

// FindCustomer implements enroll.EnrollmentTx.
func (tx *Tx) FindCustomer(wsID, id string) (*enroll.Customer, error) {
	return findCustomer(tx.ctx, tx, wsID, id)
}

// FindCustomerByEmail implements enroll.EnrollmentTx.
func (tx *Tx) FindCustomerByEmail(wsID, email string) (*enroll.Customer, error) {
	return findCustomerByEmail(tx.ctx, tx, wsID, email)
}

// AddCustomer implements enroll.EnrollmentTx. Writes are serial here: no
// other transaction can store the same email meanwhile.
func (tx *Tx) AddCustomer(c *enroll.Customer) (*enroll.Customer, error) {
	if err := tx.writeCustomer(c, true); err != nil {
		return nil, err
	}
	return c, nil
}

// LockLead implements enroll.EnrollmentTx: the write transaction is the
// only one, so reading the lead is enough.
func (tx *Tx) LockLead(wsID, id string) (*enroll.Lead, error) {
	return findLead(tx.ctx, tx, wsID, id)
}

// UpdateLead implements enroll.EnrollmentTx.
func (tx *Tx) UpdateLead(l *enroll.Lead) error { return tx.writeLead(l, false) }

// FindEnrollment implements enroll.EnrollmentTx.
func (tx *Tx) FindEnrollment(wsID, id string) (*enroll.Enrollment, error) {
	return findEnrollment(tx.ctx, tx, wsID, id)
}

// priorOf selects an enrollment of a participant in an instance, an open
// one first: one of its customer (?3), of its lead (?4), of a lead the
// customer was made from, from before it was, or one holding its email
// (?5, normalized). A NULL key selects none. Each arm reads the
// participant's index, which holds a handful of rows, not the instance's
// (+instance_id; CROSS JOIN keeps the leads outer).
const priorOf = `SELECT id FROM (
		SELECT id, status FROM enrollments WHERE workspace_id = ?1 AND customer_id = ?3 AND +instance_id = ?2
		UNION ALL SELECT id, status FROM enrollments WHERE workspace_id = ?1 AND lead_id = ?4 AND +instance_id = ?2
		UNION ALL SELECT e.id, e.status FROM leads l CROSS JOIN enrollments e ON e.workspace_id = l.workspace_id AND e.lead_id = l.id
			WHERE l.workspace_id = ?1 AND l.customer_id = ?3 AND +e.instance_id = ?2
		UNION ALL SELECT id, status FROM enrollments WHERE workspace_id = ?1 AND email_norm = ?5 AND email_norm <> '' AND +instance_id = ?2)
	ORDER BY status IN ('rejected', 'unenrolled') LIMIT 1`

// PriorEnrollment implements enroll.EnrollmentTx.
func (tx *Tx) PriorEnrollment(e *enroll.Enrollment) (string, error) {
	var id string
	err := tx.QueryRowContext(tx.ctx, priorOf, e.WorkspaceID, e.ProgramInstanceID, nullString(e.CustomerID), nullString(e.LeadID),
		nullString(enroll.NormalizeEmail(e.Email))).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// EnrolledElsewhere implements enroll.EnrollmentTx.
func (tx *Tx) EnrolledElsewhere(e *enroll.Enrollment) (bool, error) {
	return enrolledElsewhere(tx.ctx, tx, e)
}

// CheckCapacity implements enroll.EnrollmentTx.
func (tx *Tx) CheckCapacity(inst *enroll.ProgramInstance) error { return tx.checkCapacity(inst) }

// Count implements enroll.EnrollmentTx.
func (tx *Tx) Count(e *enroll.Enrollment, s enroll.Status, delta int) error {
	return tx.count(e, s, delta)
}

// UpdateEnrollment implements enroll.EnrollmentTx.
func (tx *Tx) UpdateEnrollment(old, e *enroll.Enrollment, doc []byte) error {
	return tx.updateEnrollmentDoc(old, e, string(doc))
}

// SyncUniqueValues implements enroll.EnrollmentTx.
func (tx *Tx) SyncUniqueValues(old, e *enroll.Enrollment, inst *enroll.ProgramInstance) error {
	return tx.syncUniqueValues(old, e, inst)
}

// InsertStatusChange implements enroll.EnrollmentTx.
func (tx *Tx) InsertStatusChange(wsID string, h *enroll.StatusChange) error {
	return tx.insertStatusChanges(wsID, []*enroll.StatusChange{h}, nil)
}

// InsertEvent implements enroll.EnrollmentTx.
func (tx *Tx) InsertEvent(ev *enroll.Event) error { return tx.insertEvent(ev) }
