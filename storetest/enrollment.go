package storetest

import (
	"errors"
	"slices"
	"testing"

	"github.com/enrollhq/enroll"
)

func noAutoEvaluate(in *enroll.ProgramInstance) { in.AutoEvaluate = false }

func testEnrollmentCreate(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	inst := f.instance()

	e := f.enroll(inst, "suzie@example.com", func(c *enroll.EnrollmentCreate) {
		c.Phone, c.Tags, c.ManufacturerSlugs = "+1234567890", []string{"tag1"}, []string{"tesla", "enphase"}
		c.Address = &enroll.Address{StreetOne: "123 Main St", City: "New York", State: "NY", PostalCode: "10001", Country: "USA"}
	})
	if e.CustomerID == "" || e.IdentificationType != enroll.IdentifyByCustomerInfo || e.ProgramInstanceID != inst.ID ||
		e.Eligibility.ProgramInstanceID != inst.ID || e.Address.City != "New York" || len(e.ManufacturerSlugs) != 2 {
		t.Fatalf("created %+v", e)
	}
	// autoEvaluate with no rules: eligible at once, and the history says so.
	if e.Eligibility.Status != enroll.StatusEligible || e.Evaluation == nil {
		t.Fatalf("status = %s, evaluation %v", e.Eligibility.Status, e.Evaluation)
	}
	h := must(f.s.ListStatusChanges(f.ctx, f.a.WorkspaceID, e.ID))
	if len(h) != 2 || h[0].From != "" || h[0].To != enroll.StatusCandidate || h[1].From != enroll.StatusCandidate ||
		h[1].To != enroll.StatusEligible || h[1].RulesVersion == nil || h[0].ActorKeyID != f.keyID || h[0].RequestID != "req_test" {
		t.Fatalf("history = %+v", h)
	}
	got := must(f.s.FindEnrollment(f.ctx, f.a.WorkspaceID, e.ID))
	if got.ETag() != e.ETag() || got.Email != "suzie@example.com" {
		t.Fatalf("FindEnrollment = %+v (etag %s vs %s)", got, got.ETag(), e.ETag())
	}

	// A second open enrollment of the same customer in the same instance.
	_, err := f.s.CreateEnrollment(f.ctx, f.a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: "Suzie", LastName: "H", Email: "SUZIE@example.com"})
	wantCode(t, err, enroll.ECONFLICT)
	if err.(*enroll.Error).Extra["existingId"] != e.ID {
		t.Fatalf("conflict does not name %s: %v", e.ID, err)
	}

	// customerInfo reuses the customer in another instance; customerId needs no names.
	other := f.instance(noAutoEvaluate)
	e2 := f.enroll(other, "suzie@example.com")
	if e2.CustomerID != e.CustomerID || e2.Eligibility.Status != enroll.StatusCandidate {
		t.Fatalf("reuse: customer %s vs %s, status %s", e2.CustomerID, e.CustomerID, e2.Eligibility.Status)
	}
	third := f.instance()
	e3 := must(f.s.CreateEnrollment(f.ctx, f.a, third.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerID, CustomerID: e.CustomerID}))
	if e3.FirstName != "Suzie" || e3.Email != "suzie@example.com" || e3.CustomerID != e.CustomerID {
		t.Fatalf("customerId enrollment = %+v", e3)
	}
	_, err = f.s.CreateEnrollment(f.ctx, f.a, third.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerID, CustomerID: "missing"})
	wantCode(t, err, enroll.ENOTFOUND)

	// leadId: a bare lead stays a lead; one with enough data becomes a customer.
	bare := &enroll.Lead{Phone: "+1999"}
	full := &enroll.Lead{FirstName: "Lee", LastName: "Lead", Email: "lee@example.com"}
	for _, l := range []*enroll.Lead{bare, full} {
		if err := f.s.CreateLead(f.ctx, f.a, l); err != nil {
			t.Fatal(err)
		}
	}
	le := must(f.s.CreateEnrollment(f.ctx, f.a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID, LeadID: bare.ID}))
	if le.LeadID != bare.ID || le.CustomerID != "" || le.Phone != "+1999" {
		t.Fatalf("bare lead enrollment = %+v", le)
	}
	_, err = f.s.CreateEnrollment(f.ctx, f.a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID, LeadID: bare.ID})
	wantCode(t, err, enroll.ECONFLICT)
	fe := must(f.s.CreateEnrollment(f.ctx, f.a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID, LeadID: full.ID}))
	if fe.CustomerID == "" || fe.LeadID != full.ID {
		t.Fatalf("full lead enrollment = %+v", fe)
	}
	if l := must(f.s.FindLead(f.ctx, f.a.WorkspaceID, full.ID)); l.CustomerID != fe.CustomerID {
		t.Fatalf("lead.customerId = %q, want %q", l.CustomerID, fe.CustomerID)
	}

	// enrollmentId re-enrolls: participant data copied, enrollmentId set.
	next := f.instance()
	re := must(f.s.CreateEnrollment(f.ctx, f.a, next.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByEnrollmentID, EnrollmentID: e.ID}))
	if re.EnrollmentID != e.ID || re.CustomerID != e.CustomerID || re.Phone != "+1234567890" || re.Address == nil ||
		re.Address.PostalCode != "10001" || !slices.Equal(re.ManufacturerSlugs, e.ManufacturerSlugs) || !slices.Equal(re.Tags, e.Tags) {
		t.Fatalf("re-enrollment = %+v", re)
	}

	// Self-enrollment: submitted passes through eligibility first.
	sub := f.enroll(f.instance(noAutoEvaluate), "self@example.com", func(c *enroll.EnrollmentCreate) { c.EligibilityStatus = enroll.StatusSubmitted })
	if sub.Eligibility.Status != enroll.StatusSubmitted {
		t.Fatalf("self-enrollment status = %s", sub.Eligibility.Status)
	}
	if h := must(f.s.ListStatusChanges(f.ctx, f.a.WorkspaceID, sub.ID)); len(h) != 3 || h[2].To != enroll.StatusSubmitted {
		t.Fatalf("self-enrollment history = %+v", h)
	}

	// Rules decide at creation.
	ruled := f.instance(func(in *enroll.ProgramInstance) {
		in.EligibilityRules = []enroll.Rule{{Name: "ny", Expression: `has(enrollment.address) && enrollment.address.state == "NY"`, Reason: "Outside service area"}}
	})
	out := f.enroll(ruled, "nj@example.com", func(c *enroll.EnrollmentCreate) {
		c.Address = &enroll.Address{State: "NJ"}
		c.EligibilityStatus = enroll.StatusSubmitted
	})
	if out.Eligibility.Status != enroll.StatusIneligible || out.Eligibility.Reason != "Outside service area" {
		t.Fatalf("ruled enrollment = %+v", out.Eligibility)
	}

	// reenroll: false refuses a participant enrolled before, even if closed.
	closed := f.instance(noAutoEvaluate)
	first := f.enroll(closed, "again@example.com")
	first = f.move(f.move(f.move(first, enroll.StatusEligible), enroll.StatusSubmitted), enroll.StatusRejected)
	no := false
	_, err = f.s.CreateEnrollment(f.ctx, f.a, closed.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByEnrollmentID, EnrollmentID: first.ID, Reenroll: &no})
	wantCode(t, err, enroll.ECONFLICT)
	again := must(f.s.CreateEnrollment(f.ctx, f.a, closed.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByEnrollmentID, EnrollmentID: first.ID}))
	if again.EnrollmentID != first.ID {
		t.Fatal("re-enrollment after rejection failed")
	}
	// With an open enrollment as well as the closed one, the refusal names
	// the open one, as a second open enrollment's conflict does.
	_, err = f.s.CreateEnrollment(f.ctx, f.a, closed.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByEnrollmentID, EnrollmentID: first.ID, Reenroll: &no})
	var conflict *enroll.Error
	if !errors.As(err, &conflict) || conflict.Code != enroll.ECONFLICT || conflict.Extra["existingId"] != again.ID {
		t.Fatalf("reenroll: false beside an open enrollment: %v, want a conflict naming %s", err, again.ID)
	}

	// Bad input.
	for _, in := range []*enroll.EnrollmentCreate{
		{},
		{IdentificationType: "ssn"},
		{IdentificationType: enroll.IdentifyByCustomerInfo, Email: "x@example.com"},
		{IdentificationType: enroll.IdentifyByCustomerInfo, FirstName: "A", LastName: "B", Email: "x@example.com", GroupIDs: []string{"nope"}},
		{IdentificationType: enroll.IdentifyByCustomerInfo, FirstName: "A", LastName: "B", Email: "x@example.com", EligibilityStatus: enroll.StatusApproved},
	} {
		_, err := f.s.CreateEnrollment(f.ctx, f.a, inst.ID, in)
		wantCode(t, err, enroll.EINVALID)
	}
	_, err = f.s.CreateEnrollment(f.ctx, f.a, "missing", &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerID, CustomerID: e.CustomerID})
	wantCode(t, err, enroll.ENOTFOUND)
}

