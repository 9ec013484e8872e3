package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/enrollhq/enroll"
)

// testEnrollmentNameWords checks that q finds names by their later words
// ("berg" finds van der Berg, "luc" Jean-Luc) whichever way the names were written: a
// create, an import, an update that changes them (the former words no
// longer match, the new ones do, and one that changes anything else keeps
// them), and that a deleted enrollment is no longer found. Each q is
// listed with and without a status, which SQLite may read through the
// status index and test q row by row, and across the workspace.
func testEnrollmentNameWords(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	inst := f.instance(noAutoEvaluate)
	created := f.enroll(inst, "vdb@example.com", func(c *enroll.EnrollmentCreate) { c.FirstName, c.LastName = "Vincent", "van der Berg" })
	single := f.enroll(inst, "single@example.com", func(c *enroll.EnrollmentCreate) { c.FirstName, c.LastName = "Lena", "Cruzado" })
	renamed := f.enroll(inst, "renamed@example.com", func(c *enroll.EnrollmentCreate) { c.FirstName, c.LastName = "Anna Maria", "de la Fuente" })
	kept := f.enroll(inst, "kept@example.com", func(c *enroll.EnrollmentCreate) { c.FirstName, c.LastName = "Jean Paul", "Sartre" })
	// Quotes, backslashes and tsquery's operators are letters of a word.
	f.enroll(inst, "quoted@example.com", func(c *enroll.EnrollmentCreate) { c.FirstName, c.LastName = `Jo \Al`, "d'Arc O'Hara Y&Z:*|!" })
	// Hyphens and apostrophes split a name's parts too.
	f.enroll(inst, "jlob@example.com", func(c *enroll.EnrollmentCreate) { c.FirstName, c.LastName = "Jean-Luc", "O'Brien" })
	is := importStore(t, f.s)
	file := "firstName,lastName,email\nMary Ann,Smith,mas@example.com\nRosa,de la Cruz,rdlc@example.com\nBob,Lee,bl@example.com\nÅsa Britt,Ängström Öberg,abo@example.com\n"
	if im := runImport(f, is, inst, enroll.FormatCSV, file, false, 100); im.CreatedCount != 4 {
		t.Fatalf("import created %d of 4: %+v", im.CreatedCount, allErrors(f, is, im.ID, 100))
	}
	// Enrollments of another status elsewhere make the instance's
	// candidates few in the workspace, as in testEnrollmentNames.
	other := f.instance(noAutoEvaluate)
	for i := range 12 {
		f.move(f.enroll(other, fmt.Sprintf("d%02d@example.com", i), func(c *enroll.EnrollmentCreate) { c.FirstName, c.LastName = "Xavier", "Decoy Dummy" }), enroll.StatusEligible)
	}
	byEmail := map[string]string{}
	for _, e := range must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, ListParams: enroll.ListParams{PerPage: 100}})).Data {
		byEmail[e.Email] = e.ID
	}
	check := func(step string, cases map[string][]string) {
		t.Helper()
		for q, emails := range cases {
			var want []string
			for _, m := range emails {
				want = append(want, byEmail[m])
			}
			slices.Sort(want)
			for _, flt := range []enroll.EnrollmentFilter{
				{ProgramInstanceID: inst.ID},
				{},
				{Statuses: []enroll.Status{enroll.StatusCandidate}},
			} {
				flt.Q, flt.PerPage = q, 2
				got := slices.Sorted(slices.Values(listAll(t, f, flt, true)))
				if !slices.Equal(got, want) {
					t.Errorf("%s: q=%s, instance %q, statuses %v: %v, want %v (%v)", step, q, flt.ProgramInstanceID, flt.Statuses, got, want, emails)
				}
			}
		}
	}
	check("created and imported", map[string][]string{
		"berg":          {"vdb@example.com"},
		"der":           {"vdb@example.com"},
		"cruz":          {"single@example.com", "rdlc@example.com"},
		"la cruz":       {"rdlc@example.com"},
		"rosa cruz":     {"rdlc@example.com"},
		"ann":           {"mas@example.com", "renamed@example.com"},
		"mary ann smit": {"mas@example.com"},
		"maria":         {"renamed@example.com"},
		"fuente anna":   {"renamed@example.com"},
		"britt oberg":   {"abo@example.com"},
		"öb":            {"abo@example.com"},
		"paul":          {"kept@example.com"},
		"lee":           {"bl@example.com"},
		"ee":            nil,
		"o'h":           {"quoted@example.com"},
		"'":             nil,
		`\a`:            {"quoted@example.com"},
		"y&z:*|":        {"quoted@example.com"},
		"y&z:*|!":       {"quoted@example.com"},
		"y&z:*|!!":      nil,
		"y%":            nil,
		// Two words that both begin later words: PostgreSQL may test
		// one on the rows of the other rather than read it from its
		// index, LIKE's wildcards escaped there too.
		"o'h y&z:*|": {"quoted@example.com"},
		"o'h y_":     nil,
		"al y&":      nil,
		`\al y&`:     {"quoted@example.com"},
		`\a y&z`:     {"quoted@example.com"},
		"luc":        {"jlob@example.com"},
		"brien":      {"jlob@example.com"},
		"jean-luc":   {"jlob@example.com"},
		"o'brien":    {"jlob@example.com"},
		"luc brien":  {"jlob@example.com"},
		"luc-":       nil,
		"hara arc":   {"quoted@example.com"},
	})

	// A change of names writes their words again; a change of anything
	// else keeps them.
	must(f.s.UpdateEnrollment(f.ctx, f.a, renamed.ID, func(e *enroll.Enrollment) error {
		e.FirstName, e.LastName = "Anna", "Fuente del Rio"
		return nil
	}))
	must(f.s.UpdateEnrollment(f.ctx, f.a, created.ID, func(e *enroll.Enrollment) error {
		e.LastName = "Berg"
		return nil
	}))
	must(f.s.UpdateEnrollment(f.ctx, f.a, single.ID, func(e *enroll.Enrollment) error {
		e.FirstName = "Lena Sofia"
		return nil
	}))
	must(f.s.UpdateEnrollment(f.ctx, f.a, kept.ID, func(e *enroll.Enrollment) error {
		e.Notes = "called"
		return nil
	}))
	f.move(kept, enroll.StatusEligible)
	if err := f.s.DeleteEnrollment(f.ctx, f.a, byEmail["rdlc@example.com"], nil); err != nil {
		t.Fatal(err)
	}
	check("updated and deleted", map[string][]string{
		"berg":       {"vdb@example.com"},
		"der":        nil,
		"vincent va": nil,
		"maria":      nil,
		"la":         nil,
		"rio":        {"renamed@example.com"},
		"del":        {"renamed@example.com"},
		"sofia":      {"single@example.com"},
		"cruz":       {"single@example.com"},
		"ann":        {"mas@example.com", "renamed@example.com"},
	})
	// kept is eligible now: not among the candidates.
	for _, flt := range []enroll.EnrollmentFilter{{Q: "paul"}, {Q: "paul sartre", ProgramInstanceID: inst.ID}} {
		if got := listAll(t, f, flt, true); !slices.Equal(got, []string{kept.ID}) {
			t.Errorf("q=%s after an update of its notes: %v, want %v", flt.Q, got, kept.ID)
		}
	}
}

// EnrollmentSearch runs the checks of q (testEnrollmentSearch,
// testEnrollmentNameWords) on the stores newStore makes: for a store
// that reads q one way or another by the number of matches, made to read
// it the other way.
func EnrollmentSearch(t *testing.T, newStore Factory) {
	t.Run("EnrollmentSearch", func(t *testing.T) { t.Parallel(); testEnrollmentSearch(t, newStore) })
	t.Run("EnrollmentNameWords", func(t *testing.T) { t.Parallel(); testEnrollmentNameWords(t, newStore) })
}
