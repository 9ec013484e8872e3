package storetest

import (
	"slices"
	"testing"

	"github.com/enrollhq/enroll"
)

// testUniqueDeclarations checks that an instance update making a
// parameter unique registers the values its open enrollments hold, in its
// transaction, or is refused, changing nothing, when two of them share
// one; that removing unique, or the parameter, frees the values; and that
// no enrollment is then refused a write for a value it held and kept.
func testUniqueDeclarations(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	param := func(unique bool, typ enroll.ParameterType) []enroll.Parameter {
		return []enroll.Parameter{{ExternalID: "s", Name: "S", Type: typ, Constraints: enroll.ParameterConstraints{Unique: unique}}}
	}
	plain, unique := param(false, enroll.ParamString), param(true, enroll.ParamString)
	declare := func(inst *enroll.ProgramInstance, params []enroll.Parameter) error {
		t.Helper()
		_, err := f.s.UpdateInstance(f.ctx, f.a, inst.ID, func(in *enroll.ProgramInstance) error {
			in.Parameters = params
			return nil
		})
		return err
	}
	withS := func(v any) func(*enroll.EnrollmentCreate) {
		return func(c *enroll.EnrollmentCreate) { c.Parameters = []enroll.ParameterValue{{ExternalID: "s", Value: v}} }
	}
	create := func(inst *enroll.ProgramInstance, email string, v any) (*enroll.Enrollment, error) {
		in := &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo, FirstName: "U", LastName: "Nique", Email: email}
		withS(v)(in)
		return f.s.CreateEnrollment(f.ctx, f.a, inst.ID, in)
	}
	setS := func(e *enroll.Enrollment, v any) (*enroll.Enrollment, error) {
		return f.s.UpdateEnrollment(f.ctx, f.a, e.ID, func(e *enroll.Enrollment) error {
			e.Parameters = []enroll.ParameterValue{{ExternalID: "s", Value: v}}
			return nil
		})
	}
	taken := func(err error, holder *enroll.Enrollment) {
		t.Helper()
		wantCode(t, err, enroll.ECONFLICT)
		if x := err.(*enroll.Error).Extra; x["existingId"] != holder.ID || x["parameter"] != "s" {
			t.Fatalf("unique conflict = %v, want %s's", err, holder.ID)
		}
	}
	shared := func(err error, value string, holders ...*enroll.Enrollment) {
		t.Helper()
		wantCode(t, err, enroll.ECONFLICT)
		var ids []string
		for _, h := range holders {
			ids = append(ids, h.ID)
		}
		slices.Sort(ids)
		if x := err.(*enroll.Error).Extra; x["parameter"] != "s" || x["value"] != value || !slices.Equal(x["enrollmentIds"].([]string), ids) {
			t.Fatalf("instance update over shared values = %v %v, want %s shared by %v", err, x, value, ids)
		}
	}
	declared := func(inst *enroll.ProgramInstance, want []enroll.Parameter) {
		t.Helper()
		got := must(f.s.FindInstance(f.ctx, f.a.WorkspaceID, inst.ID))
		if len(got.Parameters) != len(want) || len(want) > 0 && got.Parameters[0].Constraints.Unique != want[0].Constraints.Unique {
			t.Fatalf("instance declares %+v, want %+v", got.Parameters, want)
		}
	}
	// writes makes every kind of write that leaves s alone: notes, a
	// status change, an evaluation.
	writes := func(e *enroll.Enrollment) {
		t.Helper()
		must(f.s.UpdateEnrollment(f.ctx, f.a, e.ID, func(e *enroll.Enrollment) error { e.Notes = "x"; return nil }))
		if e.Eligibility.Status == enroll.StatusCandidate {
			f.move(e, enroll.StatusEligible)
		}
		must(f.s.EvaluateEnrollment(f.ctx, f.a, e.ID, nil))
	}
	closed := func(inst *enroll.ProgramInstance, email string, v any) *enroll.Enrollment {
		t.Helper()
		e := must(create(inst, email, v))
		return f.move(f.move(f.move(e, enroll.StatusEligible), enroll.StatusSubmitted), enroll.StatusRejected)
	}

	// Made unique after an enrollment holds a value: the value is held.
	inst := f.instance(noAutoEvaluate, func(in *enroll.ProgramInstance) { in.Parameters = plain })
	u1 := must(create(inst, "u1@example.com", "SAME"))
	if err := declare(inst, unique); err != nil {
		t.Fatal(err)
	}
	_, err := create(inst, "u2@example.com", "SAME")
	taken(err, u1)
	writes(u1)
	u2 := must(create(inst, "u2@example.com", "OTHER"))
	_, err = setS(u2, "SAME")
	taken(err, u1)

	// Two open enrollments share a value: making it unique is refused,
	// naming them, and changes nothing. Closed enrollments and empty
	// values hold nothing.
	inst = f.instance(noAutoEvaluate, func(in *enroll.ProgramInstance) { in.Parameters = plain })
	a := must(create(inst, "a@example.com", "SAME"))
	b := must(create(inst, "b@example.com", "SAME"))
	closed(inst, "c@example.com", "SAME")
	closed(inst, "d@example.com", "OTHER")
	must(create(inst, "e@example.com", ""))
	must(create(inst, "f@example.com", " "))
	shared(declare(inst, unique), "SAME", a, b)
	declared(inst, plain)
	c := must(create(inst, "c2@example.com", "SAME"))
	shared(declare(inst, unique), "SAME", a, b, c)
	must(setS(c, "THIRD"))
	b = must(setS(b, "OTHER"))
	if err := declare(inst, unique); err != nil {
		t.Fatal(err)
	}
	declared(inst, unique)
	// Neither is locked out: writes that leave s alone pass, as does
	// setting the value it holds again.
	writes(a)
	writes(b)
	must(setS(b, "OTHER"))
	_, err = setS(b, "SAME")
	taken(err, a)
	_, err = create(inst, "g@example.com", "THIRD")
	taken(err, c)

	// Closing an enrollment frees its value; so does deleting one.
	f.move(f.move(a, enroll.StatusSubmitted), enroll.StatusRejected)
	b = must(setS(b, "SAME"))
	_, err = create(inst, "a2@example.com", "SAME")
	taken(err, b)
	if err := f.s.DeleteEnrollment(f.ctx, f.a, c.ID, nil); err != nil {
		t.Fatal(err)
	}
	c = must(create(inst, "c3@example.com", "THIRD"))

	// Removing unique frees the values, and making it unique again holds
	// them anew; as does removing the parameter (its values stay) and
	// declaring it again.
	if err := declare(inst, plain); err != nil {
		t.Fatal(err)
	}
	h := must(create(inst, "h@example.com", "SAME"))
	shared(declare(inst, unique), "SAME", b, h)
	declared(inst, plain)
	if err := declare(inst, nil); err != nil {
		t.Fatal(err)
	}
	shared(declare(inst, unique), "SAME", b, h)
	declared(inst, nil)
	if err := declare(inst, plain); err != nil {
		t.Fatal(err)
	}
	must(setS(h, "H"))
	if err := declare(inst, nil); err != nil {
		t.Fatal(err)
	}
	if err := declare(inst, unique); err != nil {
		t.Fatal(err)
	}
	_, err = create(inst, "i@example.com", "H")
	taken(err, h)
	_, err = create(inst, "i@example.com", "THIRD")
	taken(err, c)
	if is, ok := f.s.(enroll.ImportStore); ok {
		// An import's rows meet the values registered so.
		im := runImport(f, is, inst, enroll.FormatCSV, "firstName,lastName,email,parameters.s\nI,M,i@example.com,SAME\nJ,M,j@example.com,FREE\n", false, 100)
		if errs := allErrors(f, is, im.ID, 100); im.FailedRows != 1 || im.CreatedCount != 1 || len(errs) != 1 || errs[0].Row != 2 {
			t.Fatalf("import over registered values = %+v, errors %+v", im, errs)
		}
	}

	// A string parameter that becomes a date holds its date-times by
	// the form a date's value is written in: two that differ in case
	// only are one value.
	inst = f.instance(noAutoEvaluate, func(in *enroll.ProgramInstance) { in.Parameters = unique })
	lower := must(create(inst, "lower@example.com", "2026-01-02t03:04:05z"))
	upper := must(create(inst, "upper@example.com", "2026-01-02T03:04:05Z"))
	shared(declare(inst, param(true, enroll.ParamDate)), "2026-01-02T03:04:05Z", lower, upper)
	must(setS(upper, "2026-01-03T00:00:00Z"))
	if err := declare(inst, param(true, enroll.ParamDate)); err != nil {
		t.Fatal(err)
	}
	writes(lower)
	_, err = create(inst, "other@example.com", "2026-01-02T03:04:05Z")
	taken(err, lower)
}
