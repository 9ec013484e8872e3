package storetest

import (
	"testing"

	"github.com/enrollhq/enroll"
)

// testEnrolledElsewhereAfterConversion checks that enrolledInOtherProgram()
// of an enrollment a lead got as a bare lead (it names no customer) sees
// the approvals of the customer the lead became since: the lead's own
// approval by leadId, which names that customer, and the customer's by
// customerInfo. They are one participant's, as the rules test of the same
// lead already sees them, so an evaluation of the old enrollment must not
// find it eligible for an exclusive program the person is approved
// elsewhere for.
func testEnrolledElsewhereAfterConversion(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	exclusive := func(in *enroll.ProgramInstance) {
		in.AutoEvaluate = false
		in.EligibilityRules = []enroll.Rule{{Name: "exclusive", Expression: `!enrolledInOtherProgram()`, Reason: "Enrolled elsewhere"}}
	}
	inst, other := f.instance(exclusive), f.instance(noAutoEvaluate)
	approve := func(e *enroll.Enrollment) {
		t.Helper()
		for _, s := range []enroll.Status{enroll.StatusEligible, enroll.StatusSubmitted, enroll.StatusApproved} {
			e = f.move(e, s)
		}
	}
	evaluated := func(what string, e *enroll.Enrollment, want enroll.Status) {
		t.Helper()
		got := must(f.s.EvaluateEnrollment(f.ctx, f.a, e.ID, nil))
		if got.Eligibility.Status != want {
			t.Fatalf("%s: evaluated %s, want %s (%+v)", what, got.Eligibility.Status, want, got.Evaluation)
		}
		if ask := must(f.s.EnrolledElsewhere(f.ctx, f.a.WorkspaceID, e)); ask != (want == enroll.StatusIneligible) {
			t.Fatalf("%s: Store.EnrolledElsewhere = %v", what, ask)
		}
	}

	// A lead enrolled bare, then made a customer by its leadId create in
	// another program, approved there.
	l := &enroll.Lead{Phone: "+15550001"}
	if err := f.s.CreateLead(f.ctx, f.a, l); err != nil {
		t.Fatal(err)
	}
	bare := must(f.s.CreateEnrollment(f.ctx, f.a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID, LeadID: l.ID}))
	if bare.CustomerID != "" {
		t.Fatalf("bare lead's enrollment has customer %s", bare.CustomerID)
	}
	evaluated("before the lead's approval elsewhere", bare, enroll.StatusEligible)
	must(f.s.UpdateLead(f.ctx, f.a, l.ID, func(l *enroll.Lead) error {
		l.FirstName, l.LastName, l.Email = "Lee", "Ray", "lee.ray@example.com"
		return nil
	}))
	conv := must(f.s.CreateEnrollment(f.ctx, f.a, other.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID, LeadID: l.ID}))
	if conv.CustomerID == "" || conv.LeadID != l.ID {
		t.Fatalf("converted lead's enrollment: customer %q, lead %q", conv.CustomerID, conv.LeadID)
	}
	approve(conv)
	evaluated("after the lead's approval elsewhere as the customer it became", bare, enroll.StatusIneligible)
	f.move(must(f.s.FindEnrollment(f.ctx, f.a.WorkspaceID, conv.ID)), enroll.StatusUnenrolled)
	evaluated("after that approval ended", bare, enroll.StatusEligible)

	// Another bare lead whose email the customer has: it became that
	// customer, approved elsewhere by customerInfo.
	l2 := &enroll.Lead{Phone: "+15550002"}
	if err := f.s.CreateLead(f.ctx, f.a, l2); err != nil {
		t.Fatal(err)
	}
	third := f.instance(exclusive)
	bare2 := must(f.s.CreateEnrollment(f.ctx, f.a, third.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID, LeadID: l2.ID}))
	must(f.s.UpdateLead(f.ctx, f.a, l2.ID, func(l *enroll.Lead) error {
		l.FirstName, l.LastName, l.Email = "Ann", "Lee", "ann.lee@example.com"
		return nil
	}))
	fourth := f.instance(exclusive)
	made := must(f.s.CreateEnrollment(f.ctx, f.a, fourth.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID, LeadID: l2.ID}))
	if made.CustomerID == "" {
		t.Fatalf("lead not made a customer: %+v", made)
	}
	elsewhere := f.instance(noAutoEvaluate)
	approve(f.enroll(elsewhere, "ann.lee@example.com"))
	evaluated("after the customer the lead became is approved elsewhere", bare2, enroll.StatusIneligible)
}
