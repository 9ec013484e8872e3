package storetest

import (
	"testing"

	"github.com/enrollhq/enroll"
)

func testProgram(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	p := f.program("rebate")
	if p.ID == "" || p.CreatedAt.IsZero() || p.States == nil || p.Metadata == nil {
		t.Fatalf("CreateProgram left %+v", p)
	}
	for _, key := range []string{p.ID, "rebate"} {
		if got := must(f.s.FindProgram(f.ctx, f.a.WorkspaceID, key)); got.ID != p.ID {
			t.Fatalf("FindProgram(%s) = %s", key, got.ID)
		}
	}
	wantCode(t, f.s.CreateProgram(f.ctx, f.a, &enroll.Program{Slug: "rebate", Name: "Again"}), enroll.ECONFLICT)
	wantCode(t, f.s.CreateProgram(f.ctx, f.a, &enroll.Program{Slug: "Bad Slug!", Name: ""}), enroll.EINVALID)

	up := must(f.s.UpdateProgram(f.ctx, f.a, "rebate", func(p *enroll.Program) error {
		p.Name, p.ID = "Renamed", "ignored"
		return nil
	}))
	if up.Name != "Renamed" || up.ID != p.ID || !up.UpdatedAt.After(p.UpdatedAt) && !up.UpdatedAt.Equal(p.UpdatedAt) {
		t.Fatalf("UpdateProgram = %+v", up)
	}
	f.program("second")
	_, err := f.s.UpdateProgram(f.ctx, f.a, "second", func(p *enroll.Program) error { p.Slug = "rebate"; return nil })
	wantCode(t, err, enroll.ECONFLICT)
	_, err = f.s.UpdateProgram(f.ctx, f.a, "rebate", func(p *enroll.Program) error { return enroll.Errorf(enroll.EPRECONDITION, "stale") })
	wantCode(t, err, enroll.EPRECONDITION)

	active := false
	pg := must(f.s.ListPrograms(f.ctx, f.a.WorkspaceID, enroll.ProgramFilter{}))
	if pg.TotalItems != 2 || len(pg.Data) != 2 || pg.Data[0].Slug != "second" {
		t.Fatalf("ListPrograms = %+v", pg)
	}
	if pg := must(f.s.ListPrograms(f.ctx, f.a.WorkspaceID, enroll.ProgramFilter{Active: &active})); pg.TotalItems != 0 {
		t.Fatalf("ListPrograms(active=false) = %d items", pg.TotalItems)
	}

	inst := &enroll.ProgramInstance{ProgramID: "rebate", Slug: "y1", Name: "Y1", Status: enroll.InstanceActive}
	if err := f.s.CreateInstance(f.ctx, f.a, inst); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.s.DeleteProgram(f.ctx, f.a, "rebate", nil), enroll.ECONFLICT)
	if err := f.s.DeleteInstance(f.ctx, f.a, inst.ID, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.s.DeleteProgram(f.ctx, f.a, "rebate", nil); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.FindProgram(f.ctx, f.a.WorkspaceID, p.ID)
	wantCode(t, err, enroll.ENOTFOUND)
}

