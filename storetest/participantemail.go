package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// testParticipantEmails checks that a new participant email mail relays
// commonly refuse (a@b, a@localhost, an IP address for domain, non-ASCII)
// is refused at the field, through every write that takes one, and that
// nothing is written.
func testParticipantEmails(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	inst := f.instance(noAutoEvaluate)
	refused := func(t *testing.T, err error, email string) {
		t.Helper()
		wantField(t, err, "email", email)
	}
	for _, email := range []string{"a@b", "ops@localhost", "ops@[192.0.2.1]", "josé@example.com"} {
		t.Run(email, func(t *testing.T) {
			refused(t, f.s.CreateCustomer(f.ctx, f.a, &enroll.Customer{FirstName: "A", LastName: "B", Email: email}), email)
			refused(t, f.s.CreateLead(f.ctx, f.a, &enroll.Lead{Email: email}), email)
			_, err := f.s.CreateEnrollment(f.ctx, f.a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
				FirstName: "A", LastName: "B", Email: email})
			refused(t, err, email)
		})
	}
	if pg := must(f.s.ListCustomers(f.ctx, f.a.WorkspaceID, enroll.CustomerFilter{})); pg.TotalItems != 0 {
		t.Fatalf("customers stored: %+v", pg.Data)
	}

	c := &enroll.Customer{FirstName: "A", LastName: "B", Email: "c@example.com"}
	must(c, f.s.CreateCustomer(f.ctx, f.a, c))
	_, err := f.s.UpdateCustomer(f.ctx, f.a, c.ID, func(c *enroll.Customer) error { c.Email = "c@localhost"; return nil })
	refused(t, err, "c@localhost")
	l := &enroll.Lead{FirstName: "L", Email: "l@example.com"}
	must(l, f.s.CreateLead(f.ctx, f.a, l))
	_, err = f.s.UpdateLead(f.ctx, f.a, l.ID, func(l *enroll.Lead) error { l.Email = "l@[192.0.2.1]"; return nil })
	refused(t, err, "l@[192.0.2.1]")
	// A lead's email given anew in the create.
	_, err = f.s.CreateEnrollment(f.ctx, f.a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID,
		LeadID: l.ID, Email: "l@b"})
	refused(t, err, "l@b")
	e := f.enroll(inst, "e@example.com")
	_, err = f.s.UpdateEnrollment(f.ctx, f.a, e.ID, func(e *enroll.Enrollment) error { e.Email = "e@b"; return nil })
	refused(t, err, "e@b")
	if got := must(f.s.FindCustomer(f.ctx, f.a.WorkspaceID, c.ID)); got.Email != "c@example.com" {
		t.Fatalf("customer = %+v", got)
	}
	if got := must(f.s.FindLead(f.ctx, f.a.WorkspaceID, l.ID)); got.Email != "l@example.com" || got.CustomerID != "" {
		t.Fatalf("lead = %+v", got)
	}
	if got := must(f.s.FindEnrollment(f.ctx, f.a.WorkspaceID, e.ID)); got.Email != "e@example.com" {
		t.Fatalf("enrollment = %+v", got)
	}

	// Import rows, CSV and NDJSON, fail at the email, saying why.
	is := importStore(t, f.s)
	for _, c := range []struct{ format, file string }{
		{enroll.FormatCSV, "firstName,lastName,email\nI,One,i1@b\nI,Two,i2@[192.0.2.1]\nI,Three,i3@example.com\n"},
		{enroll.FormatNDJSON, `{"identificationType":"customerInfo","firstName":"N","lastName":"One","email":"n1@localhost"}` + "\n" +
			`{"identificationType":"customerInfo","firstName":"N","lastName":"Two","email":"n2@example.com"}` + "\n"},
	} {
		im := runImport(f, is, f.instance(noAutoEvaluate), c.format, c.file, false, 10)
		errs := allErrors(f, is, im.ID, 100)
		if im.CreatedCount != 1 || im.FailedRows != len(errs) || len(errs) == 0 {
			t.Fatalf("%s import = %+v, errors %+v", c.format, im, errs)
		}
		for _, e := range errs {
			if e.Field != "email" || !strings.Contains(e.Message, "must have") {
				t.Fatalf("%s row error = %+v, want the email's problem", c.format, e)
			}
		}
	}
}

