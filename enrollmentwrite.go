package enroll

import (
	"cmp"
	"context"
	"time"
)

// EnrollmentTx is a store's write transaction as the enrollment write
// paths see it: reads that see the transaction's own writes, and writes
// into it. Each store implements it on its transaction, in its SQL; the
// paths themselves (CreateEnrollmentIn, UpdateEnrollmentIn,
// EvaluateEnrollmentIn) are written once, here, so that every store
// enrolls, changes and evaluates alike.
type EnrollmentTx interface {
	// Context is the context of the call the transaction serves.
	Context() context.Context
	// Now is the transaction's time, which every row it writes carries.
	Now() time.Time
	// Rules is the engine that evaluates eligibility rules.
	Rules() RuleEngine

	// FindCustomer returns a customer. Returns ENOTFOUND.
	FindCustomer(wsID, id string) (*Customer, error)
	// FindCustomerByEmail returns the customer with an email (compared
	// normalized). Returns ENOTFOUND.
	FindCustomerByEmail(wsID, email string) (*Customer, error)
	// AddCustomer stores c, a new customer, and returns it; or, when a
	// concurrent transaction stored a customer with c's email first, that
	// customer, so that concurrent creates for one new email agree on one.
	// Returns ECONFLICT when another customer holds c's email otherwise.
	AddCustomer(c *Customer) (*Customer, error)
	// LockLead returns a lead, locked against other writers until the
	// transaction ends: a create may turn the lead into a customer.
	// Returns ENOTFOUND.
	LockLead(wsID, id string) (*Lead, error)
	// UpdateLead stores a changed lead. Returns ENOTFOUND.
	UpdateLead(l *Lead) error
	// FindEnrollment returns an enrollment. Returns ENOTFOUND.
	FindEnrollment(wsID, id string) (*Enrollment, error)
	// PriorEnrollment returns the id of an enrollment, in any status but
	// an open one first, of e's participant in e's instance: its
	// customer's, its lead's, one of a lead the customer was made from
	// (leads.customer_id) from before it was, or one with e's email
	// (compared normalized); or "" when there is none.
	PriorEnrollment(e *Enrollment) (string, error)
	// EnrolledElsewhere reports whether e's participant holds an approved
	// or paused enrollment in an instance of another program, as
	// Store.EnrolledElsewhere does.
	EnrolledElsewhere(e *Enrollment) (bool, error)

	// InsertCreation stores a planned creation: the enrollment, its unique
	// parameter values, its counter, history and events. Returns ECONFLICT
	// (OpenEnrollmentConflict) when the participant holds an open
	// enrollment in the instance: one of its customer, of its lead, of a
	// lead the customer was made from, enrolled before it was (no customer
	// on the enrollment), or one holding e's email (compared normalized),
	// whoever it names, as an import skips a row whose email one holds;
	// the last two no unique index can hold, and the store checks them,
	// exactly under concurrent creates and imports too. Returns ECONFLICT
	// too when another enrollment holds a unique value, and ENOTFOUND when
	// the participant or the instance is gone.
	InsertCreation(inst *ProgramInstance, c *EnrollmentCreation) error
	// CheckCapacity returns ECONFLICT when an approval that Count has
	// already counted takes inst past its capacity (the rollback undoes the
	// count). Counting first lets a store whose writers run concurrently
	// serialize approvals on the counter's row.
	CheckCapacity(inst *ProgramInstance) error
	// Count adds delta to the counter of status s in e's instance.
	Count(e *Enrollment, s Status, delta int) error
	// HoldEmail returns ECONFLICT (OpenEnrollmentConflict) when another
	// open enrollment of e's instance holds e's email (compared
	// normalized), or nil: an update that gives an open enrollment an
	// email asks it before it writes anything, as a create's insert
	// checks the email. A store whose writers run concurrently takes the
	// email's lock in the instance first, as creates and imports do, and
	// holds it until the transaction ends, so that of an update and a
	// create (or import row, or another update) of one email the second
	// sees the first.
	HoldEmail(e *Enrollment) error
	// UpdateEnrollment stores e, changed from old, the stored state it was
	// read at (a store may write only what differs); doc is
	// json.Marshal(e), which its events share. Returns ECONFLICT when the
	// stored enrollment is no longer at old's version, or when the change
	// makes it a second open enrollment of its participant in the
	// instance.
	UpdateEnrollment(old, e *Enrollment, doc []byte) error
	// SyncUniqueValues makes the unique parameter values e, changed from
	// old, holds in inst its current ones (UniqueValuesSince): those it
	// dropped are freed, and those it sets anew registered. Returns
	// ECONFLICT when another open enrollment of the instance holds one of
	// those; a value old held is kept without that check.
	SyncUniqueValues(old, e *Enrollment, inst *ProgramInstance) error
	// InsertStatusChange appends h to the history of its enrollment, of
	// workspace wsID.
	InsertStatusChange(wsID string, h *StatusChange) error
	// InsertEvent stores an event.
	InsertEvent(ev *Event) error
}

