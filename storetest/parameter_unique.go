package storetest

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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
	taken := func(err error, holder *enroll.Enrollment) { t.Helper(); wantTakenBy(t, err, holder) }
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

// testUniqueDeclarationRace makes a parameter unique while enrollments
// are created, and their values changed, concurrently: each write either
// came before the update, whose registration then holds its value, or
// after, under the new declaration. Whichever, every value an open
// enrollment holds afterwards is refused to another.
func testUniqueDeclarationRace(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	const writers, each = 8, 12
	for round := range 2 {
		inst := f.instance(noAutoEvaluate, func(in *enroll.ProgramInstance) {
			in.Parameters = []enroll.Parameter{{ExternalID: "s", Name: "S", Type: enroll.ParamString}}
		})
		value := func(w, i int, changed bool) string { return fmt.Sprintf("r%d-w%d-%d-%t", round, w, i, changed) }
		var (
			wg      sync.WaitGroup
			started atomic.Int32
			mu      sync.Mutex
			held    = map[string]string{} // value → enrollment
		)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					started.Add(1)
					e, err := f.s.CreateEnrollment(f.ctx, f.a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
						FirstName: "R", LastName: "Ace", Email: value(w, i, false) + "@example.com",
						Parameters: []enroll.ParameterValue{{ExternalID: "s", Value: value(w, i, false)}}})
					if err != nil {
						t.Errorf("create: %v", err)
						return
					}
					v := value(w, i, i%2 == 1)
					if i%2 == 1 {
						_, err = f.s.UpdateEnrollment(f.ctx, f.a, e.ID, func(e *enroll.Enrollment) error {
							e.Parameters = []enroll.ParameterValue{{ExternalID: "s", Value: v}}
							return nil
						})
						if err != nil {
							t.Errorf("update: %v", err)
							return
						}
					}
					mu.Lock()
					held[v] = e.ID
					mu.Unlock()
				}
			})
		}
		for started.Load() < writers*each/3 {
			time.Sleep(time.Millisecond)
		}
		if _, err := f.s.UpdateInstance(f.ctx, f.a, inst.ID, func(in *enroll.ProgramInstance) error {
			in.Parameters[0].Constraints.Unique = true
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		for v, id := range held {
			_, err := f.s.CreateEnrollment(f.ctx, f.a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
				FirstName: "R", LastName: "Ace", Email: "again-" + v + "@example.com", Parameters: []enroll.ParameterValue{{ExternalID: "s", Value: v}}})
			if enroll.ErrorCode(err) != enroll.ECONFLICT || err.(*enroll.Error).Extra["existingId"] != id {
				t.Fatalf("round %d: a create with %s, which %s holds: %v", round, v, id, err)
			}
		}
	}
}

// wantTakenBy fails unless err is the ECONFLICT of parameter s's value,
// naming holder.
func wantTakenBy(t *testing.T, err error, holder *enroll.Enrollment) {
	t.Helper()
	wantCode(t, err, enroll.ECONFLICT)
	if x := err.(*enroll.Error).Extra; x["existingId"] != holder.ID || x["parameter"] != "s" {
		t.Fatalf("unique conflict = %v, want %s's", err, holder.ID)
	}
}
