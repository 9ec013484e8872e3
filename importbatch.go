package enroll

import (
	"context"
	"time"
)

// An import batch's rows of the common kind, customerInfo, are planned in
// memory and written together, instead of each running the create path in
// a savepoint of its own with half a dozen look-ups: the store looks up,
// with one query per kind of key, what the database knows about a run of
// such rows (OpenKeys, ParticipantKeys, ImportLookup), then ImportPlanner
// decides every row in file order, as the create path would have, and
// works out what each created row writes (PlanEnrollmentCreation). What a
// row of another kind does depends on more of the database (a lead, a
// previous enrollment), and stores run it through the create path.

// ImportPlannable reports whether r is for ImportPlanner: a row that could
// not be read, or a customerInfo row that does not refuse re-enrollment
// (which takes a look at the participant's whole history).
func ImportPlannable(r *ImportRow) bool {
	in := r.Create
	return in == nil || in.IdentificationType == IdentifyByCustomerInfo && (in.Reenroll == nil || *in.Reenroll)
}

// ImportLookup is what a store found for the keys of a run (OpenKeys, then
// ParticipantKeys), in the import's workspace and instance, within the
// transaction that writes the run.
type ImportLookup struct {
	// OpenReferences and OpenEmails hold the referenceIds and normalized
	// emails among OpenKeys' that an open enrollment of the instance has.
	OpenReferences, OpenEmails map[string]bool
	// Customers are the customers with ParticipantKeys' emails, by
	// normalized email.
	Customers map[string]*ImportCustomer
	// UniqueHolders are the instance's enrollments holding ParticipantKeys'
	// unique values.
	UniqueHolders map[UniqueValue]string
}

// ImportCustomer is an existing customer a row's email names.
type ImportCustomer struct {
	Customer *Customer
	// HoldsOpen: the customer holds an open enrollment in the instance,
	// its own or one of a lead it was made from, from before it was (the
	// one InsertCreation refuses a create for).
	HoldsOpen bool
	// EnrolledElsewhere: the customer holds an approved or paused
	// enrollment in an instance of another program (the rules'
	// enrolledInOtherProgram).
	EnrolledElsewhere bool
}

// ImportPlan is what a run of plannable rows writes, in file order.
type ImportPlan struct {
	// Created are the rows to create.
	Created []*ImportCreation
	// Counts are the created enrollments by status.
	Counts map[Status]int
	// Progress is what the run adds to the job.
	Progress ImportProgress
}

// ImportCreation is what one created row writes: its enrollment, with its
// history and events, and the customer made for it, if any.
type ImportCreation struct {
	*EnrollmentCreation
	// Customer is the new customer to insert first, or nil.
	Customer *Customer
	// UniqueValues are the enrollment's values of unique parameters.
	UniqueValues []UniqueValue
}

// ImportPlanner plans runs of plannable rows of one import batch.
type ImportPlanner struct {
	Actor    Actor
	Instance *ProgramInstance
	Engine   RuleEngine
	// Now is the time the rows are written at: the transaction's.
	Now time.Time
}

