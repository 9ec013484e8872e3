package storetest

import (
	"testing"

	"github.com/enrollhq/enroll"
)

// testEnrolledElsewhereThroughLead checks that enrolledInOtherProgram()
// sees a participant's approved or paused enrollment in another program
// however it was enrolled: as a bare lead (one that names no customer),
// for that lead and, once the lead became a customer, for the customer,
// in a create by leadId or by customerInfo, an evaluation, an import and
// Store.EnrolledElsewhere (the rules test's) alike. Other seasons of the
// same program, closed enrollments and other workspaces do not count.
func testEnrolledElsewhereThroughLead(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	exclusive := func(in *enroll.ProgramInstance) {
		in.EligibilityRules = []enroll.Rule{{Name: "exclusive", Expression: `!enrolledInOtherProgram()`, Reason: "Enrolled elsewhere"}}
	}
	other := f.instance(noAutoEvaluate)
	inst, season := f.instance(exclusive), f.sibling(other, exclusive)
	ask := func(e *enroll.Enrollment) bool {
		t.Helper()
		return must(f.s.EnrolledElsewhere(f.ctx, f.a.WorkspaceID, e))
	}
	wantStatus := func(what string, e *enroll.Enrollment, s enroll.Status) {
		t.Helper()
		if e.Eligibility.Status != s {
			t.Fatalf("%s: status %s, want %s (%+v)", what, e.Eligibility.Status, s, e.Eligibility)
		}
	}

	// A bare lead approved in another program.
	l := &enroll.Lead{Phone: "+1555"}
	if err := f.s.CreateLead(f.ctx, f.a, l); err != nil {
		t.Fatal(err)
	}
	bare := must(f.s.CreateEnrollment(f.ctx, f.a, other.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID, LeadID: l.ID}))
	if bare.CustomerID != "" {
		t.Fatalf("bare lead's enrollment has customer %s", bare.CustomerID)
	}
	if ask(&enroll.Enrollment{LeadID: l.ID, ProgramInstanceID: inst.ID}) {
		t.Fatal("a candidate counts as enrolled elsewhere")
	}
	for _, s := range []enroll.Status{enroll.StatusEligible, enroll.StatusSubmitted, enroll.StatusApproved} {
		bare = f.move(bare, s)
	}
	if !ask(&enroll.Enrollment{LeadID: l.ID, ProgramInstanceID: inst.ID}) {
		t.Fatal("the lead's approval in another program is not seen")
	}
	if ask(&enroll.Enrollment{LeadID: l.ID, ProgramInstanceID: season.ID}) {
		t.Fatal("the lead's approval in another season of the program counts")
	}
	if ask(&enroll.Enrollment{ProgramInstanceID: inst.ID}) {
		t.Fatal("an enrollment with no participant counts as enrolled elsewhere")
	}
	stranger := newFixtureOn(t, f.s)
	if must(f.s.EnrolledElsewhere(f.ctx, stranger.a.WorkspaceID, &enroll.Enrollment{LeadID: l.ID, ProgramInstanceID: inst.ID})) {
		t.Fatal("another workspace sees the lead's enrollment")
	}

	// The lead becomes a customer, enrolled by leadId: the approval it got
	// as the lead is the customer's.
	must(f.s.UpdateLead(f.ctx, f.a, l.ID, func(l *enroll.Lead) error {
		l.FirstName, l.LastName, l.Email = "Lee", "Ray", "lee.ray@example.com"
		return nil
	}))
	conv := must(f.s.CreateEnrollment(f.ctx, f.a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID, LeadID: l.ID}))
	if conv.CustomerID == "" {
		t.Fatalf("converted lead's enrollment has no customer: %+v", conv)
	}
	wantStatus("created by leadId", conv, enroll.StatusIneligible)
	if !ask(&enroll.Enrollment{CustomerID: conv.CustomerID, ProgramInstanceID: inst.ID}) {
		t.Fatal("the customer's approval as a lead is not seen")
	}
	wantStatus("evaluated", must(f.s.EvaluateEnrollment(f.ctx, f.a, conv.ID, nil)), enroll.StatusIneligible)

	// By customerInfo with the customer's email, and by import.
	third := f.instance(exclusive)
	wantStatus("created by customerInfo", f.enroll(third, "LEE.RAY@example.com"), enroll.StatusIneligible)
	fourth := f.instance(exclusive)
	im := runImport(f, importStore(t, f.s), fourth, enroll.FormatCSV, "firstName,lastName,email\nLee,Ray,lee.ray@example.com\n", false, 100)
	if im.CreatedCount != 1 {
		t.Fatalf("import = %+v", im)
	}
	page := must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: fourth.ID}))
	if len(page.Data) != 1 {
		t.Fatalf("imported %d enrollments", len(page.Data))
	}
	wantStatus("imported", page.Data[0], enroll.StatusIneligible)

	// Paused still counts; unenrolled does not.
	bare = f.move(bare, enroll.StatusPaused)
	if !ask(&enroll.Enrollment{CustomerID: conv.CustomerID, ProgramInstanceID: inst.ID}) {
		t.Fatal("a paused enrollment of the lead is not seen")
	}
	f.move(bare, enroll.StatusUnenrolled)
	if ask(&enroll.Enrollment{CustomerID: conv.CustomerID, ProgramInstanceID: inst.ID}) ||
		ask(&enroll.Enrollment{LeadID: l.ID, ProgramInstanceID: inst.ID}) {
		t.Fatal("an unenrolled enrollment counts")
	}
	wantStatus("evaluated after unenrolling", must(f.s.EvaluateEnrollment(f.ctx, f.a, conv.ID, nil)), enroll.StatusEligible)
}