// reach builds an enrollment in status s in inst (created without auto
// evaluation) along the workflow's shortest path.
func (f *fixture) reach(inst *enroll.ProgramInstance, email string, s enroll.Status) *enroll.Enrollment {
	f.t.Helper()
	paths := map[enroll.Status][]enroll.Status{
		enroll.StatusCandidate:   {},
		enroll.StatusEligible:    {enroll.StatusEligible},
		enroll.StatusIneligible:  {enroll.StatusIneligible},
		enroll.StatusSubmitted:   {enroll.StatusEligible, enroll.StatusSubmitted},
		enroll.StatusNeedsAction: {enroll.StatusEligible, enroll.StatusSubmitted, enroll.StatusNeedsAction},
		enroll.StatusApproved:    {enroll.StatusEligible, enroll.StatusSubmitted, enroll.StatusApproved},
		enroll.StatusRejected:    {enroll.StatusEligible, enroll.StatusSubmitted, enroll.StatusRejected},
		enroll.StatusPaused:      {enroll.StatusEligible, enroll.StatusSubmitted, enroll.StatusApproved, enroll.StatusPaused},
		enroll.StatusUnenrolled:  {enroll.StatusEligible, enroll.StatusSubmitted, enroll.StatusApproved, enroll.StatusUnenrolled},
	}
	e := f.enroll(inst, email)
	for _, to := range paths[s] {
		e = f.move(e, to)
	}
	return e
}

