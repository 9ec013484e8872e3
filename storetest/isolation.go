package storetest

import (
	"testing"

	"github.com/enrollhq/enroll"
)

// testIsolation checks that no method reaches across workspaces.
func testIsolation(t *testing.T, newStore Factory) {
	a := newFixture(t, newStore)
	b := newFixtureOn(t, a.s)
	inst := a.instance()
	e := a.enroll(inst, "iso@example.com")
	prog := must(a.s.FindProgram(a.ctx, a.a.WorkspaceID, inst.ProgramID))
	lead := &enroll.Lead{Email: "lead@example.com"}
	if err := a.s.CreateLead(a.ctx, a.a, lead); err != nil {
		t.Fatal(err)
	}
	ws, s, ctx := b.a.WorkspaceID, b.s, b.ctx
	own := b.instance()
	noop := func(any) error { return nil }
	for name, err := range map[string]error{
		"FindProgram":              second(s.FindProgram(ctx, ws, prog.ID)),
		"FindProgramSlug":          second(s.FindProgram(ctx, ws, prog.Slug)),
		"UpdateProgram":            second(s.UpdateProgram(ctx, b.a, prog.ID, func(p *enroll.Program) error { return noop(p) })),
		"DeleteProgram":            s.DeleteProgram(ctx, b.a, prog.ID, nil),
		"FindInstance":             second(s.FindInstance(ctx, ws, inst.ID)),
		"UpdateInstance":           second(s.UpdateInstance(ctx, b.a, inst.ID, func(p *enroll.ProgramInstance) error { return noop(p) })),
		"DeleteInstance":           s.DeleteInstance(ctx, b.a, inst.ID, nil),
		"CountEnrollments":         second(s.CountEnrollments(ctx, ws, inst.ID)),
		"CreateInstance":           s.CreateInstance(ctx, b.a, &enroll.ProgramInstance{ProgramID: prog.ID, Slug: "x", Name: "x", Status: enroll.InstanceActive}),
		"FindCustomer":             second(s.FindCustomer(ctx, ws, e.CustomerID)),
		"UpdateCustomer":           second(s.UpdateCustomer(ctx, b.a, e.CustomerID, func(c *enroll.Customer) error { return noop(c) })),
		"DeleteCustomer":           s.DeleteCustomer(ctx, b.a, e.CustomerID, nil),
		"FindLead":                 second(s.FindLead(ctx, ws, lead.ID)),
		"UpdateLead":               second(s.UpdateLead(ctx, b.a, lead.ID, func(l *enroll.Lead) error { return noop(l) })),
		"DeleteLead":               s.DeleteLead(ctx, b.a, lead.ID, nil),
		"FindEnrollment":           second(s.FindEnrollment(ctx, ws, e.ID)),
		"UpdateEnrollment":         second(s.UpdateEnrollment(ctx, b.a, e.ID, setStatus(enroll.StatusSubmitted, ""))),
		"EvaluateEnrollment":       second(s.EvaluateEnrollment(ctx, b.a, e.ID, nil)),
		"DeleteEnrollment":         s.DeleteEnrollment(ctx, b.a, e.ID, nil),
		"ListStatusChanges":        second(s.ListStatusChanges(ctx, ws, e.ID)),
		"CreateEnrollment":         second(s.CreateEnrollment(ctx, b.a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerID, CustomerID: e.CustomerID})),
		"CreateEnrollmentCustomer": second(s.CreateEnrollment(ctx, b.a, own.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerID, CustomerID: e.CustomerID})),
		"CreateEnrollmentReenroll": second(s.CreateEnrollment(ctx, b.a, own.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByEnrollmentID, EnrollmentID: e.ID})),
	} {
		if enroll.ErrorCode(err) != enroll.ENOTFOUND {
			t.Errorf("%s across workspaces: %v, want not found", name, err)
		}
	}
	if pg := must(s.ListEnrollments(ctx, ws, enroll.EnrollmentFilter{})); pg.TotalItems != 0 {
		t.Errorf("ListEnrollments sees %d foreign enrollments", pg.TotalItems)
	}
	if pg := must(s.ListEnrollments(ctx, ws, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID})); pg.TotalItems != 0 || len(pg.Data) != 0 {
		t.Errorf("ListEnrollments(instance) sees foreign enrollments")
	}
	if pg := must(s.ListPrograms(ctx, ws, enroll.ProgramFilter{})); pg.TotalItems != 1 { // b's own, from b.instance()
		t.Errorf("ListPrograms sees %d programs", pg.TotalItems)
	}
	if pg := must(s.ListCustomers(ctx, ws, enroll.CustomerFilter{})); pg.TotalItems != 0 {
		t.Errorf("ListCustomers sees %d customers", pg.TotalItems)
	}
	if pg := must(s.ListEvents(ctx, ws, enroll.EventFilter{ObjectID: e.ID})); pg.TotalItems != 0 {
		t.Errorf("ListEvents sees foreign events")
	}
	if keys := must(s.ListAPIKeys(ctx, ws)); len(keys) != 1 {
		t.Errorf("ListAPIKeys sees %d keys", len(keys))
	}
	// The same email is a different customer in another workspace.
	b.enroll(own, "iso@example.com")
	if _, err := a.s.FindEnrollment(a.ctx, a.a.WorkspaceID, e.ID); err != nil {
		t.Fatalf("owner lost its enrollment: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }
