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
// pages; and words that begin a name's later words (van der Berg's der
// and berg, Mary Ann's ann).
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
	vdb := person(other, "vince@example.com", "Vincent", "van der Berg", "")
	mary := person(inst, "m@example.com", "Mary Ann", "Smith", "")
	// Later words folded, a no-break space, runs of spaces, a word twice.
	jose := person(inst, "j@example.com", "José\u00a0María", "García  Márquez García", "")
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
		// Several words: each begins a field, or q whole does.
		{"full name", enroll.EnrollmentFilter{Q: "Émile Zola"}, ids(emile)},
		{"full name reversed", enroll.EnrollmentFilter{Q: "zola émile"}, ids(emile)},
		{"full name, capitals without accents", enroll.EnrollmentFilter{Q: "ZOLA EMILE"}, ids(emile)},
		{"two prefixes", enroll.EnrollmentFilter{Q: "anna ost"}, ids(ost, oste)},
		{"accent folded in a second word", enroll.EnrollmentFilter{Q: "anna östberg"}, ids(ost)},
		{"name and email prefix", enroll.EnrollmentFilter{Q: "anna o2@"}, ids(oste)},
		{"reference and name", enroll.EnrollmentFilter{Q: "REF-ö1 anna"}, ids(ost)},
		{"one word matching nothing", enroll.EnrollmentFilter{Q: "anna nobody"}, nil},
		{"longest word matching nothing", enroll.EnrollmentFilter{Q: "nobodyatall anna"}, nil},
		{"same word twice", enroll.EnrollmentFilter{Q: "anna anna"}, ids(ost, oste)},
		{"same prefix twice", enroll.EnrollmentFilter{Q: "al al"}, ids(al, ali)},
		{"extra whitespace", enroll.EnrollmentFilter{Q: " \talice   \n zed "}, ids(ali)},
		{"a word both name and reference", enroll.EnrollmentFilter{Q: "alice ali"}, ids(ali)},
		{"a word of combining marks", enroll.EnrollmentFilter{Q: "\u0301 anna"}, nil},
		{"wildcards in a word", enroll.EnrollmentFilter{Q: "anna o_"}, nil},
		{"words in an instance", enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Q: "anna ost"}, ids(ost)},
		{"words with a status", enroll.EnrollmentFilter{Q: "ost anna", Statuses: []enroll.Status{enroll.StatusCandidate}}, ids(ost, oste)},
		{"a name of several words, whole", enroll.EnrollmentFilter{Q: "van der berg"}, ids(vdb)},
		{"a name of several words, begun", enroll.EnrollmentFilter{Q: "Van  der"}, ids(vdb)},
		{"first name and a name of several words begun", enroll.EnrollmentFilter{Q: "vincent van"}, ids(vdb)},
		// A word begins a name when it begins any of its words.
		{"a later word", enroll.EnrollmentFilter{Q: "der"}, ids(vdb)},
		{"the last word, begun", enroll.EnrollmentFilter{Q: "BER"}, ids(vdb)},
		{"later words of a name", enroll.EnrollmentFilter{Q: "der berg"}, ids(vdb)},
		{"later words in another order", enroll.EnrollmentFilter{Q: "berg der"}, ids(vdb)},
		{"a later word of a first name", enroll.EnrollmentFilter{Q: "ann"}, ids(ost, oste, mary)},
		{"a later word in an instance", enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Q: "ann"}, ids(ost, mary)},
		{"a later word, keyed instances", enroll.EnrollmentFilter{ProgramInstanceIDs: []string{other.ID}, Q: "der"}, ids(vdb)},
		{"a later word elsewhere", enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Q: "der"}, nil},
		{"full name with a name of several words", enroll.EnrollmentFilter{Q: "vincent van der berg"}, ids(vdb)},
		{"full name with a first name of several words", enroll.EnrollmentFilter{Q: "Mary Ann Smith"}, ids(mary)},
		{"full name last name first", enroll.EnrollmentFilter{Q: "smith mary ann"}, ids(mary)},
		{"later words and a status", enroll.EnrollmentFilter{Q: "ann smi", Statuses: []enroll.Status{enroll.StatusCandidate}}, ids(mary)},
		{"a later word folded", enroll.EnrollmentFilter{Q: "maria marquez"}, ids(jose)},
		{"a later word with its accent", enroll.EnrollmentFilter{Q: "MÁRQ"}, ids(jose)},
		{"a later word, the longest word", enroll.EnrollmentFilter{Q: "jose marquez"}, ids(jose)},
		{"a word inside a word", enroll.EnrollmentFilter{Q: "erg"}, nil},
		{"later words and an email", enroll.EnrollmentFilter{Q: "der berg vince"}, ids(vdb)},
		{"a later word of a name, and nothing", enroll.EnrollmentFilter{Q: "der nobody"}, nil},
		{"eight words", enroll.EnrollmentFilter{Q: "a n n a o s t b"}, nil},
		{"whitespace alone filters nothing", enroll.EnrollmentFilter{Q: " \t "}, ids(emile, ost, oste, al, ali, z, vdb, mary, jose)},
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
	// More than MaxQueryWords words is refused, not searched.
	_, err := f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{Q: "a n n a o s t b e"})
	wantCode(t, err, enroll.EINVALID)
}