func testEnrollmentTransitions(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	inst := f.instance(noAutoEvaluate)
	n := 0
	for _, from := range enroll.Statuses {
		for _, to := range enroll.Statuses {
			n++
			e := f.reach(inst, "p"+itoa(n)+"@example.com", from)
			before := must(f.s.ListStatusChanges(f.ctx, f.a.WorkspaceID, e.ID))
			out, err := f.s.UpdateEnrollment(f.ctx, f.a, e.ID, setStatus(to, "why"))
			after := must(f.s.ListStatusChanges(f.ctx, f.a.WorkspaceID, e.ID))
			switch {
			case from == to:
				if err != nil || out.ETag() != e.ETag() || len(after) != len(before) {
					t.Errorf("%s → %s: same status must be a no-op (err %v)", from, to, err)
				}
			case enroll.CanTransition(from, to):
				if err != nil || out.Eligibility.Status != to || out.Eligibility.Reason != "why" || len(after) != len(before)+1 {
					t.Errorf("%s → %s: err %v, status %s", from, to, err, out.Eligibility.Status)
					continue
				}
				last := after[len(after)-1]
				if last.From != from || last.To != to || last.Reason != "why" {
					t.Errorf("%s → %s: history entry %+v", from, to, last)
				}
				if to == enroll.StatusApproved && (out.EnrolledAt == nil || out.EnrollmentStartDate == nil) {
					t.Errorf("%s → approved: enrolledAt/enrollmentStartDate not set", from)
				}
				if to == enroll.StatusUnenrolled && out.UnenrolledAt == nil {
					t.Errorf("%s → unenrolled: unenrolledAt not set", from)
				}
			default:
				wantCode(t, err, enroll.ECONFLICT)
				extra := err.(*enroll.Error).Extra
				if extra["currentStatus"] != from || !slices.Equal(extra["allowedStatuses"].([]enroll.Status), from.Next()) {
					t.Errorf("%s → %s: conflict extra %v", from, to, extra)
				}
				if len(after) != len(before) {
					t.Errorf("%s → %s: refused transition wrote history", from, to)
				}
				if cur := must(f.s.FindEnrollment(f.ctx, f.a.WorkspaceID, e.ID)); cur.Eligibility.Status != from {
					t.Errorf("%s → %s: refused transition changed the status", from, to)
				}
			}
		}
	}
	_, err := f.s.UpdateEnrollment(f.ctx, f.a, f.reach(inst, "bad@example.com", enroll.StatusCandidate).ID, setStatus("done", ""))
	wantCode(t, err, enroll.EINVALID)

	// A resumed enrollment keeps its first enrolledAt; a scheduled start is kept.
	e := f.reach(inst, "resume@example.com", enroll.StatusPaused)
	resumed := f.move(e, enroll.StatusApproved)
	if !resumed.EnrolledAt.Equal(*e.EnrolledAt) {
		t.Fatal("resume changed enrolledAt")
	}
}

