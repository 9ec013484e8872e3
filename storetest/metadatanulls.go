package storetest

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/enrollhq/enroll"
)

// testMetadataNulls checks that a write that is not a merge patch (a
// create, an import) stores no null member of metadata, at any depth, so
// that a read representation sent back whole as a merge patch deletes
// nothing; lists keep their nulls, as a merge patch does. It also checks
// that a number parameter sent as -0 is stored as 0 on both stores.
func testMetadataNulls(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	meta := func() map[string]any {
		return map[string]any{"n": nil, "a": 1.0, "o": map[string]any{"x": nil, "l": []any{nil, 2.0}}}
	}
	const want = `{"a":1,"o":{"l":[null,2]}}`
	check := func(what string, m map[string]any) {
		t.Helper()
		if b, _ := json.Marshal(m); string(b) != want {
			t.Errorf("%s metadata stored as %s, want %s", what, b, want)
		}
	}
	p := &enroll.Program{Slug: "nulls", Name: "Nulls", Active: true, Metadata: meta()}
	if err := f.s.CreateProgram(f.ctx, f.a, p); err != nil {
		t.Fatal(err)
	}
	check("program", must(f.s.FindProgram(f.ctx, f.a.WorkspaceID, p.ID)).Metadata)
	inst := f.instance(noAutoEvaluate, func(in *enroll.ProgramInstance) {
		in.Metadata = meta()
		in.Parameters = []enroll.Parameter{{ExternalID: "kw", Name: "kW", Type: enroll.ParamNumber}}
	})
	check("instance", must(f.s.FindInstance(f.ctx, f.a.WorkspaceID, inst.ID)).Metadata)
	e := f.enroll(inst, "nulls@example.com", func(c *enroll.EnrollmentCreate) {
		c.Metadata = meta()
		c.Parameters = []enroll.ParameterValue{{ExternalID: "kw", Value: math.Copysign(0, -1)}}
	})
	got := must(f.s.FindEnrollment(f.ctx, f.a.WorkspaceID, e.ID))
	check("enrollment", got.Metadata)
	if len(got.Parameters) != 1 || got.Parameters[0].Value != 0.0 || math.Signbit(got.Parameters[0].Value.(float64)) {
		t.Errorf("a number parameter sent as -0 is stored as %#v, want 0", got.Parameters)
	}
	c := &enroll.Customer{FirstName: "Cy", LastName: "Cole", Email: "cy.nulls@example.com", Metadata: meta()}
	if err := f.s.CreateCustomer(f.ctx, f.a, c); err != nil {
		t.Fatal(err)
	}
	check("customer", must(f.s.FindCustomer(f.ctx, f.a.WorkspaceID, c.ID)).Metadata)
	l := &enroll.Lead{FirstName: "Lee", Metadata: meta()}
	if err := f.s.CreateLead(f.ctx, f.a, l); err != nil {
		t.Fatal(err)
	}
	check("lead", must(f.s.FindLead(f.ctx, f.a.WorkspaceID, l.ID)).Metadata)
	is := importStore(t, f.s)
	if im := runImport(f, is, inst, enroll.FormatNDJSON,
		`{"identificationType":"customerInfo","firstName":"Ann","lastName":"Imported","email":"ann.nulls@example.com","metadata":{"n":null,"a":1,"o":{"x":null,"l":[null,2]}},"parameters":[{"externalId":"kw","value":-0}]}`+"\n",
		false, 100); im.CreatedCount != 1 {
		t.Fatalf("import created %d: %+v", im.CreatedCount, allErrors(f, is, im.ID, 100))
	}
	all := must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, ListParams: enroll.ListParams{PerPage: 10}}))
	for _, e := range all.Data {
		if e.LastName == "Imported" {
			check("imported enrollment", e.Metadata)
			if len(e.Parameters) != 1 || math.Signbit(e.Parameters[0].Value.(float64)) {
				t.Errorf("an imported -0 is stored as %#v, want 0", e.Parameters)
			}
		}
	}
}
