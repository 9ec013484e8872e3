package storetest

import (
	"io"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// testImportPrepared checks a store's enroll.ImportPreparer: a batch
// planned ahead is written as planned when nothing it depended on changed
// in between, and planned again, as if never prepared, when something did.
// Stores without it plan in the write transaction only; RunImport (the
// other import tests) exercises the pipeline on every store.
func testImportPrepared(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	pp, ok := f.s.(enroll.ImportPreparer)
	if !ok {
		t.Skipf("%T plans imports in the write transaction only", f.s)
	}
	is := importStore(t, f.s)
	inst := importInstance(f)
	header := "firstName,lastName,email,address.state\n"
	rowsOf := func(file string) []*enroll.ImportRow {
		t.Helper()
		dec := must(enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(header+file)))
		var rows []*enroll.ImportRow
		for {
			r, err := dec.Next()
			if err == io.EOF {
				return rows
			} else if err != nil {
				t.Fatal(err)
			}
			rows = append(rows, r)
		}
	}
	job := func() *enroll.Import {
		t.Helper()
		im := &enroll.Import{ProgramInstanceID: inst.ID, Format: enroll.FormatCSV}
		if err := is.CreateImport(f.ctx, f.a, im); err != nil {
			t.Fatal(err)
		}
		return im
	}
	find := func(email string) []*enroll.Enrollment {
		t.Helper()
		return must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Email: email})).Data
	}
	planned := func(prep *enroll.PreparedImport) *enroll.ImportPlan {
		t.Helper()
		if prep == nil || prep.Runs[0] == nil {
			t.Fatalf("nothing planned: %+v", prep)
		}
		return prep.Runs[0].Plan
	}

	t.Run("unchanged", func(t *testing.T) {
		im := job()
		rows := rowsOf("Ann,Ahead,ann.ahead@example.com,NY\nBob,Ahead,bob.ahead@example.com,CA\n")
		prep := must(pp.PrepareImport(f.ctx, f.a, im.ID, rows))
		plan := planned(prep)
		got := must(pp.ImportPrepared(f.ctx, f.a, im.ID, rows, prep))
		if got.CreatedCount != 2 || got.ProcessedRows != 2 {
			t.Fatalf("job = %+v", got)
		}
		for i, email := range []string{"ann.ahead@example.com", "bob.ahead@example.com"} {
			es := find(email)
			if len(es) != 1 || es[0].ID != plan.Created[i].Enrollment.ID {
				t.Fatalf("%s: %+v, planned %s: the plan made ahead was not the one written", email, es, plan.Created[i].Enrollment.ID)
			}
		}
		if es := find("bob.ahead@example.com"); es[0].Eligibility.Status != enroll.StatusIneligible {
			t.Fatalf("bob = %+v", es[0].Eligibility)
		}
	})

	t.Run("enrolled in between", func(t *testing.T) {
		im := job()
		rows := rowsOf("Cy,Between,cy.between@example.com,NY\nDee,Between,dee.between@example.com,NY\n")
		prep := must(pp.PrepareImport(f.ctx, f.a, im.ID, rows))
		plan := planned(prep)
		first := f.enroll(inst, "cy.between@example.com")
		got := must(pp.ImportPrepared(f.ctx, f.a, im.ID, rows, prep))
		if got.CreatedCount != 1 || got.SkippedCount != 1 {
			t.Fatalf("job = %+v: the row enrolled in between must be skipped", got)
		}
		if es := find("cy.between@example.com"); len(es) != 1 || es[0].ID != first.ID {
			t.Fatalf("cy = %+v, want only %s", es, first.ID)
		}
		if es := find("dee.between@example.com"); len(es) != 1 || es[0].ID == plan.Created[1].Enrollment.ID {
			t.Fatalf("dee = %+v: the stale plan was written", es)
		}
	})

	t.Run("reference taken in between", func(t *testing.T) {
		// No constraint stops a second open enrollment with a referenceId:
		// only the look-up does.
		im := job()
		rows := rowsOf("Gus,Ref,gus.ref@example.com,NY\n")
		for _, r := range rows {
			r.Create.ReferenceID = "REF-BETWEEN"
		}
		prep := must(pp.PrepareImport(f.ctx, f.a, im.ID, rows))
		planned(prep)
		f.enroll(inst, "hal.ref@example.com", func(in *enroll.EnrollmentCreate) { in.ReferenceID = "REF-BETWEEN" })
		got := must(pp.ImportPrepared(f.ctx, f.a, im.ID, rows, prep))
		if got.SkippedCount != 1 || got.CreatedCount != 0 || len(find("gus.ref@example.com")) != 0 {
			t.Fatalf("job = %+v: the row whose referenceId was enrolled in between must be skipped", got)
		}
	})

	t.Run("instance changed in between", func(t *testing.T) {
		im := job()
		rows := rowsOf("Eve,Rules,eve.rules@example.com,NY\n")
		prep := must(pp.PrepareImport(f.ctx, f.a, im.ID, rows))
		if planned(prep).Created[0].Enrollment.Eligibility.Status != enroll.StatusEligible {
			t.Fatalf("planned %+v", planned(prep).Created[0].Enrollment.Eligibility)
		}
		must(f.s.UpdateInstance(f.ctx, f.a, inst.ID, func(in *enroll.ProgramInstance) error {
			in.EligibilityRules = []enroll.Rule{{Name: "nj", Expression: `has(enrollment.address) && enrollment.address.state == "NJ"`, Reason: "NJ only"}}
			return nil
		}))
		must(pp.ImportPrepared(f.ctx, f.a, im.ID, rows, prep))
		if es := find("eve.rules@example.com"); len(es) != 1 || es[0].Eligibility.Status != enroll.StatusIneligible || es[0].Eligibility.Reason != "NJ only" {
			t.Fatalf("eve = %+v: evaluated with the rules the batch was planned with", es)
		}
	})

	t.Run("dry run", func(t *testing.T) {
		im := &enroll.Import{ProgramInstanceID: inst.ID, Format: enroll.FormatCSV, DryRun: true}
		if err := is.CreateImport(f.ctx, f.a, im); err != nil {
			t.Fatal(err)
		}
		rows := rowsOf("Fay,Dry,fay.dry@example.com,NY\n")
		prep := must(pp.PrepareImport(f.ctx, f.a, im.ID, rows))
		if len(prep.Runs) != 0 {
			t.Fatalf("a dry run was planned ahead: %+v", prep)
		}
		if got := must(pp.ImportPrepared(f.ctx, f.a, im.ID, rows, prep)); got.CreatedCount != 1 || len(find("fay.dry@example.com")) != 0 {
			t.Fatalf("dry run = %+v", got)
		}
	})
}
