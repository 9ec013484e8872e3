package enroll

import "errors"

// ImportRowTx is an EnrollmentTx that imports rows one at a time
// (ImportRowIn): each in a savepoint of its own, so that a row the
// database refuses fails alone.
type ImportRowTx interface {
	EnrollmentTx
	// OpenEnrollmentFor returns the id of an open enrollment (any status
	// but rejected or unenrolled) in inst that has in's referenceId or
	// in.DuplicateEmail(), or, for a customerId row, its customer; or "".
	OpenEnrollmentFor(inst *ProgramInstance, in *EnrollmentCreate) (string, error)
	// IsOpen reports whether enrollment id, of inst, is open.
	IsOpen(inst *ProgramInstance, id string) (bool, error)
	// Savepoint runs fn in a savepoint. When fn fails, everything it did
	// in the transaction is undone and its error is returned as failed.
	// err is a failure of the savepoint itself, after which the
	// transaction is not to be used.
	Savepoint(fn func() error) (failed, err error)
}

// ImportRowIn imports one row of a job into p, as POST .../enrollments
// would create it (CreateEnrollmentIn): a row that cannot be read or is
// invalid fails with its errors; a participant who already holds an open
// enrollment in inst is skipped; a row the create refuses changes nothing
// and fails with one error per problem. Only internal errors are
// returned, and they abort the batch.
func ImportRowIn(tx ImportRowTx, a Actor, inst *ProgramInstance, r *ImportRow, p *ImportProgress) error {
	in := p.admit(r)
	if in == nil {
		return nil
	}
	if id, err := tx.OpenEnrollmentFor(inst, in); err != nil {
		return err
	} else if id != "" {
		p.Skipped++
		return nil
	}
	failed, err := tx.Savepoint(func() error {
		_, err := CreateEnrollmentIn(tx, a, inst, in)
		return err
	})
	switch {
	case err != nil:
		return err
	case failed == nil:
		p.Created++
		return nil
	case ErrorCode(failed) == EINTERNAL:
		return failed
	}
	// The open-enrollment index is the final guard: a participant found
	// only once resolved (a lead, a re-enrollment, a customer known by
	// another email), or inserted by a concurrent import, is skipped like
	// one found by the look-up.
	if open, err := heldOpen(tx, inst, failed); err != nil {
		return err
	} else if open {
		p.Skipped++
		return nil
	}
	p.Fail(r.Row, in, failed)
	return nil
}

// admit counts r in p and returns its create request, or nil when the row
// could not be read or is invalid: it then fails with its errors.
func (p *ImportProgress) admit(r *ImportRow) *EnrollmentCreate {
	p.Rows++
	in := r.Create
	if in == nil {
		p.Failed++
		if len(r.Errors) == 0 {
			p.Errors = append(p.Errors, ImportError{Row: r.Row, Message: "the row cannot be read"})
		}
		p.Errors = append(p.Errors, r.Errors...)
		return nil
	}
	if err := in.Validate(); err != nil {
		p.Fail(r.Row, in, err)
		return nil
	}
	return in
}

// heldOpen reports whether err is the conflict of a participant who holds
// an open enrollment in inst (not a unique parameter value).
func heldOpen(tx ImportRowTx, inst *ProgramInstance, err error) (bool, error) {
	var e *Error
	if !errors.As(err, &e) || e.Code != ECONFLICT || e.Extra["parameter"] != nil {
		return false, nil
	}
	id, _ := e.Extra["existingId"].(string)
	if id == "" {
		return false, nil
	}
	return tx.IsOpen(inst, id)
}