func testInstance(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	p := f.program("dr")
	in := &enroll.ProgramInstance{ProgramID: "dr", Slug: "summer-2026", Name: "Summer", Status: enroll.InstanceActive, AutoEvaluate: true,
		EligibilityRules: []enroll.Rule{{Name: "in-ny", Expression: `enrollment.address.state == "NY"`, Reason: "Outside service area"}},
		Groups:           []enroll.Group{{ID: "g1", Name: "Group 1"}}}
	if err := f.s.CreateInstance(f.ctx, f.a, in); err != nil {
		t.Fatal(err)
	}
	if in.ProgramID != p.ID || in.RulesVersion != 1 || in.Parameters == nil {
		t.Fatalf("CreateInstance left %+v", in)
	}
	got := must(f.s.FindInstance(f.ctx, f.a.WorkspaceID, in.ID))
	if got.Slug != "summer-2026" || len(got.EligibilityRules) != 1 || len(got.Groups) != 1 {
		t.Fatalf("FindInstance = %+v", got)
	}
	dup := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "summer-2026", Name: "Dup", Status: enroll.InstanceActive}
	wantCode(t, f.s.CreateInstance(f.ctx, f.a, dup), enroll.ECONFLICT)
	missing := &enroll.ProgramInstance{ProgramID: "nope", Slug: "x", Name: "X", Status: enroll.InstanceActive}
	wantCode(t, f.s.CreateInstance(f.ctx, f.a, missing), enroll.ENOTFOUND)
	badRule := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "bad", Name: "Bad", Status: enroll.InstanceActive,
		EligibilityRules: []enroll.Rule{{Name: "broken", Expression: "enrollment.(("}}}
	wantCode(t, f.s.CreateInstance(f.ctx, f.a, badRule), enroll.EINVALID)
	badStatus := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "bad2", Name: "Bad", Status: "open"}
	wantCode(t, f.s.CreateInstance(f.ctx, f.a, badStatus), enroll.EINVALID)
	// Rules are tried on the parameters the instance declares: a number
	// parameter's values are doubles to them, so kw * 2 fails for all.
	kw := []enroll.Parameter{{ExternalID: "kw", Name: "kW", Type: enroll.ParamNumber}}
	intRule := &enroll.ProgramInstance{ProgramID: f.program("kw").ID, Slug: "kw", Name: "KW", Status: enroll.InstanceActive, Parameters: kw,
		EligibilityRules: []enroll.Rule{{Name: "kw", Expression: "enrollment.params.kw * 2 > 10"}}}
	wantCode(t, f.s.CreateInstance(f.ctx, f.a, intRule), enroll.EINVALID)
	intRule.EligibilityRules[0].Expression = "enrollment.params.kw * 2.0 > 10.0"
	if err := f.s.CreateInstance(f.ctx, f.a, intRule); err != nil {
		t.Fatalf("a rule with doubles on a number parameter: %v", err)
	}
	_, err := f.s.UpdateInstance(f.ctx, f.a, intRule.ID, func(in *enroll.ProgramInstance) error {
		in.Parameters[0].Type = enroll.ParamString
		in.EligibilityRules[0].Expression = "enrollment.params.kw * 2.0 > 11.0"
		return nil
	})
	wantCode(t, err, enroll.EINVALID)

	up := must(f.s.UpdateInstance(f.ctx, f.a, in.ID, func(in *enroll.ProgramInstance) error {
		in.EligibilityRules = append(in.EligibilityRules, enroll.Rule{Name: "has-email", Expression: `has(customer.email)`})
		in.RulesVersion = 99
		return nil
	}))
	if up.RulesVersion != 2 || len(up.EligibilityRules) != 2 {
		t.Fatalf("rules change: version %d, %d rules", up.RulesVersion, len(up.EligibilityRules))
	}
	same := must(f.s.UpdateInstance(f.ctx, f.a, in.ID, func(in *enroll.ProgramInstance) error { return nil }))
	if same.RulesVersion != 2 || !same.UpdatedAt.Equal(up.UpdatedAt) {
		t.Fatal("an update that changes nothing must not write")
	}
	_, err = f.s.UpdateInstance(f.ctx, f.a, in.ID, func(in *enroll.ProgramInstance) error {
		in.EligibilityRules[0].Expression = "1 + 1"
		return nil
	})
	wantCode(t, err, enroll.EINVALID)

	pg := must(f.s.ListInstances(f.ctx, f.a.WorkspaceID, enroll.InstanceFilter{ProgramID: "dr"}))
	if pg.TotalItems != 1 || pg.Data[0].ID != in.ID {
		t.Fatalf("ListInstances(program) = %+v", pg)
	}
	// An unknown program matches nothing, as an unknown customerId does in
	// an enrollment list: a filter narrows a list, it does not name a
	// resource.
	other := newFixtureOn(t, f.s)
	otherProgram := other.program("dr")
	if err := f.s.CreateInstance(f.ctx, other.a, &enroll.ProgramInstance{ProgramID: otherProgram.ID, Slug: "y1", Name: "Y1", Status: enroll.InstanceActive}); err != nil {
		t.Fatal(err)
	}
	for _, program := range []string{"nope", enroll.NewID(), otherProgram.ID} {
		pg = must(f.s.ListInstances(f.ctx, f.a.WorkspaceID, enroll.InstanceFilter{ProgramID: program}))
		if pg.TotalItems != 0 || len(pg.Data) != 0 {
			t.Fatalf("ListInstances(program %s) = %+v", program, pg)
		}
	}
	pg = must(f.s.ListInstances(f.ctx, f.a.WorkspaceID, enroll.InstanceFilter{Statuses: []enroll.InstanceStatus{enroll.InstanceArchived}}))
	if pg.TotalItems != 0 {
		t.Fatalf("ListInstances(archived) = %d", pg.TotalItems)
	}
	pg = must(f.s.ListInstances(f.ctx, f.a.WorkspaceID, enroll.InstanceFilter{IDs: []string{"other"}}))
	if pg.TotalItems != 0 {
		t.Fatalf("ListInstances(ids) = %d", pg.TotalItems)
	}

	counts := must(f.s.CountEnrollments(f.ctx, f.a.WorkspaceID, in.ID))
	if len(counts) != len(enroll.Statuses) {
		t.Fatalf("CountEnrollments has %d statuses", len(counts))
	}
	f.enroll(in, "a@example.com", func(c *enroll.EnrollmentCreate) { c.Address = &enroll.Address{State: "NY"} })
	wantCode(t, f.s.DeleteInstance(f.ctx, f.a, in.ID, nil), enroll.ECONFLICT)
	_, err = f.s.UpdateInstance(f.ctx, f.a, in.ID, func(in *enroll.ProgramInstance) error { in.Status = enroll.InstanceArchived; return nil })
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.s.CreateEnrollment(f.ctx, f.a, in.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: "B", LastName: "B", Email: "b@example.com"})
	wantCode(t, err, enroll.ECONFLICT)
}
