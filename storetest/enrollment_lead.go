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