// CreateEnrollmentIn is the one path that enrolls a participant, for the
// stores' CreateEnrollment and for the import rows they do not plan in
// bulk: it resolves (or creates) the participant, works out the whole
// creation — the evaluation when the instance auto-evaluates or a
// submission is asked for, and every step's history entry and event
// (PlanEnrollmentCreation) — then stores the enrollment once, in its final
// state, with its history, events, counters and unique parameter values.
// in is validated and inst accepts enrollments. Returns the errors of
// Store.CreateEnrollment.
func CreateEnrollmentIn(tx EnrollmentTx, a Actor, inst *ProgramInstance, in *EnrollmentCreate) (*Enrollment, error) {
	p, cust, err := participantIn(tx, a, in)
	if err != nil {
		return nil, err
	}
	e, err := NewEnrollment(a.WorkspaceID, in, inst, p, tx.Now())
	if err != nil {
		return nil, err
	}
	if in.Reenroll != nil && !*in.Reenroll {
		if err := refuseReenrollment(tx, e); err != nil {
			return nil, err
		}
	}
	c, err := PlanEnrollmentCreation(a, e, inst, in, func(e *Enrollment) (*Evaluation, error) {
		return evaluationIn(tx, e, inst, cust)
	}, tx.Now())
	if err != nil {
		return nil, err
	}
	if err := tx.InsertCreation(inst, c); err != nil {
		return nil, err
	}
	return c.Enrollment, nil
}

// participantIn resolves the identification type of a create request into
// participant data, creating the customer for customerInfo (or for a lead
// with enough data) when none has the email. It also returns the
// participant's customer when it has it at hand, for the rules.
func participantIn(tx EnrollmentTx, a Actor, in *EnrollmentCreate) (Participant, *Customer, error) {
	var p Participant
	switch in.IdentificationType {
	case IdentifyByCustomerInfo:
		return customerFor(tx, a, Participant{}.Overlay(in), in)
	case IdentifyByCustomerID:
		c, err := tx.FindCustomer(a.WorkspaceID, in.CustomerID)
		if err != nil {
			return p, nil, err
		}
		// Names and email come from the customer (SPEC §4): an enrollment
		// carries its customer's, which duplicate checks and the email
		// filter rely on. Phone and address may be the enrollment's own.
		p = ParticipantFromCustomer(c).Overlay(in)
		p.FirstName, p.LastName, p.Email = c.FirstName, c.LastName, c.Email
		return p, c, nil
	case IdentifyByLeadID:
		l, err := tx.LockLead(a.WorkspaceID, in.LeadID)
		if err != nil {
			return p, nil, err
		}
		p = ParticipantFromLead(l).Overlay(in)
		if p.CustomerID != "" {
			// A lead that became a customer is enrolled as that customer,
			// as a re-enrollment is: names and email are the customer's
			// now, not the lead's as it was nor the request's, which
			// could name another customer's email and lock them out.
			c, err := tx.FindCustomer(a.WorkspaceID, p.CustomerID)
			if err != nil {
				return p, nil, err
			}
			p.FirstName, p.LastName, p.Email, p.storedEmail = c.FirstName, c.LastName, c.Email, c.Email
			return p, c, nil
		}
		if p.Email == "" {
			return p, nil, nil
		}
		// A lead becomes the customer with its email, as customerInfo
		// finds one; names are needed only to make one. A lead without
		// them and without such a customer is enrolled as the lead.
		var c *Customer
		if p.CanBeCustomer() {
			p, c, err = customerFor(tx, a, p, in)
		} else if c, err = tx.FindCustomerByEmail(a.WorkspaceID, p.Email); ErrorCode(err) == ENOTFOUND {
			return p, nil, nil
		} else if err == nil {
			// Enrolled as that customer: the names the lead lacks are
			// the customer's, as on its later enrollments; its email
			// stays as the lead spells it, as customerInfo's does.
			p.CustomerID = c.ID
			p.FirstName, p.LastName = cmp.Or(p.FirstName, c.FirstName), cmp.Or(p.LastName, c.LastName)
		}
		if err != nil {
			return p, nil, err
		}
		l.CustomerID, l.UpdatedAt = p.CustomerID, tx.Now()
		return p, c, tx.UpdateLead(l)
	case IdentifyByEnrollmentID:
		from, err := tx.FindEnrollment(a.WorkspaceID, in.EnrollmentID)
		if err != nil {
			return p, nil, err
		}
		return reenrolledParticipant(tx, a, from, in)
	}
	return p, nil, Errorf(EINVALID, "Unknown identificationType %q.", in.IdentificationType)
}

