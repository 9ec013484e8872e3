package storetest

import (
	"testing"

	"github.com/enrollhq/enroll"
)

// testEnrollmentLeadBecomesCustomer checks that a lead enrolled before it
// became a customer is still the same participant after: it holds one open
// enrollment per instance, by leadId or by re-enrollment, and a
// re-enrollment of it or of a customer carries the customer's names and
// email.
func testEnrollmentLeadBecomesCustomer(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	inst, other := f.instance(), f.instance()
	lead := func(phone string) *enroll.Lead {
		l := &enroll.Lead{Phone: phone}
		if err := f.s.CreateLead(f.ctx, f.a, l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	convert := func(l *enroll.Lead, email string) {
		must(f.s.UpdateLead(f.ctx, f.a, l.ID, func(l *enroll.Lead) error {
			l.FirstName, l.LastName, l.Email = "Lee", "Ray", email
			return nil
		}))
	}
	byLead := func(in *enroll.ProgramInstance, l *enroll.Lead, mutate ...func(*enroll.EnrollmentCreate)) (*enroll.Enrollment, error) {
		c := &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID, LeadID: l.ID}
		for _, m := range mutate {
			m(c)
		}
		return f.s.CreateEnrollment(f.ctx, f.a, in.ID, c)
	}
	reenroll := func(in *enroll.ProgramInstance, from *enroll.Enrollment, mutate ...func(*enroll.EnrollmentCreate)) (*enroll.Enrollment, error) {
		c := &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByEnrollmentID, EnrollmentID: from.ID}
		for _, m := range mutate {
			m(c)
		}
		return f.s.CreateEnrollment(f.ctx, f.a, in.ID, c)
	}
	wantExisting := func(err error, id string) {
		t.Helper()
		wantCode(t, err, enroll.ECONFLICT)
		if got := err.(*enroll.Error).Extra["existingId"]; got != id {
			t.Fatalf("existingId = %v, want %s", got, id)
		}
	}

	// Enrolled as a bare lead, then again once the lead can be a customer.
	l := lead("+1555")
	first := must(byLead(inst, l))
	convert(l, "lee.ray@example.com")
	_, err := byLead(inst, l)
	wantExisting(err, first.ID)
	// In another instance it becomes the customer.
	conv := must(byLead(other, l))
	if conv.CustomerID == "" || conv.LeadID != l.ID {
		t.Fatalf("converted lead's enrollment = %+v", conv)
	}

	// The bare lead's enrollment re-enrolled where the customer is enrolled.
	_, err = reenroll(other, first)
	wantExisting(err, conv.ID)
	// Elsewhere, it is the customer's, with the customer's names and email.
	third := f.instance()
	re := must(reenroll(third, first, func(c *enroll.EnrollmentCreate) { c.Email, c.FirstName = "other@example.com", "Zed" }))
	if re.CustomerID != conv.CustomerID || re.LeadID != l.ID || re.Email != "lee.ray@example.com" || re.FirstName != "Lee" || re.Phone != "+1555" {
		t.Fatalf("re-enrolled lead = %+v", re)
	}

	// A customer's enrollment re-enrolled keeps the customer's names and
	// email, whatever the request says, as customerId does.
	e := f.enroll(inst, "suzie@example.com")
	re = must(reenroll(third, e, func(c *enroll.EnrollmentCreate) {
		c.Email, c.FirstName, c.LastName, c.Phone = "other@example.com", "Zed", "Zee", "+1777"
	}))
	if re.CustomerID != e.CustomerID || re.Email != "suzie@example.com" || re.FirstName != "Suzie" || re.LastName != "Homeowner" || re.Phone != "+1777" {
		t.Fatalf("re-enrolled customer = %+v", re)
	}

	// reenroll: false sees the lead's enrollments from before it became
	// the customer.
	closed := f.instance(noAutoEvaluate)
	l2 := lead("+1666")
	old := must(byLead(closed, l2))
	for _, to := range []enroll.Status{enroll.StatusEligible, enroll.StatusSubmitted, enroll.StatusRejected} {
		old = f.move(old, to)
	}
	convert(l2, "lee.two@example.com")
	no := false
	_, err = byLead(closed, l2, func(c *enroll.EnrollmentCreate) { c.Reenroll = &no })
	wantExisting(err, old.ID)
	if again := must(byLead(closed, l2)); again.CustomerID == "" {
		t.Fatalf("lead enrolled again = %+v", again)
	}
}

