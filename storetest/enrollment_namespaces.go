package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/enrollhq/enroll"
)

// testNameSpaces checks that names are stored without the white space
// around them, however they are written (a create, an update, an import,
// a customer, a lead), so that q finds them by their first word and
// sort=lastName files them by their first letter on both stores.
func testNameSpaces(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	inst := f.instance(noAutoEvaluate)
	created := f.enroll(inst, "maxine@example.com", func(c *enroll.EnrollmentCreate) { c.FirstName, c.LastName = " Maxine", " Quarlesworth\t" })
	middle := f.enroll(inst, "bo@example.com", func(c *enroll.EnrollmentCreate) { c.FirstName, c.LastName = "Bo", "Baker" })
	updated := f.enroll(inst, "ida@example.com", func(c *enroll.EnrollmentCreate) { c.FirstName, c.LastName = "Ida", "Zimmer" })
	updated = must(f.s.UpdateEnrollment(f.ctx, f.a, updated.ID, func(e *enroll.Enrollment) error {
		e.FirstName, e.LastName = "  Ida", " Zeller "
		return nil
	}))
	is := importStore(t, f.s)
	if im := runImport(f, is, inst, enroll.FormatCSV, "firstName,lastName,email\n  Ann , Aaronson,ann@example.com\n", false, 100); im.CreatedCount != 1 {
		t.Fatalf("import created %d: %+v", im.CreatedCount, allErrors(f, is, im.ID, 100))
	}
	all := must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID,
		ListParams: enroll.ListParams{PerPage: 100, Sort: enroll.SortLastName}}))
	var got []string
	var imported *enroll.Enrollment
	for _, e := range all.Data {
		got = append(got, e.FirstName+"|"+e.LastName)
		if e.LastName == "Aaronson" {
			imported = e
		}
	}
	if want := []string{"Ann|Aaronson", "Bo|Baker", "Maxine|Quarlesworth", "Ida|Zeller"}; !slices.Equal(got, want) {
		t.Fatalf("sort=lastName: %q, want %q", got, want)
	}
	for q, want := range map[string]*enroll.Enrollment{"maxine": created, "quarlesworth": created, "ann": imported,
		"aaronson": imported, "zeller": updated, "ida": updated, "bak": middle} {
		flt := enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, ListParams: enroll.ListParams{PerPage: 100}}
		flt.Q = q
		if got := listAll(t, f, flt, true); !slices.Equal(got, []string{want.ID}) {
			t.Errorf("q=%s: %q, want %s", q, got, want.ID)
		}
	}

	c := &enroll.Customer{FirstName: " Cy ", LastName: "\tCole", Email: "cy@example.com"}
	if err := f.s.CreateCustomer(f.ctx, f.a, c); err != nil {
		t.Fatal(err)
	}
	l := &enroll.Lead{FirstName: " Lee", LastName: "Lamb "}
	if err := f.s.CreateLead(f.ctx, f.a, l); err != nil {
		t.Fatal(err)
	}
	gotC := must(f.s.FindCustomer(f.ctx, f.a.WorkspaceID, c.ID))
	gotL := must(f.s.FindLead(f.ctx, f.a.WorkspaceID, l.ID))
	if s := fmt.Sprintf("%q %q %q %q", gotC.FirstName, gotC.LastName, gotL.FirstName, gotL.LastName); s != `"Cy" "Cole" "Lee" "Lamb"` {
		t.Errorf("customer and lead names stored as %s", s)
	}
}