// reenrolledParticipant resolves the participant of from as it is now: a
// lead enrolled before it became a customer is that customer, so that the
// open-enrollment indexes see both ids. When the participant is a
// customer, names and email come from it, as with customerId, whatever
// from or the request says.
func reenrolledParticipant(tx EnrollmentTx, a Actor, from *Enrollment, in *EnrollmentCreate) (Participant, *Customer, error) {
	p := ParticipantFromEnrollment(from).Overlay(in)
	if p.CustomerID == "" && p.LeadID != "" {
		// Locked, as the leadId path locks it, so that a concurrent
		// conversion is seen.
		l, err := tx.LockLead(a.WorkspaceID, p.LeadID)
		if err != nil {
			return p, nil, err
		}
		p.CustomerID = l.CustomerID
	}
	if p.CustomerID == "" {
		return p, nil, nil
	}
	c, err := tx.FindCustomer(a.WorkspaceID, p.CustomerID)
	if err != nil {
		return p, nil, err
	}
	p.FirstName, p.LastName, p.Email, p.storedEmail = c.FirstName, c.LastName, c.Email, c.Email
	return p, c, nil
}

// customerFor returns p bound to the customer with p's email, creating the
// customer when there is none, and the customer.
func customerFor(tx EnrollmentTx, a Actor, p Participant, in *EnrollmentCreate) (Participant, *Customer, error) {
	c, err := tx.FindCustomerByEmail(a.WorkspaceID, p.Email)
	if ErrorCode(err) == ENOTFOUND {
		c = p.NewCustomer(a.WorkspaceID, tx.Now())
		c.ReferenceID = in.ReferenceID
		// A lead's email as stored makes its customer (checkEmail).
		if err := c.validate(p.storedEmail); err != nil {
			return p, nil, err
		}
		c, err = tx.AddCustomer(c)
	}
	if err != nil {
		return p, nil, err
	}
	p.CustomerID = c.ID
	return p, c, nil
}

// refuseReenrollment returns ECONFLICT when e's participant was ever
// enrolled in e's instance (reenroll: false).
func refuseReenrollment(tx EnrollmentTx, e *Enrollment) error {
	id, err := tx.PriorEnrollment(e)
	if err != nil || id == "" {
		return err
	}
	return &Error{Code: ECONFLICT, Message: "The participant has an enrollment in this instance already (" + id + ") and reenroll is false.",
		Extra: map[string]any{"existingId": id}}
}

// OpenEnrollmentConflict is the ECONFLICT of a participant who already
// holds an open enrollment, id, in e's instance.
func OpenEnrollmentConflict(e *Enrollment, id string) error {
	return &Error{Code: ECONFLICT,
		Message: "The participant already has an open enrollment (" + id + ") in program instance " + e.ProgramInstanceID + ".",
		Extra:   map[string]any{"existingId": id}}
}

