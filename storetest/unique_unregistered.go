package storetest

import (
	"testing"

	"github.com/enrollhq/enroll"
)

// UniqueValuesUnregistered checks the writes of enrollments whose values
// of a unique parameter were never registered, as a store that did not
// register values when a parameter was made unique left them: makeUnique
// declares an instance's first parameter unique in the stored instance
// and registers nothing. No write of an enrollment is refused for a value
// it held and kept: the first to write one takes it, if no other holds
// it; the others keep theirs unregistered. A value set anew is checked
// against the ones taken.
func UniqueValuesUnregistered(t *testing.T, s enroll.Store, makeUnique func(instanceID string)) {
	f := newFixtureOn(t, s)
	inst := f.instance(noAutoEvaluate, func(in *enroll.ProgramInstance) {
		in.Parameters = []enroll.Parameter{{ExternalID: "s", Name: "S", Type: enroll.ParamString}}
	})
	create := func(email, v string) (*enroll.Enrollment, error) {
		return f.s.CreateEnrollment(f.ctx, f.a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
			FirstName: "U", LastName: "Nique", Email: email, Parameters: []enroll.ParameterValue{{ExternalID: "s", Value: v}}})
	}
	setS := func(e *enroll.Enrollment, v string) (*enroll.Enrollment, error) {
		return f.s.UpdateEnrollment(f.ctx, f.a, e.ID, func(e *enroll.Enrollment) error {
			e.Parameters = []enroll.ParameterValue{{ExternalID: "s", Value: v}}
			return nil
		})
	}
	taken := func(err error, holder *enroll.Enrollment) { t.Helper(); wantTakenBy(t, err, holder) }
	writes := func(e *enroll.Enrollment) {
		t.Helper()
		must(f.s.UpdateEnrollment(f.ctx, f.a, e.ID, func(e *enroll.Enrollment) error { e.Notes = "x"; return nil }))
		f.move(e, enroll.StatusEligible)
		must(f.s.EvaluateEnrollment(f.ctx, f.a, e.ID, nil))
		f.move(e, enroll.StatusSubmitted)
	}
	a := must(create("a@example.com", "SAME"))
	b := must(create("b@example.com", "SAME"))
	x := must(create("x@example.com", "X"))
	makeUnique(inst.ID)
	if in := must(f.s.FindInstance(f.ctx, f.a.WorkspaceID, inst.ID)); !in.Parameters[0].Constraints.Unique {
		t.Fatalf("makeUnique left %+v", in.Parameters)
	}

	writes(a) // takes SAME
	writes(b) // keeps it, unregistered
	_, err := create("c@example.com", "SAME")
	taken(err, a)
	must(f.s.UpdateEnrollment(f.ctx, f.a, x.ID, func(e *enroll.Enrollment) error { e.Notes = "x"; return nil })) // takes X
	_, err = create("d@example.com", "X")
	taken(err, x)
	must(setS(b, "B"))
	_, err = setS(b, "SAME")
	taken(err, a)
}
