package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/enrollhq/enroll"
)

func (tx *Tx) writeEnrollment(e *enroll.Enrollment, insert bool, oldVersion int) error {
	doc, err := encode(e)
	if err != nil {
		return err
	}
	return tx.writeEnrollmentDoc(e, doc, insert, oldVersion)
}

// writeEnrollmentDoc is writeEnrollment with e's JSON form, doc, at hand.
func (tx *Tx) writeEnrollmentDoc(e *enroll.Enrollment, doc string, insert bool, oldVersion int) error {
	var err error
	cols := []any{nullString(e.CustomerID), nullString(e.LeadID), string(e.Eligibility.Status),
		enroll.NormalizeEmail(e.Email), e.ReferenceID, strings.ToLower(e.FirstName), strings.ToLower(e.LastName),
		doc, e.Version, micros(e.UpdatedAt)}
	if insert {
		_, err = tx.exec(`INSERT INTO enrollments (customer_id, lead_id, status, email_norm, reference_id, first_name, last_name, doc, version, updated_at, id, workspace_id, instance_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			append(cols, e.ID, e.WorkspaceID, e.ProgramInstanceID, micros(e.CreatedAt))...)
	} else {
		var res sql.Result
		res, err = tx.exec(`UPDATE enrollments SET customer_id = ?, lead_id = ?, status = ?, email_norm = ?, reference_id = ?, first_name = ?, last_name = ?, doc = ?, version = ?, updated_at = ?
			WHERE workspace_id = ? AND id = ? AND version = ?`, append(cols, e.WorkspaceID, e.ID, oldVersion)...)
		if err == nil {
			if n, _ := res.RowsAffected(); n == 0 {
				return enroll.Errorf(enroll.ECONFLICT, "Enrollment %s was changed concurrently; retry.", e.ID)
			}
		}
	}
	if c := constraint(err); c != "" && c != "enrollments.id" {
		// The only other unique constraints are the open-enrollment indexes.
		return tx.duplicateEnrollment(e)
	}
	return err
}

// duplicateEnrollment returns the ECONFLICT for a participant who already
// holds an open enrollment in e's instance, naming that enrollment.
func (tx *Tx) duplicateEnrollment(e *enroll.Enrollment) error {
	col, val := "customer_id", e.CustomerID
	if val == "" {
		col, val = "lead_id", e.LeadID
	}
	var id string
	err := tx.QueryRowContext(tx.ctx, `SELECT id FROM enrollments WHERE workspace_id = ? AND instance_id = ? AND `+col+` = ?
		AND status NOT IN ('rejected', 'unenrolled') AND id <> ? LIMIT 1`, e.WorkspaceID, e.ProgramInstanceID, val, e.ID).Scan(&id)
	if err != nil {
		return err
	}
	return &enroll.Error{Code: enroll.ECONFLICT,
		Message: "The participant already has an open enrollment (" + id + ") in program instance " + e.ProgramInstanceID + ".",
		Extra:   map[string]any{"existingId": id}}
}

// CreateEnrollment implements enroll.Store.
func (db *DB) CreateEnrollment(ctx context.Context, a enroll.Actor, instanceID string, in *enroll.EnrollmentCreate) (*enroll.Enrollment, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	plan := db.planCreate(ctx, a, instanceID, in)
	if hook := db.afterPlan; hook != nil {
		db.afterPlan = nil
		hook()
	}
	var out *enroll.Enrollment
	err := db.write(ctx, func(tx *Tx) error {
		if plan != nil {
			if done, err := tx.createPlanned(a, plan); err != nil {
				return err
			} else if done {
				out = plan.creation.Enrollment
				return nil
			}
		}
		inst, err := findInstance(ctx, tx, a.WorkspaceID, instanceID)
		if err != nil {
			return err
		}
		if err := inst.AcceptsEnrollments(); err != nil {
			return err
		}
		out, err = tx.createEnrollment(a, inst, in)
		return err
	})
	return out, err
}

// createEnrollment is the one path that enrolls a participant, for
// CreateEnrollment and for the import rows ImportPlanner does not plan: it
// resolves (or creates) the participant, works out the whole creation —
// the evaluation when the instance auto-evaluates or a submission is asked
// for, and every step's history entry and event (PlanEnrollmentCreation) —
// then stores the enrollment once, in its final state, with its history,
// events, counters and unique parameter values. in is validated and inst
// accepts enrollments.
func (tx *Tx) createEnrollment(a enroll.Actor, inst *enroll.ProgramInstance, in *enroll.EnrollmentCreate) (*enroll.Enrollment, error) {
	p, cust, err := tx.participant(a, in)
	if err != nil {
		return nil, err
	}
	e, err := enroll.NewEnrollment(a.WorkspaceID, in, inst, p, tx.now)
	if err != nil {
		return nil, err
	}
	if in.Reenroll != nil && !*in.Reenroll {
		if err := tx.refuseReenrollment(e); err != nil {
			return nil, err
		}
	}
	c, err := enroll.PlanEnrollmentCreation(a, e, inst, in, func(e *enroll.Enrollment) (*enroll.Evaluation, error) {
		return tx.evaluation(e, inst, cust)
	}, tx.now)
	if err != nil {
		return nil, err
	}
	if err := tx.insertCreation(a, inst, c); err != nil {
		return nil, err
	}
	return c.Enrollment, nil
}

// insertCreation stores a planned creation: the enrollment (ECONFLICT when
// its participant holds an open enrollment in the instance), its unique
// parameter values (ECONFLICT when another enrollment holds one), its
// counter, history and events.
func (tx *Tx) insertCreation(a enroll.Actor, inst *enroll.ProgramInstance, c *enroll.EnrollmentCreation) error {
	e := c.Enrollment
	if err := tx.writeEnrollmentDoc(e, string(c.Doc), true, 0); err != nil {
		return err
	}
	if err := tx.syncUniqueValues(e, inst); err != nil {
		return err
	}
	if err := tx.count(e, e.Eligibility.Status, 1); err != nil {
		return err
	}
	if err := tx.insertStatusChanges(a.WorkspaceID, c.History, c.Docs.HistoryDocs()); err != nil {
		return err
	}
	return tx.insertEvents(c.Events, c.Docs.EventDocs())
}

// participant resolves the identification type of a create request into
// participant data, creating the customer for customerInfo (or for a lead
// with enough data) when none has the email. It also returns the
// participant's customer when it has it at hand, for the rules.
func (tx *Tx) participant(a enroll.Actor, in *enroll.EnrollmentCreate) (enroll.Participant, *enroll.Customer, error) {
	var p enroll.Participant
	switch in.IdentificationType {
	case enroll.IdentifyByCustomerInfo:
		p = enroll.Participant{}.Overlay(in)
		return tx.customerFor(a, p, in)
	case enroll.IdentifyByCustomerID:
		c, err := findCustomer(tx.ctx, tx, a.WorkspaceID, in.CustomerID)
		if err != nil {
			return p, nil, err
		}
		return enroll.ParticipantFromCustomer(c).Overlay(in), c, nil
	case enroll.IdentifyByLeadID:
		l, err := findLead(tx.ctx, tx, a.WorkspaceID, in.LeadID)
		if err != nil {
			return p, nil, err
		}
		p = enroll.ParticipantFromLead(l).Overlay(in)
		if p.CustomerID != "" || !p.CanBeCustomer() {
			return p, nil, nil
		}
		p, c, err := tx.customerFor(a, p, in)
		if err != nil {
			return p, nil, err
		}
		l.CustomerID, l.UpdatedAt = p.CustomerID, tx.now
		return p, c, tx.writeLead(l, false)
	case enroll.IdentifyByEnrollmentID:
		from, err := findEnrollment(tx.ctx, tx, a.WorkspaceID, in.EnrollmentID)
		if err != nil {
			return p, nil, err
		}
		return enroll.ParticipantFromEnrollment(from).Overlay(in), nil, nil
	}
	return p, nil, enroll.Errorf(enroll.EINVALID, "Unknown identificationType %q.", in.IdentificationType)
}

// customerFor returns p bound to the customer with p's email, creating the
// customer when there is none, and the customer.
func (tx *Tx) customerFor(a enroll.Actor, p enroll.Participant, in *enroll.EnrollmentCreate) (enroll.Participant, *enroll.Customer, error) {
	c, err := findCustomerByEmail(tx.ctx, tx, a.WorkspaceID, p.Email)
	if enroll.ErrorCode(err) == enroll.ENOTFOUND {
		c = p.NewCustomer(a.WorkspaceID, tx.now)
		c.ReferenceID = in.ReferenceID
		if err := c.Validate(); err != nil {
			return p, nil, err
		}
		err = tx.writeCustomer(c, true)
	}
	if err != nil {
		return p, nil, err
	}
	p.CustomerID = c.ID
	return p, c, nil
}

// refuseReenrollment returns ECONFLICT when e's participant was ever
// enrolled in e's instance (reenroll: false).
func (tx *Tx) refuseReenrollment(e *enroll.Enrollment) error {
	col, val := "customer_id", e.CustomerID
	if val == "" {
		col, val = "lead_id", e.LeadID
	}
	var id string
	err := tx.QueryRowContext(tx.ctx, `SELECT id FROM enrollments WHERE workspace_id = ? AND instance_id = ? AND `+col+` = ? LIMIT 1`,
		e.WorkspaceID, e.ProgramInstanceID, val).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	return &enroll.Error{Code: enroll.ECONFLICT, Message: "The participant was enrolled in this instance before (" + id + ") and reenroll is false.",
		Extra: map[string]any{"existingId": id}}
}

// updateEnrollment is the one path that changes a stored enrollment: fn
// changes a copy of old, enroll.PrepareEnrollmentUpdate checks and completes
// the change, and the row, counters, history and events are written
// together. ev is the evaluation that caused the change, if any.
func (tx *Tx) updateEnrollment(a enroll.Actor, old *enroll.Enrollment, inst *enroll.ProgramInstance, ev *enroll.Evaluation, fn func(*enroll.Enrollment) error) (*enroll.Enrollment, error) {
	e := old.Clone()
	if err := fn(e); err != nil {
		return nil, err
	}
	ch, err := enroll.PrepareEnrollmentUpdate(old, e, inst, tx.now)
	if err != nil {
		return nil, err
	}
	if !ch.Changed {
		return old, nil
	}
	if ch.StatusChanged() {
		if ch.To == enroll.StatusApproved && ch.From != enroll.StatusPaused {
			if err := tx.checkCapacity(inst); err != nil {
				return nil, err
			}
		}
		if err := tx.count(e, ch.From, -1); err != nil {
			return nil, err
		}
		if err := tx.count(e, ch.To, 1); err != nil {
			return nil, err
		}
	}
	if err := tx.writeEnrollment(e, false, old.Version); err != nil {
		return nil, err
	}
	if err := tx.syncUniqueValues(e, inst); err != nil {
		return nil, err
	}
	if ch.StatusChanged() {
		if err := tx.insertStatusChange(enroll.NewStatusChange(a, e, ch.From, ev, tx.now)); err != nil {
			return nil, err
		}
		prev := map[string]any{"eligibility": ch.Previous["eligibility"]}
		if err := tx.event(a, enroll.EventEnrollmentStatusChanged, e.ID, e, prev); err != nil {
			return nil, err
		}
	}
	if err := tx.event(a, enroll.EventEnrollmentUpdated, e.ID, e, ch.Previous); err != nil {
		return nil, err
	}
	if ch.To == enroll.StatusSubmitted && ch.StatusChanged() && len(e.ParameterProblems()) > 0 {
		// A submission missing parameters goes back to the participant.
		return tx.updateEnrollment(a, e, inst, nil, func(n *enroll.Enrollment) error { n.NeedsAction(); return nil })
	}
	return e, nil
}

// evaluate runs the instance's rules on e and applies the result.
func (tx *Tx) evaluate(a enroll.Actor, e *enroll.Enrollment, inst *enroll.ProgramInstance, check func(*enroll.Enrollment) error) (*enroll.Enrollment, error) {
	if check != nil {
		if err := check(e); err != nil {
			return nil, err
		}
	}
	if !enroll.Evaluable(e.Eligibility.Status) {
		return nil, enroll.ApplyEvaluation(e.Clone(), &enroll.Evaluation{})
	}
	ev, err := tx.evaluation(e, inst, nil)
	if err != nil {
		return nil, err
	}
	return tx.updateEnrollment(a, e, inst, ev, func(n *enroll.Enrollment) error { return enroll.ApplyEvaluation(n, ev) })
}

// evaluation runs inst's rules on e. cust is e's customer, or nil to have
// it read.
func (tx *Tx) evaluation(e *enroll.Enrollment, inst *enroll.ProgramInstance, cust *enroll.Customer) (*enroll.Evaluation, error) {
	if cust == nil && e.CustomerID != "" {
		c, err := findCustomer(tx.ctx, tx, e.WorkspaceID, e.CustomerID)
		if err != nil {
			return nil, err
		}
		cust = c
	}
	return tx.db.engine.Evaluate(tx.ctx, enroll.EvaluationInput{
		Enrollment: e, Customer: cust, Instance: inst,
		EnrolledInOtherProgram: func() (bool, error) { return tx.enrolledElsewhere(e) },
	})
}

// enrolledElsewhere reports whether e's customer holds an approved or paused
// enrollment in another program instance.
func (tx *Tx) enrolledElsewhere(e *enroll.Enrollment) (bool, error) {
	return enrolledElsewhere(tx.ctx, tx, e)
}

// enrolledElsewhere is Tx.enrolledElsewhere on any querier.
func enrolledElsewhere(ctx context.Context, q querier, e *enroll.Enrollment) (bool, error) {
	if e.CustomerID == "" {
		return false, nil
	}
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM enrollments WHERE workspace_id = ? AND customer_id = ?
		AND instance_id <> ? AND status IN ('approved', 'paused') LIMIT 1)`, e.WorkspaceID, e.CustomerID, e.ProgramInstanceID).Scan(&n)
	return n > 0, err
}

func findEnrollment(ctx context.Context, q querier, wsID, id string) (*enroll.Enrollment, error) {
	var (
		doc     string
		version int
	)
	err := q.QueryRowContext(ctx, `SELECT doc, version FROM enrollments WHERE workspace_id = ? AND id = ?`, wsID, id).Scan(&doc, &version)
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
	return findEnrollment(ctx, db.r, wsID, id)
}

// UpdateEnrollment implements enroll.Store.
func (db *DB) UpdateEnrollment(ctx context.Context, a enroll.Actor, id string, fn func(*enroll.Enrollment) error) (*enroll.Enrollment, error) {
	var out *enroll.Enrollment
	err := db.write(ctx, func(tx *Tx) error {
		old, inst, err := tx.enrollmentAndInstance(a.WorkspaceID, id)
		if err != nil {
			return err
		}
		out, err = tx.updateEnrollment(a, old, inst, nil, fn)
		return err
	})
	return out, err
}

// EvaluateEnrollment implements enroll.Store.
func (db *DB) EvaluateEnrollment(ctx context.Context, a enroll.Actor, id string, check func(*enroll.Enrollment) error) (*enroll.Enrollment, error) {
	var out *enroll.Enrollment
	err := db.write(ctx, func(tx *Tx) error {
		e, inst, err := tx.enrollmentAndInstance(a.WorkspaceID, id)
		if err != nil {
			return err
		}
		out, err = tx.evaluate(a, e, inst, check)
		return err
	})
	return out, err
}

func (tx *Tx) enrollmentAndInstance(wsID, id string) (*enroll.Enrollment, *enroll.ProgramInstance, error) {
	e, err := findEnrollment(tx.ctx, tx, wsID, id)
	if err != nil {
		return nil, nil, err
	}
	inst, err := findInstance(tx.ctx, tx, wsID, e.ProgramInstanceID)
	if err != nil {
		return nil, nil, err
	}
	return e, inst, nil
}

// DeleteEnrollment implements enroll.Store.
func (db *DB) DeleteEnrollment(ctx context.Context, a enroll.Actor, id string, check func(*enroll.Enrollment) error) error {
	return db.write(ctx, func(tx *Tx) error {
		e, err := findEnrollment(ctx, tx, a.WorkspaceID, id)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(e); err != nil {
				return err
			}
		}
		if _, err := tx.exec(`DELETE FROM enrollments WHERE workspace_id = ? AND id = ?`, e.WorkspaceID, e.ID); err != nil {
			return err
		}
		if err := tx.count(e, e.Eligibility.Status, -1); err != nil {
			return err
		}
		return tx.event(a, enroll.EventEnrollmentDeleted, e.ID, e, nil)
	})
}
