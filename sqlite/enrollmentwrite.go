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

// PriorEnrollment implements enroll.EnrollmentTx.
func (tx *Tx) PriorEnrollment(e *enroll.Enrollment) (string, error) {
	// The customer's, then the lead's: a lead enrolled before it became
	// the customer was enrolled too.
	for _, by := range [...]struct{ col, val string }{{"customer_id", e.CustomerID}, {"lead_id", e.LeadID}} {
		if by.val == "" {
			continue
		}
		var id string
		err := tx.QueryRowContext(tx.ctx, `SELECT id FROM enrollments WHERE workspace_id = ? AND instance_id = ? AND `+by.col+` = ?
			ORDER BY status IN ('rejected', 'unenrolled') LIMIT 1`,
			e.WorkspaceID, e.ProgramInstanceID, by.val).Scan(&id)
		if !errors.Is(err, sql.ErrNoRows) {
			return id, err
		}
	}
	return "", nil
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
