package storetest

import (
	"slices"
	"testing"

	"github.com/enrollhq/enroll"
)

// testEnrollmentSearch checks q, a prefix of the first name or last name
// (without case or accents: testEnrollmentNames), or of the lower-cased
// email or reference id, on its edges: non-ASCII prefixes, a
// prefix that is a whole value, no match, a reference id in capitals,
// in an instance and across the workspace, in every sort and through
// pages.
func testEnrollmentSearch(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	inst := f.instance(noAutoEvaluate)
	other := f.instance(noAutoEvaluate)
	person := func(in *enroll.ProgramInstance, email, first, last, ref string) *enroll.Enrollment {
		return f.enroll(in, email, func(c *enroll.EnrollmentCreate) { c.FirstName, c.LastName, c.ReferenceID = first, last, ref })
	}
	emile := person(inst, "e@example.com", "Émile", "Zola", "REF-Émile")
	ost := person(inst, "o@example.com", "Anna", "Östberg", "ref-ö1")
	oste := person(other, "o2@example.com", "Anna", "Ostby", "RéF-2")
	al := person(inst, "al@example.com", "Al", "Alder", "")
	ali := person(inst, "alice@example.com", "Alice", "Zed", "ALI")
	z := person(inst, "zz@example.com", "Bob", "Zz", "ref-ÿ")
	ids := func(es ...*enroll.Enrollment) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.ID)
		}
		slices.Sort(out)
		return out
	}
	for _, c := range []struct {
		name string
		f    enroll.EnrollmentFilter
		want []string
	}{
		{"accented first name", enroll.EnrollmentFilter{Q: "émi"}, ids(emile)},
		{"accented in capitals", enroll.EnrollmentFilter{Q: "ÉMILE"}, ids(emile)},
		{"whole last name", enroll.EnrollmentFilter{Q: "östberg"}, ids(ost)},
		{"non-ASCII last code point", enroll.EnrollmentFilter{Q: "ö"}, ids(ost, oste)},
		{"o without its accent", enroll.EnrollmentFilter{Q: "ost"}, ids(ost, oste)},
		{"an accent finds a name without", enroll.EnrollmentFilter{Q: "östby"}, ids(oste)},
		{"instance", enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Q: "ost"}, ids(ost)},
		{"keyed instances", enroll.EnrollmentFilter{ProgramInstanceIDs: []string{other.ID}, Q: "anna"}, ids(oste)},
		{"whole first name and longer ones", enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Q: "al"}, ids(al, ali)},
		{"whole email", enroll.EnrollmentFilter{Q: "al@example.com"}, ids(al)},
		{"reference in capitals", enroll.EnrollmentFilter{Q: "ali"}, ids(ali)},
		// LIKE folded ASCII only on the stored reference id: RéF-2 is
		// réf-2's prefix only for its ASCII letters.
		{"reference, ASCII folded", enroll.EnrollmentFilter{Q: "réf-"}, ids(oste)},
		{"reference, non-ASCII not folded", enroll.EnrollmentFilter{Q: "ref-é"}, nil},
		{"reference ending in ÿ", enroll.EnrollmentFilter{Q: "ref-ÿ"}, ids(z)},
		{"last code point of the range", enroll.EnrollmentFilter{Q: "zz"}, ids(z)},
		{"z", enroll.EnrollmentFilter{Q: "z"}, ids(emile, ali, z)},
		{"no match", enroll.EnrollmentFilter{Q: "zzz"}, nil},
		{"no match past every value", enroll.EnrollmentFilter{Q: "\U0010FFFF"}, nil},
		{"wildcards are literal", enroll.EnrollmentFilter{Q: "a_"}, nil},
		{"spaces trimmed", enroll.EnrollmentFilter{Q: "  alice "}, ids(ali)},
		{"with a status", enroll.EnrollmentFilter{Q: "al", Statuses: []enroll.Status{enroll.StatusCandidate}}, ids(al, ali)},
	} {
		for _, sort := range enroll.EnrollmentSorts {
			flt := c.f
			flt.Sort, flt.PerPage = sort, 1
			var got []string
			for pages := 0; pages < 10; pages++ {
				pg, err := f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, flt)
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				if pg.TotalItems != len(c.want) {
					t.Errorf("%s, sort %s: totalItems %d, want %d", c.name, sort, pg.TotalItems, len(c.want))
				}
				for _, e := range pg.Data {
					got = append(got, e.ID)
				}
				if pg.NextPageToken == "" {
					break
				}
				flt.PageToken = string(pg.NextPageToken)
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("%s, sort %s: got %v, want %v", c.name, sort, got, c.want)
			}
		}
	}
}