// UpdateEnrollmentIn is the one path that changes a stored enrollment: fn
// changes a copy of old, PrepareEnrollmentUpdate checks and completes the
// change, and the row, counters, history and events are written together.
// old must be the enrollment's current state in tx (a store that runs
// writers concurrently holds its row lock), so the transition check
// cannot be raced. ev is the evaluation that caused the change, if any.
// Returns the errors of Store.UpdateEnrollment.
func UpdateEnrollmentIn(tx EnrollmentTx, a Actor, old *Enrollment, inst *ProgramInstance, ev *Evaluation, fn func(*Enrollment) error) (*Enrollment, error) {
	// The enrollment is encoded once before and once after the change:
	// the diff, the row and the events share those.
	e, oldJSON := old.cloneJSON()
	if err := fn(e); err != nil {
		return nil, err
	}
	ch, doc, err := prepareEnrollmentUpdate(old, e, inst, tx.Now(), oldJSON)
	if err != nil {
		return nil, err
	}
	if !ch.Changed {
		return old, nil
	}
	// Before the counts, whose rows a store may lock (CheckCapacity): a
	// create holding the email locks them as it commits.
	if e.takesEmail(old) {
		if err := tx.HoldEmail(e); err != nil {
			return nil, err
		}
	}
	if doc == nil {
		if doc, err = e.JSON(); err != nil {
			return nil, err
		}
	}
	if ch.StatusChanged() {
		if err := tx.Count(e, ch.From, -1); err != nil {
			return nil, err
		}
		if err := tx.Count(e, ch.To, 1); err != nil {
			return nil, err
		}
		// Resuming a paused enrollment keeps its place; any other approval
		// takes one.
		if ch.To == StatusApproved && ch.From != StatusPaused {
			if err := tx.CheckCapacity(inst); err != nil {
				return nil, err
			}
		}
	}
	if err := tx.UpdateEnrollment(old, e, doc); err != nil {
		return nil, err
	}
	if err := tx.SyncUniqueValues(old, e, inst); err != nil {
		return nil, err
	}
	if ch.StatusChanged() {
		if err := tx.InsertStatusChange(e.WorkspaceID, NewStatusChange(a, e, ch.From, ev, tx.Now())); err != nil {
			return nil, err
		}
		prev := map[string]any{"eligibility": ch.Previous["eligibility"]}
		if err := tx.InsertEvent(newEventJSON(a, EventEnrollmentStatusChanged, e, doc, prev, tx.Now())); err != nil {
			return nil, err
		}
	}
	if err := tx.InsertEvent(newEventJSON(a, EventEnrollmentUpdated, e, doc, ch.Previous, tx.Now())); err != nil {
		return nil, err
	}
	if ch.To == StatusSubmitted && len(e.ParameterProblems()) > 0 && (ch.StatusChanged() || e.gainedProblems(old)) {
		// A submission missing parameters goes back to the participant,
		// as does one a change has taken a required value from.
		return UpdateEnrollmentIn(tx, a, e, inst, nil, func(n *Enrollment) error { n.NeedsAction(); return nil })
	}
	return e, nil
}

// takesEmail reports whether e, changed from old, holds an email in its
// instance that old did not: e is open, and its email is another than
// old's (a change of case is none: emails compare normalized) or old was
// closed, holding none (no transition reopens one today).
func (e *Enrollment) takesEmail(old *Enrollment) bool {
	email := NormalizeEmail(e.Email)
	return email != "" && e.Eligibility.Status.Open() &&
		(email != NormalizeEmail(old.Email) || !old.Eligibility.Status.Open())
}

// EvaluateEnrollmentIn runs inst's rules on e, the enrollment's current
// state in tx, after check, and applies the result as UpdateEnrollmentIn
// does. Returns the errors of Store.EvaluateEnrollment: ECONFLICT for an
// enrollment past eligibility.
func EvaluateEnrollmentIn(tx EnrollmentTx, a Actor, e *Enrollment, inst *ProgramInstance, check func(*Enrollment) error) (*Enrollment, error) {
	if check != nil {
		if err := check(e); err != nil {
			return nil, err
		}
	}
	if !Evaluable(e.Eligibility.Status) {
		return nil, ApplyEvaluation(e.Clone(), &Evaluation{})
	}
	ev, err := evaluationIn(tx, e, inst, nil)
	if err != nil {
		return nil, err
	}
	ev.EvaluatedAt = tx.Now() // the store's time, which the change carries
	return UpdateEnrollmentIn(tx, a, e, inst, ev, func(n *Enrollment) error { return ApplyEvaluation(n, ev) })
}

// evaluationIn runs inst's rules on e. cust is e's customer, or nil to
// have it read.
func evaluationIn(tx EnrollmentTx, e *Enrollment, inst *ProgramInstance, cust *Customer) (*Evaluation, error) {
	if cust == nil && e.CustomerID != "" {
		c, err := tx.FindCustomer(e.WorkspaceID, e.CustomerID)
		if err != nil {
			return nil, err
		}
		cust = c
	}
	return tx.Rules().Evaluate(tx.Context(), EvaluationInput{
		Enrollment: e, Customer: cust, Instance: inst,
		EnrolledInOtherProgram: func() (bool, error) { return tx.EnrolledElsewhere(e) },
	})
}
