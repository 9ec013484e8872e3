package enroll

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"
)

// EvaluateSample evaluates inst's rules (the saved ones, or drafts put on
// it by DraftRules) through engine on a sample enrollment, changing
// nothing, as POST /v1/programInstances/{id}/eligibility:test and the
// console's rules form both do. enrollment holds any members of the
// enrollment representation; those it leaves out are as in a created
// enrollment (lists and maps empty, parameters as a create stores them,
// eligibility.status candidate). customer, when not nil, is what rules
// read as customer; without one, see sampleCustomer. key is the caller's:
// a sample's stored customer needs enrollments:read. Field errors name
// "enrollment" and "customer" and their members (the API puts them under
// "body."): a member of the wrong type, an identificationType or
// eligibility.status that is none of the API's.
// Returns EINVALID, or EFORBIDDEN.
func EvaluateSample(ctx context.Context, store Store, engine RuleEngine, key *APIKey, inst *ProgramInstance, enrollment, customer map[string]any) (*Evaluation, error) {
	var v Invalid
	sample, c := &Enrollment{}, (*Customer)(nil)
	decodeSample(&v, enrollment, sample, "enrollment")
	if t := sample.IdentificationType; t != "" && !t.Valid() {
		v.Add("enrollment.identificationType", "must be one of customerInfo, customerId, leadId, enrollmentId", string(t))
	}
	if st := sample.Eligibility.Status; st != "" && !st.Valid() {
		v.Add("enrollment.eligibility.status", "must be one of "+statusList(Statuses), string(st))
	}
	// Times as a create reads them (validate): encoding/json takes an
	// offset of a day, which no encoder writes back.
	checkOffset(&v, "enrollment.enrollmentStartDate", sample.EnrollmentStartDate)
	for i, d := range sample.Devices {
		checkOffset(&v, loc("enrollment.devices", i)+".installDate", d.InstallDate)
	}
	if customer != nil {
		c = &Customer{}
		decodeSample(&v, customer, c, "customer")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	sample.Normalize()
	// As a create stores it (validate), so that rules see what they would
	// on the enrollment: no null member in metadata, no -0.
	withoutNullMembers(sample.Metadata)
	for i := range sample.Parameters {
		sample.Parameters[i].Value = withoutNegativeZero(sample.Parameters[i].Value)
	}
	sample.SampleParameters(inst)
	sample.ProgramInstanceID, sample.Eligibility.ProgramInstanceID = inst.ID, inst.ID
	if sample.Eligibility.Status == "" {
		sample.Eligibility.Status = StatusCandidate
	}
	// A create sets them before it evaluates.
	if sample.CreatedAt.IsZero() {
		sample.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	}
	if sample.UpdatedAt.IsZero() {
		sample.UpdatedAt = sample.CreatedAt
	}
	leadRead := false
	if c == nil && sample.IdentificationType == IdentifyByLeadID && sample.LeadID != "" {
		if !key.Has(ScopeEnrollmentsRead) {
			return nil, Errorf(EFORBIDDEN, "This API key lacks the %s scope, needed to try rules on a stored lead.", ScopeEnrollmentsRead)
		}
		var err error
		if c, err = sampleLead(ctx, store, key, sample); err != nil {
			return nil, err
		}
		leadRead = true
	}
	if sample.CustomerID != "" && !key.Has(ScopeEnrollmentsRead) {
		// Rules can read any of a stored customer's members, and
		// enrolledInOtherProgram() its enrollments, whichever customer the
		// sample is evaluated with: a key must be able to read them.
		return nil, Errorf(EFORBIDDEN, "This API key lacks the %s scope, needed to try rules on a stored customer.", ScopeEnrollmentsRead)
	}
	if c == nil && !leadRead {
		var err error
		if c, err = sampleCustomer(ctx, store, key, sample); err != nil {
			return nil, err
		}
		if c != nil && sample.IdentificationType == IdentifyByCustomerID {
			// As a customerId create makes it (participantIn): names and
			// email are the customer's, phone and address the sample's
			// or else the customer's.
			p := ParticipantFromCustomer(c).Overlay(&EnrollmentCreate{Phone: sample.Phone, Address: sample.Address})
			sample.FirstName, sample.LastName, sample.Email, sample.Phone, sample.Address = c.FirstName, c.LastName, c.Email, p.Phone, p.Address
		}
	}
	if c != nil {
		c.Normalize()
		withoutNullMembers(c.Metadata)
	}
	// A stored customer's enrollments, or a stored bare lead's.
	who := &Enrollment{CustomerID: sample.CustomerID}
	if leadRead {
		who.LeadID = sample.LeadID
	}
	return engine.Evaluate(ctx, EvaluationInput{Enrollment: sample, Customer: c, Instance: inst,
		EnrolledInOtherProgram: NewOtherPrograms(store, key.WorkspaceID, inst).Of(ctx, who)})
}

// sampleCustomer is the customer rules see on a sample sent without one,
// as they would on the enrollment it stands for: the customer its
// customerId names, or, for a customerInfo sample, the one a create makes
// of its names, email, phone, address and referenceId (a create that
// finds a customer with that email reuses it instead: send it as
// customerId to try it); none otherwise, as a bare lead's enrollment has
// none. EvaluateSample has checked that key may read a stored customer.
// Returns EINVALID for a customerId naming no customer of key's
// workspace.
func sampleCustomer(ctx context.Context, store Store, key *APIKey, sample *Enrollment) (*Customer, error) {
	switch {
	case sample.CustomerID != "":
		c, err := store.FindCustomer(ctx, key.WorkspaceID, sample.CustomerID)
		if ErrorCode(err) == ENOTFOUND {
			var v Invalid
			v.Add("enrollment.customerId", "names no customer of the workspace", sample.CustomerID)
			return nil, v.Err()
		}
		return c, err
	case sample.IdentificationType == IdentifyByCustomerInfo:
		p := Participant{FirstName: sample.FirstName, LastName: sample.LastName, Email: sample.Email, Phone: sample.Phone, Address: sample.Address}
		c := p.NewCustomer(key.WorkspaceID, time.Now())
		c.ReferenceID = sample.ReferenceID
		return c, nil
	}
	return nil, nil
}

// sampleLead resolves a leadId sample as its create would (participantIn),
// writing nothing: the lead's names, email, phone and address under the
// sample's own; then the customer the lead became, whose names and email
// are the enrollment's; or the customer with its email (whose names fill
// in those a lead without both lacks); or the customer a lead with names
// and email would make, not stored; or none, a bare lead. sample takes
// the participant's contact fields and stored customer's id. Returns
// EINVALID for a leadId naming no lead of key's workspace.
func sampleLead(ctx context.Context, store Store, key *APIKey, sample *Enrollment) (*Customer, error) {
	l, err := store.FindLead(ctx, key.WorkspaceID, sample.LeadID)
	if ErrorCode(err) == ENOTFOUND {
		var v Invalid
		v.Add("enrollment.leadId", "names no lead of the workspace", sample.LeadID)
		return nil, v.Err()
	} else if err != nil {
		return nil, err
	}
	p := ParticipantFromLead(l).Overlay(&EnrollmentCreate{FirstName: sample.FirstName, LastName: sample.LastName,
		Email: sample.Email, Phone: sample.Phone, Address: sample.Address})
	var c *Customer
	switch {
	case p.CustomerID != "":
		if c, err = store.FindCustomer(ctx, key.WorkspaceID, p.CustomerID); err != nil {
			return nil, err
		}
		p.FirstName, p.LastName, p.Email = c.FirstName, c.LastName, c.Email
	case p.Email != "":
		found, err := store.ListCustomers(ctx, key.WorkspaceID, CustomerFilter{Email: p.Email, ListParams: ListParams{PerPage: 1}})
		if err != nil {
			return nil, err
		}
		switch {
		case len(found.Data) > 0:
			c = found.Data[0]
			p.CustomerID = c.ID
			if !p.CanBeCustomer() {
				p.FirstName, p.LastName = or(p.FirstName, c.FirstName), or(p.LastName, c.LastName)
			}
		case p.CanBeCustomer():
			c = p.NewCustomer(key.WorkspaceID, time.Now())
			c.ReferenceID = sample.ReferenceID
		}
	}
	sample.CustomerID = p.CustomerID
	sample.FirstName, sample.LastName, sample.Email, sample.Phone, sample.Address = p.FirstName, p.LastName, p.Email, p.Phone, p.Address
	return c, nil
}

// decodeSample decodes a free-form sample into out, a pointer to a domain
// type, adding to v an error at each member of the wrong type: at the
// member itself (loc.firstName, loc.address.city), in the API's words
// rather than Go's decoder's.
func decodeSample(v *Invalid, in map[string]any, out any, loc string) {
	b, err := json.Marshal(in)
	if err == nil {
		err = json.Unmarshal(b, out)
	}
	if err == nil {
		return
	}
	// Each member alone, to find every one at fault (a decoder error
	// other than a type error does not say where it is).
	typ := reflect.TypeOf(out).Elem()
	for _, k := range slices.Sorted(maps.Keys(in)) {
		try := func(x any) error {
			b, err := json.Marshal(map[string]any{k: x})
			if err == nil {
				err = json.Unmarshal(b, reflect.New(typ).Interface())
			}
			return err
		}
		if try(in[k]) == nil {
			continue
		}
		at, value, err := narrowSample(try, in[k], loc+"."+k)
		msg := strings.TrimPrefix(err.Error(), "json: ")
		var te *json.UnmarshalTypeError
		var pe *time.ParseError
		switch {
		case errors.As(err, &te):
			msg = typeProblem(te)
		case errors.As(err, &pe), strings.HasPrefix(msg, "Time.UnmarshalJSON"):
			msg = "must be an RFC 3339 date-time, e.g. 2025-01-31T09:30:00Z"
			if s, ok := value.(string); ok && LeapSecond(s) {
				msg = LeapSecondRefusal
			}
		}
		switch value.(type) {
		case map[string]any, []any:
			value = nil // no one value to repeat
		}
		v.Add(at, msg, value)
	}
	if len(*v) == 0 {
		// Whole, the sample failed where no member alone does.
		v.Add(loc, strings.TrimPrefix(err.Error(), "json: "), nil)
	}
}

// narrowSample finds the part of value, a sample member at loc that try
// refuses, that try refuses alone, down through the lists and objects it
// is in: an item is tried as a list of it alone, a member as an object of
// it alone. It returns that part's location, with the indexes of the
// lists it is in (loc.devices[1].serialNumber, as every field error
// names an item), the part, and try's error. A part that fails only with
// others (none does alone) is the one reported.
func narrowSample(try func(any) error, value any, loc string) (string, any, error) {
	switch x := value.(type) {
	case []any:
		for i, item := range x {
			one := func(y any) error { return try([]any{y}) }
			if one(item) != nil {
				return narrowSample(one, item, fmt.Sprintf("%s[%d]", loc, i))
			}
		}
	case map[string]any:
		for _, m := range slices.Sorted(maps.Keys(x)) {
			one := func(y any) error { return try(map[string]any{m: y}) }
			if one(x[m]) != nil {
				return narrowSample(one, x[m], loc+"."+m)
			}
		}
	}
	return loc, value, try(value)
}