// EachImportRun goes through rows in order: each maximal run of rows that
// ImportPlannable accepts goes to run, with the index of its first row in
// rows (which keys a PreparedImport's plans), each other row to one.
func EachImportRun(rows []*ImportRow, run func(first int, run []*ImportRow) error, one func(*ImportRow) error) error {
	for i := 0; i < len(rows); {
		if !ImportPlannable(rows[i]) {
			if err := one(rows[i]); err != nil {
				return err
			}
			i++
			continue
		}
		j := i + 1
		for j < len(rows) && ImportPlannable(rows[j]) {
			j++
		}
		if err := run(i, rows[i:j]); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// OpenKeys returns the referenceIds and the normalized emails of rows,
// which a store looks up among the instance's open enrollments
// (ImportLookup's OpenReferences and OpenEmails).
func (pl *ImportPlanner) OpenKeys(rows []*ImportRow) (references, emails []string) {
	for _, r := range rows {
		if in := r.Create; in != nil {
			if in.ReferenceID != "" {
				references = append(references, in.ReferenceID)
			}
			if email := NormalizeEmail(in.Email); email != "" {
				emails = append(emails, email)
			}
		}
	}
	return references, emails
}

// ParticipantKeys returns, for the rows that lookup's open enrollments do
// not already make duplicates, their normalized emails, which a store looks
// up among the customers, and their values of unique parameters, which it
// looks up among the instance's holders. Rows skipped anyway cost no more
// look-ups: a file run again costs only the open-enrollment look-ups.
func (pl *ImportPlanner) ParticipantKeys(rows []*ImportRow, lookup *ImportLookup) (emails []string, unique []UniqueValue) {
	for _, r := range rows {
		in := r.Create
		if in == nil {
			continue
		}
		email := NormalizeEmail(in.Email)
		if lookup.OpenReferences[in.ReferenceID] || lookup.OpenEmails[email] {
			continue
		}
		if email != "" {
			emails = append(emails, email)
		}
		if len(in.Parameters) > 0 {
			held := &Enrollment{Parameters: in.Parameters, Eligibility: Eligibility{Status: StatusCandidate}}
			unique = append(unique, held.UniqueValues(pl.Instance)...)
		}
	}
	return emails, unique
}

// Plan decides rows (all ImportPlannable) in order, each seeing the ones
// before it, exactly as the create path would have one after another:
// unreadable and invalid rows fail; a row whose referenceId or email an
// open enrollment of the instance has is skipped, and so is one whose
// customer holds an open enrollment there (ImportCustomer.HoldsOpen); a
// new customer is created for an email no customer has; a unique
// parameter value another enrollment holds fails the row; the rest are
// created (PlanEnrollmentCreation), evaluated with pl.Engine when the
// instance auto-evaluates. A row that fails writes nothing. Plan changes
// lookup as the rows go. It returns an error only when the rule engine
// cannot evaluate, which fails the batch as it did the create path.
func (pl *ImportPlanner) Plan(ctx context.Context, rows []*ImportRow, lookup *ImportLookup) (*ImportPlan, error) {
	out := &ImportPlan{Counts: map[Status]int{}}
	p := &out.Progress
	for _, r := range rows {
		in := p.admit(r)
		if in == nil {
			continue
		}
		email := NormalizeEmail(in.Email)
		if in.ReferenceID != "" && lookup.OpenReferences[in.ReferenceID] || email != "" && lookup.OpenEmails[email] {
			p.Skipped++
			continue
		}
		// The participant: the customer with the email, or a new one.
		part := Participant{}.Overlay(in)
		cust, isNew := lookup.Customers[email], false
		if cust == nil {
			c := part.NewCustomer(pl.Actor.WorkspaceID, pl.Now)
			c.ReferenceID = in.ReferenceID
			if err := c.Validate(); err != nil {
				p.Fail(r.Row, in, err)
				continue
			}
			cust, isNew = &ImportCustomer{Customer: c}, true
		}
		part.CustomerID = cust.Customer.ID
		e, err := NewEnrollment(pl.Actor.WorkspaceID, in, pl.Instance, part, pl.Now)
		if err != nil {
			p.Fail(r.Row, in, err)
			continue
		}
		if cust.HoldsOpen {
			// The database's one-open-enrollment index would refuse it.
			p.Skipped++
			continue
		}
		unique := e.UniqueValues(pl.Instance)
		if err := pl.uniqueTaken(unique, lookup); err != nil {
			p.Fail(r.Row, in, err)
			continue
		}
		c, err := PlanEnrollmentCreation(pl.Actor, e, pl.Instance, in, func(e *Enrollment) (*Evaluation, error) {
			return pl.Engine.Evaluate(ctx, EvaluationInput{Enrollment: e, Customer: cust.Customer, Instance: pl.Instance,
				EnrolledInOtherProgram: func() (bool, error) { return cust.EnrolledElsewhere, nil }})
		}, pl.Now)
		if ErrorCode(err) == EINTERNAL {
			return nil, err
		} else if err != nil {
			p.Fail(r.Row, in, err)
			continue
		}
		// Created: later rows see it.
		e = c.Enrollment
		created := &ImportCreation{EnrollmentCreation: c, UniqueValues: e.UniqueValues(pl.Instance)}
		p.Created++
		out.Counts[e.Eligibility.Status]++
		if isNew {
			created.Customer = cust.Customer
			setKey(&lookup.Customers, email, cust)
		}
		cust.HoldsOpen = true
		out.Created = append(out.Created, created)
		for _, u := range created.UniqueValues {
			setKey(&lookup.UniqueHolders, u, e.ID)
		}
		if e.ReferenceID != "" {
			setKey(&lookup.OpenReferences, e.ReferenceID, true)
		}
		if k := NormalizeEmail(e.Email); k != "" {
			setKey(&lookup.OpenEmails, k, true)
		}
	}
	return out, nil
}

// uniqueTaken returns the ECONFLICT of the first of values that another
// enrollment holds, as the stores word it (UniqueTaken), or nil.
func (pl *ImportPlanner) uniqueTaken(values []UniqueValue, lookup *ImportLookup) error {
	for _, u := range values {
		if holder, ok := lookup.UniqueHolders[u]; ok {
			return pl.Instance.UniqueTaken(u, holder)
		}
	}
	return nil
}

// setKey sets m[k] = v, making m first if needed.
func setKey[K comparable, V any](m *map[K]V, k K, v V) {
	if *m == nil {
		*m = map[K]V{}
	}
	(*m)[k] = v
}