func testEnrollmentUpdate(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	inst := f.instance(func(in *enroll.ProgramInstance) {
		in.AutoEvaluate = false
		in.Capacity = new(int)
		*in.Capacity = 1
		in.Groups = []enroll.Group{{ID: "north", Name: "North"}}
	})
	e := f.enroll(inst, "u@example.com")
	up := must(f.s.UpdateEnrollment(f.ctx, f.a, e.ID, func(e *enroll.Enrollment) error {
		e.Notes, e.Tags, e.GroupIDs = "called", []string{"vip"}, []string{"north"}
		return nil
	}))
	if up.Notes != "called" || up.Version != e.Version+1 || up.ETag() == e.ETag() || up.Eligibility.Status != enroll.StatusCandidate {
		t.Fatalf("update = %+v", up)
	}
	// The filters and sorts follow changed names and references, and no
	// longer find the old ones (a store may write only the columns that
	// changed).
	z := f.enroll(inst, "z@example.com", func(in *enroll.EnrollmentCreate) { in.LastName, in.ReferenceID = "Zimmer", "REF-OLD" })
	renamed := must(f.s.UpdateEnrollment(f.ctx, f.a, z.ID, func(e *enroll.Enrollment) error {
		e.FirstName, e.LastName, e.ReferenceID = "Quentin", "Aardvark", "REF-NEW"
		return nil
	}))
	for _, c := range []struct {
		filter enroll.EnrollmentFilter
		want   string
	}{
		{enroll.EnrollmentFilter{ReferenceID: "REF-NEW"}, renamed.ID},
		{enroll.EnrollmentFilter{ReferenceID: z.ReferenceID}, ""},
		{enroll.EnrollmentFilter{Q: "quent"}, renamed.ID},
		{enroll.EnrollmentFilter{Q: "aardv"}, renamed.ID},
		{enroll.EnrollmentFilter{Q: "zimm"}, ""},
		{enroll.EnrollmentFilter{ListParams: enroll.ListParams{Sort: enroll.SortLastName, PerPage: 1}}, renamed.ID},
	} {
		c.filter.ProgramInstanceID = inst.ID
		page := must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, c.filter))
		var got []string
		for _, e := range page.Data {
			got = append(got, e.ID)
		}
		if c.want == "" && len(got) != 0 || c.want != "" && (len(got) == 0 || got[0] != c.want) {
			t.Errorf("after renaming, %+v finds %v, want %q", c.filter, got, c.want)
		}
	}

	for name, fn := range map[string]func(*enroll.Enrollment) error{
		"customer":   func(e *enroll.Enrollment) error { e.CustomerID = "other"; return nil },
		"instance":   func(e *enroll.Enrollment) error { e.ProgramInstanceID = "other"; return nil },
		"group":      func(e *enroll.Enrollment) error { e.GroupIDs = []string{"south"}; return nil },
		"email":      func(e *enroll.Enrollment) error { e.Email = "nope"; return nil },
		"identifier": func(e *enroll.Enrollment) error { e.IdentificationType = enroll.IdentifyByLeadID; return nil },
	} {
		_, err := f.s.UpdateEnrollment(f.ctx, f.a, e.ID, fn)
		if enroll.ErrorCode(err) != enroll.EINVALID {
			t.Errorf("%s: error %v, want invalid", name, err)
		}
	}
	_, err := f.s.UpdateEnrollment(f.ctx, f.a, e.ID, func(*enroll.Enrollment) error { return enroll.Errorf(enroll.EPRECONDITION, "stale") })
	wantCode(t, err, enroll.EPRECONDITION)
	_, err = f.s.UpdateEnrollment(f.ctx, f.a, "missing", setStatus(enroll.StatusEligible, ""))
	wantCode(t, err, enroll.ENOTFOUND)

	// Capacity 1: the second approval is refused until the first leaves.
	a := f.reach(inst, "a@example.com", enroll.StatusApproved)
	b := f.reach(inst, "b@example.com", enroll.StatusSubmitted)
	_, err = f.s.UpdateEnrollment(f.ctx, f.a, b.ID, setStatus(enroll.StatusApproved, ""))
	wantCode(t, err, enroll.ECONFLICT)
	a = f.move(a, enroll.StatusPaused)
	_, err = f.s.UpdateEnrollment(f.ctx, f.a, b.ID, setStatus(enroll.StatusApproved, ""))
	wantCode(t, err, enroll.ECONFLICT)
	f.move(a, enroll.StatusApproved) // resuming keeps its place
	f.move(a, enroll.StatusUnenrolled)
	f.move(b, enroll.StatusApproved)
	counts := must(f.s.CountEnrollments(f.ctx, f.a.WorkspaceID, inst.ID))
	if counts[enroll.StatusApproved] != 1 || counts[enroll.StatusUnenrolled] != 1 || counts[enroll.StatusCandidate] != 2 {
		t.Fatalf("counts = %v", counts)
	}
}