// testEnrollmentConvertedLeadHoldsOpen checks that an open enrollment a
// lead got before it became a customer (it names no customer) is the
// customer's open enrollment in that instance wherever a create or an
// import decides whether the participant is enrolled already: customerId,
// customerInfo (with the email in another case), a re-enrollment of
// another of the customer's enrollments and another lead that becomes the
// same customer are each a 409 naming it; reenroll: false sees the lead's
// closed one; and import rows of each kind, planned together or one by
// one, are skipped, in a dry run too. A closed one does not count.
func testEnrollmentConvertedLeadHoldsOpen(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	is := importStore(t, f.s)
	inst, closed, closed2, elsewhere := f.instance(), f.instance(noAutoEvaluate), f.instance(noAutoEvaluate), f.instance()
	const email = "lee.ray@example.com"
	lead := func(l *enroll.Lead) *enroll.Lead {
		if err := f.s.CreateLead(f.ctx, f.a, l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	create := func(in *enroll.ProgramInstance, c *enroll.EnrollmentCreate) (*enroll.Enrollment, error) {
		return f.s.CreateEnrollment(f.ctx, f.a, in.ID, c)
	}
	wantExisting := func(t *testing.T, err error, id string) {
		t.Helper()
		wantCode(t, err, enroll.ECONFLICT)
		if got := err.(*enroll.Error).Extra["existingId"]; got != id {
			t.Fatalf("existingId = %v, want %s", got, id)
		}
	}

	// The lead, with a phone only, is enrolled in inst (open) and in
	// closed and closed2 (rejected), then becomes the customer by an
	// enrollment elsewhere.
	l := lead(&enroll.Lead{Phone: "+1556"})
	byLead := &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID, LeadID: l.ID}
	held := must(create(inst, byLead))
	reject := func(in *enroll.ProgramInstance) *enroll.Enrollment {
		e := must(create(in, byLead))
		for _, to := range []enroll.Status{enroll.StatusEligible, enroll.StatusSubmitted, enroll.StatusRejected} {
			e = f.move(e, to)
		}
		return e
	}
	old := reject(closed)
	reject(closed2)
	must(f.s.UpdateLead(f.ctx, f.a, l.ID, func(l *enroll.Lead) error {
		l.FirstName, l.LastName, l.Email = "Lee", "Ray", email
		return nil
	}))
	conv := must(create(elsewhere, byLead))
	cust := conv.CustomerID
	if cust == "" || held.CustomerID != "" {
		t.Fatalf("lead's enrollments = %+v, %+v", held, conv)
	}
	// An enrollment of the customer that names no lead, to re-enroll.
	own := f.enroll(f.instance(), email)
	if own.CustomerID != cust || own.LeadID != "" {
		t.Fatalf("customer's enrollment = %+v", own)
	}

	byInfo := func(mutate ...func(*enroll.EnrollmentCreate)) *enroll.EnrollmentCreate {
		c := &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo, FirstName: "Lee", LastName: "Ray", Email: "Lee.Ray@Example.com"}
		for _, m := range mutate {
			m(c)
		}
		return c
	}
	byCustomer := &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerID, CustomerID: cust}
	no := false
	noReenroll := func(c *enroll.EnrollmentCreate) { c.Reenroll = &no }
	for _, c := range []struct {
		name string
		in   *enroll.EnrollmentCreate
	}{
		{"customerId", byCustomer},
		{"customerInfo", byInfo()},
		{"customerInfo with reenroll false", byInfo(noReenroll)},
		{"enrollmentId", &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByEnrollmentID, EnrollmentID: own.ID}},
		{"leadId of another lead", &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID,
			LeadID: lead(&enroll.Lead{FirstName: "Lee", LastName: "Ray", Email: email}).ID}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, err := create(inst, c.in)
			if err == nil {
				// Gone again, so that the next case stands alone.
				must(0, f.s.DeleteEnrollment(f.ctx, f.a, e.ID, nil))
			}
			wantExisting(t, err, held.ID)
		})
	}

	// Import rows into inst, each in a file of its own (a row created
	// would make the next a duplicate anyway), a dry run first: a
	// customerInfo row is planned with the others of its run, the other
	// two go one by one.
	for _, row := range []struct{ name, json string }{
		{"customerInfo", `{"identificationType":"customerInfo","firstName":"Lee","lastName":"Ray","email":"LEE.RAY@example.com"}`},
		{"customerId", `{"identificationType":"customerId","customerId":"` + cust + `"}`},
		{"customerInfo with reenroll false", `{"identificationType":"customerInfo","firstName":"Lee","lastName":"Ray","email":"lee.ray@example.com","reenroll":false}`},
	} {
		for _, dry := range []bool{true, false} {
			im := runImport(f, is, inst, enroll.FormatNDJSON, row.json+"\n", dry, 10)
			checkCounters(t, im)
			if im.SkippedCount != 1 {
				t.Errorf("import of a %s row (dry run %v) = %+v, errors %+v", row.name, dry, im, allErrors(f, is, im.ID, 10))
			}
		}
	}
	if n := enrollmentCount(f, inst); n != 1 {
		t.Fatalf("instance holds %d enrollments, want the lead's one", n)
	}

	// reenroll: false sees the lead's closed enrollment, by customerId and
	// customerInfo.
	for _, in := range []*enroll.EnrollmentCreate{{IdentificationType: enroll.IdentifyByCustomerID, CustomerID: cust, Reenroll: &no}, byInfo(noReenroll)} {
		_, err := create(closed, in)
		wantExisting(t, err, old.ID)
	}
	// Otherwise a closed one does not count: an import row, planned, is
	// created, and so is a customerId create.
	im := runImport(f, is, closed, enroll.FormatNDJSON, `{"identificationType":"customerInfo","firstName":"Lee","lastName":"Ray","email":"lee.ray@example.com"}`+"\n", false, 10)
	if im.CreatedCount != 1 {
		t.Fatalf("import where the lead's enrollment is closed = %+v, errors %+v", im, allErrors(f, is, im.ID, 10))
	}
	if e := must(create(closed2, byCustomer)); e.CustomerID != cust {
		t.Fatalf("customer enrolled = %+v", e)
	}
}