// ParticipantEmailsStored checks participants whose emails were stored
// before mail relays' rules were checked (setEmail writes one behind the
// store's back: table is customers or leads): each stays savable as
// read, enrollments are made from it and stay savable, while a new
// email, even one differing only in case, is refused.
func ParticipantEmailsStored(t *testing.T, s enroll.Store, setEmail func(table, id, email string)) {
	f := newFixtureOn(t, s)
	inst := f.instance(noAutoEvaluate)
	later := f.sibling(inst, noAutoEvaluate)
	c := &enroll.Customer{FirstName: "A", LastName: "B", Email: "c@example.com"}
	must(c, f.s.CreateCustomer(f.ctx, f.a, c))
	setEmail("customers", c.ID, "c@localhost")
	if got := must(f.s.UpdateCustomer(f.ctx, f.a, c.ID, func(c *enroll.Customer) error { c.Phone = "+1555"; return nil })); got.Email != "c@localhost" {
		t.Fatalf("customer sent back = %+v", got)
	}
	for _, email := range []string{"C@localhost", "d@localhost"} {
		_, err := f.s.UpdateCustomer(f.ctx, f.a, c.ID, func(c *enroll.Customer) error { c.Email = email; return nil })
		wantField(t, err, "email", email)
	}
	e := must(f.s.CreateEnrollment(f.ctx, f.a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerID, CustomerID: c.ID}))
	if e.Email != "c@localhost" {
		t.Fatalf("enrollment of the customer = %+v", e)
	}
	must(f.s.UpdateEnrollment(f.ctx, f.a, e.ID, func(e *enroll.Enrollment) error { e.Notes = "kept"; return nil }))
	_, err := f.s.UpdateEnrollment(f.ctx, f.a, e.ID, func(e *enroll.Enrollment) error { e.Email = "e@localhost"; return nil })
	wantField(t, err, "email", "e@localhost")
	if again := must(f.s.CreateEnrollment(f.ctx, f.a, later.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByEnrollmentID,
		EnrollmentID: e.ID})); again.Email != "c@localhost" || again.CustomerID != c.ID {
		t.Fatalf("re-enrollment = %+v", again)
	}
	// customerInfo gives the email anew: a create, refused like any.
	_, err = f.s.CreateEnrollment(f.ctx, f.a, later.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: "A", LastName: "B", Email: "c@localhost"})
	wantField(t, err, "email", "c@localhost")

	// Leads: one with names becomes a customer with its email; one
	// without is enrolled as the lead.
	for i, names := range []bool{true, false} {
		l := &enroll.Lead{Phone: "+1555", Email: fmt.Sprintf("lead%d@example.com", i)}
		if names {
			l.FirstName, l.LastName = "L", "M"
		}
		must(l, f.s.CreateLead(f.ctx, f.a, l))
		stored := fmt.Sprintf("lead%d@b", i)
		setEmail("leads", l.ID, stored)
		if got := must(f.s.UpdateLead(f.ctx, f.a, l.ID, func(l *enroll.Lead) error { l.Phone = "+1556"; return nil })); got.Email != stored {
			t.Fatalf("lead sent back = %+v", got)
		}
		_, err := f.s.UpdateLead(f.ctx, f.a, l.ID, func(l *enroll.Lead) error { l.Email = "x@b"; return nil })
		wantField(t, err, "email", "x@b")
		e := must(f.s.CreateEnrollment(f.ctx, f.a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID, LeadID: l.ID}))
		if e.Email != stored || (e.CustomerID != "") != names {
			t.Fatalf("enrollment of lead %d = %+v", i, e)
		}
		if names {
			if got := must(f.s.FindCustomer(f.ctx, f.a.WorkspaceID, e.CustomerID)); got.Email != stored {
				t.Fatalf("customer of the lead = %+v", got)
			}
		}
		must(f.s.UpdateEnrollment(f.ctx, f.a, e.ID, func(e *enroll.Enrollment) error { e.Notes = "kept"; return nil }))
	}
}