func testEnrollmentEvaluate(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	inst := f.instance(func(in *enroll.ProgramInstance) {
		in.EligibilityRules = []enroll.Rule{
			{Name: "in-ny", Expression: `has(enrollment.address) && enrollment.address.state == "NY"`, Reason: "Outside service area"},
			{Name: "not-elsewhere", Expression: `!enrolledInOtherProgram()`, Reason: "Already enrolled in another program"},
		}
	})
	e := f.enroll(inst, "ev@example.com", func(c *enroll.EnrollmentCreate) { c.Address = &enroll.Address{State: "NJ"} })
	if e.Eligibility.Status != enroll.StatusIneligible || e.Eligibility.Reason != "Outside service area" || len(e.Evaluation.Trace) != 2 {
		t.Fatalf("created = %+v %+v", e.Eligibility, e.Evaluation)
	}
	must(f.s.UpdateEnrollment(f.ctx, f.a, e.ID, func(e *enroll.Enrollment) error { e.Address.State = "NY"; return nil }))
	ev := must(f.s.EvaluateEnrollment(f.ctx, f.a, e.ID, nil))
	if ev.Eligibility.Status != enroll.StatusEligible {
		t.Fatalf("re-evaluated = %+v %+v %+v", ev.Eligibility, ev.Evaluation, ev.Address)
	}
	h := must(f.s.ListStatusChanges(f.ctx, f.a.WorkspaceID, e.ID))
	if last := h[len(h)-1]; last.From != enroll.StatusIneligible || last.To != enroll.StatusEligible || last.RulesVersion == nil || len(last.Trace) != 2 {
		t.Fatalf("history = %+v", last)
	}
	// An evaluation is stamped with the store's time, as the change it
	// makes and its history entry are, not with the rule engine's clock.
	if at, last := ev.Evaluation.EvaluatedAt, h[len(h)-1]; !at.Equal(ev.UpdatedAt) || !at.Equal(last.CreatedAt) {
		t.Errorf("re-evaluated at %v, updated at %v, history entry at %v", at, ev.UpdatedAt, last.CreatedAt)
	}
	if at := e.Evaluation.EvaluatedAt; !at.Equal(e.CreatedAt) || !at.Equal(h[1].CreatedAt) {
		t.Errorf("evaluated at %v on creation at %v, history entry at %v", at, e.CreatedAt, h[1].CreatedAt)
	}
	_, err := f.s.EvaluateEnrollment(f.ctx, f.a, e.ID, func(*enroll.Enrollment) error { return enroll.Errorf(enroll.EPRECONDITION, "stale") })
	wantCode(t, err, enroll.EPRECONDITION)

	// Approved in another season of the same program: not another
	// program, so the second rule still passes.
	f.reach(f.sibling(inst, noAutoEvaluate), "ev@example.com", enroll.StatusApproved)
	ev = must(f.s.EvaluateEnrollment(f.ctx, f.a, e.ID, nil))
	if ev.Eligibility.Status != enroll.StatusEligible {
		t.Fatalf("approved in the same program's other instance = %+v", ev.Eligibility)
	}
	// The customer is approved in another program: the second rule fails.
	other := f.instance(noAutoEvaluate)
	f.reach(other, "ev@example.com", enroll.StatusApproved)
	ev = must(f.s.EvaluateEnrollment(f.ctx, f.a, e.ID, nil))
	if ev.Eligibility.Status != enroll.StatusIneligible || ev.Eligibility.Reason != "Already enrolled in another program" {
		t.Fatalf("enrolled elsewhere = %+v", ev.Eligibility)
	}
	sub := f.reach(other, "sub@example.com", enroll.StatusSubmitted)
	_, err = f.s.EvaluateEnrollment(f.ctx, f.a, sub.ID, nil)
	wantCode(t, err, enroll.ECONFLICT)
	_, err = f.s.EvaluateEnrollment(f.ctx, f.a, "missing", nil)
	wantCode(t, err, enroll.ENOTFOUND)
}

