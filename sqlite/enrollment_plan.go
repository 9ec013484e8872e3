package sqlite

import (
	"context"

	"github.com/enrollhq/enroll"
)

// A customerInfo create is planned before the writer's turn, on a reader:
// the instance and the customer are read and decoded, the rules run, and
// the enrollment's document, history and events are encoded there
// (enroll.CreationDocs), on whichever CPU is free, instead of inside the
// one writer that every write waits for. The write transaction then reads
// the instance's and the customer's documents again and uses the plan only
// when they are the same bytes (and the rules' enrolledInOtherProgram()
// answer, if asked, is the same); otherwise it creates the enrollment as
// if nothing had been planned. Either way the outcome is the one the
// transaction alone would give. Timestamps are the plan's, a few
// milliseconds before the commit, as with an import batch planned ahead.

// createPlan is a create planned before its write (planCreate).
type createPlan struct {
	instDoc string
	inst    *enroll.ProgramInstance // shared (instanceCache): read only
	// custDoc is the document of the customer with the request's email as
	// read, or "" when there was none; newCust is then the customer to
	// insert, and newCustDoc its document.
	custDoc    string
	newCust    *enroll.Customer
	newCustDoc string
	// elsewhere is the rules' enrolledInOtherProgram() answer, when they
	// asked for it.
	asked, elsewhere bool
	creation         *enroll.EnrollmentCreation
}

// planCreate plans the create of in (validated) in instance instanceID,
// or returns nil when the request is not of the planned kind or planning
// meets any error: the write path then does all the work, and reports
// the error if it is still there.
func (db *DB) planCreate(ctx context.Context, a enroll.Actor, instanceID string, in *enroll.EnrollmentCreate) *createPlan {
	if in.IdentificationType != enroll.IdentifyByCustomerInfo || in.Reenroll != nil && !*in.Reenroll {
		// A reenroll: false request looks at the participant's whole
		// history; it is rare enough to run in the writer.
		return nil
	}
	// The reads need not share a snapshot: the writer checks each of
	// them on its own.
	rdb := db.r
	p := &createPlan{}
	var err error
	if p.instDoc, err = instanceDoc(ctx, rdb, a.WorkspaceID, instanceID); err != nil {
		return nil
	}
	if p.inst, err = db.instances.decode(a.WorkspaceID, instanceID, p.instDoc); err != nil || p.inst.AcceptsEnrollments() != nil {
		return nil
	}
	now := db.clock.Now()
	part := enroll.Participant{}.Overlay(in)
	var cust *enroll.Customer
	p.custDoc, err = customerDocByEmail(ctx, rdb, a.WorkspaceID, part.Email)
	switch {
	case err != nil:
		return nil
	case p.custDoc == "":
		cust = part.NewCustomer(a.WorkspaceID, now)
		cust.ReferenceID = in.ReferenceID
		if cust.Validate() != nil {
			return nil
		}
		if p.newCustDoc, err = encode(cust); err != nil {
			return nil
		}
		p.newCust = cust
	default:
		if cust, err = decode[enroll.Customer](p.custDoc); err != nil {
			return nil
		}
		cust.WorkspaceID = a.WorkspaceID
	}
	part.CustomerID = cust.ID
	e, err := enroll.NewEnrollment(a.WorkspaceID, in, p.inst, part, now)
	if err != nil {
		return nil
	}
	p.creation, err = enroll.PlanEnrollmentCreation(a, e, p.inst, in, func(e *enroll.Enrollment) (*enroll.Evaluation, error) {
		return db.engine.Evaluate(ctx, enroll.EvaluationInput{Enrollment: e, Customer: cust, Instance: p.inst,
			EnrolledInOtherProgram: func() (bool, error) {
				elsewhere, err := enrolledElsewhere(ctx, rdb, e)
				p.asked, p.elsewhere = true, elsewhere
				return elsewhere, err
			}})
	}, now)
	if err != nil || p.creation.EncodeDocs() != nil {
		return nil
	}
	return p
}

// createPlanned writes p if what it was planned from still holds in tx,
// and reports whether it did. Its errors are those of the create path.
func (tx *Tx) createPlanned(a enroll.Actor, p *createPlan) (bool, error) {
	e := p.creation.Enrollment
	instDoc, err := instanceDoc(tx.ctx, tx, a.WorkspaceID, p.inst.ID)
	if enroll.ErrorCode(err) == enroll.ENOTFOUND || err == nil && instDoc != p.instDoc {
		return false, nil
	} else if err != nil {
		return false, err
	}
	custDoc, err := customerDocByEmail(tx.ctx, tx, a.WorkspaceID, e.Email)
	if err != nil || custDoc != p.custDoc {
		return false, err
	}
	if p.asked {
		elsewhere, err := enrolledElsewhere(tx.ctx, tx, e)
		if err != nil || elsewhere != p.elsewhere {
			return false, err
		}
	}
	tx.db.plannedCreates.Add(1)
	// The call's writes carry the plan's time, as if it had run then; the
	// idempotency claim finds the enrollment by it (commitClaim).
	tx.now = e.CreatedAt
	if p.newCust != nil {
		if err := tx.insertCustomerDoc(p.newCust, p.newCustDoc); err != nil {
			return false, err
		}
	}
	return true, tx.InsertCreation(p.inst, p.creation)
}