func testEnrollmentDelete(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	inst := f.instance()
	e := f.enroll(inst, "d@example.com")
	wantCode(t, f.s.DeleteEnrollment(f.ctx, f.a, e.ID, func(*enroll.Enrollment) error { return enroll.Errorf(enroll.EPRECONDITION, "x") }), enroll.EPRECONDITION)
	if err := f.s.DeleteEnrollment(f.ctx, f.a, e.ID, nil); err != nil {
		t.Fatal(err)
	}
	_, err := f.s.FindEnrollment(f.ctx, f.a.WorkspaceID, e.ID)
	wantCode(t, err, enroll.ENOTFOUND)
	_, err = f.s.ListStatusChanges(f.ctx, f.a.WorkspaceID, e.ID)
	wantCode(t, err, enroll.ENOTFOUND)
	wantCode(t, f.s.DeleteEnrollment(f.ctx, f.a, e.ID, nil), enroll.ENOTFOUND)
	for s, n := range must(f.s.CountEnrollments(f.ctx, f.a.WorkspaceID, inst.ID)) {
		if n != 0 {
			t.Fatalf("count[%s] = %d after delete", s, n)
		}
	}
	// The participant may enroll again.
	f.enroll(inst, "d@example.com")
}

func itoa(i int) string {
	return string(rune('0'+i/100%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
}
