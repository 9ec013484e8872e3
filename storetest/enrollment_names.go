package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// testEnrollmentNames checks that names sort as in a phone book
// (sort=lastName: case and accents ignored, an accented name just after
// the same name unaccented, equal names by id) through every way of
// paging, and that q finds accented names by their unaccented prefix and
// unaccented names by an accented one. Some of the enrollments come
// through an import, which writes rows by its own path.
func testEnrollmentNames(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	inst := f.instance(noAutoEvaluate)
	// Phone-book order; names on one line sort alike (equal keys).
	book := [][][2]string{
		{{"Ann", "Abel"}},
		{{"Bo", "Ærø"}},
		{{"Émile", "émile"}},
		{{"Emilia", "Emilia"}},
		{{"Zoë", "ÉMILIO"}},
		{{"Lukas", "Łukasz"}},
		{{"Ida", "Lund"}},
		{{"Hans", "Muller"}, {"Hans", "MULLER"}},
		{{"Jörg", "Müller"}, {"Jörg", "müller"}},
		{{"Eva", "Mullers"}},
		{{"Iñigo", "Ñúñez"}},
		{{"Nils", "Nunn"}},
		{{"Straße", "Øster"}},
		{{"Olle", "ostrom"}},
		{{"Émile", "Zola"}},
	}
	// Created in reverse order, so that ids do not give the order; the
	// second of a line is imported.
	var rows []string
	for i, line := range slices.Backward(book) {
		for j, n := range line {
			email := fmt.Sprintf("p%02d%d@example.com", i, j)
			if j == 1 {
				rows = append(rows, fmt.Sprintf("%s,%s,%s", n[0], n[1], email))
				continue
			}
			f.enroll(inst, email, func(c *enroll.EnrollmentCreate) { c.FirstName, c.LastName = n[0], n[1] })
		}
	}
	is := importStore(t, f.s)
	if im := runImport(f, is, inst, enroll.FormatCSV, "firstName,lastName,email\n"+strings.Join(rows, "\n")+"\n", false, 100); im.CreatedCount != len(rows) {
		t.Fatalf("import created %d of %d: %+v", im.CreatedCount, len(rows), allErrors(f, is, im.ID, 100))
	}
	// Enrollments of another status, elsewhere, make the instance's
	// candidates few enough in the workspace for SQLite to read a
	// status filter through the status index and test q row by row.
	other := f.instance(noAutoEvaluate)
	for i := range 12 {
		f.move(f.enroll(other, fmt.Sprintf("d%02d@example.com", i), func(c *enroll.EnrollmentCreate) { c.FirstName, c.LastName = "Xavier", "Decoy" }), enroll.StatusEligible)
	}
	all := must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, ListParams: enroll.ListParams{PerPage: 100}}))
	byLast := map[string]*enroll.Enrollment{}
	for _, e := range all.Data {
		byLast[e.LastName] = e
	}
	// The ids in phone-book order, each line's in order.
	var want []string
	for _, line := range book {
		var ids []string
		for _, n := range line {
			if e := byLast[n[1]]; e == nil {
				t.Fatalf("no enrollment named %s", n[1])
			} else {
				ids = append(ids, e.ID)
			}
		}
		slices.Sort(ids)
		want = append(want, ids...)
	}
	names := func(ids []string) []string {
		var out []string
		for _, id := range ids {
			for _, e := range all.Data {
				if e.ID == id {
					out = append(out, e.LastName)
				}
			}
		}
		return out
	}

	// Every page size, by token and by page number, on both lists.
	for perPage := 1; perPage <= 4; perPage++ {
		for _, byToken := range []bool{true, false} {
			flt := enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, ListParams: enroll.ListParams{PerPage: perPage, Sort: enroll.SortLastName}}
			got := listAll(t, f, flt, byToken)
			if !slices.Equal(got, want) {
				t.Errorf("perPage %d, token %v: %q, want %q", perPage, byToken, names(got), names(want))
			}
			flt.ProgramInstanceID, flt.ProgramInstanceIDs = "", []string{inst.ID}
			if got := listAll(t, f, flt, byToken); !slices.Equal(got, want) {
				t.Errorf("keyed instances, perPage %d, token %v: %q, want %q", perPage, byToken, names(got), names(want))
			}
		}
	}

	ids := func(lasts ...string) []string {
		var out []string
		for _, id := range want {
			for _, l := range lasts {
				if byLast[l].ID == id {
					out = append(out, id)
				}
			}
		}
		return out
	}
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"emil", ids("émile", "Emilia", "ÉMILIO", "Zola")},
		{"ÉMIL", ids("émile", "Emilia", "ÉMILIO", "Zola")},
		{"emilio", ids("ÉMILIO")},
		{"zoe", ids("ÉMILIO")},
		{"mull", ids("Muller", "MULLER", "Müller", "müller", "Mullers")},
		{"müllers", ids("Mullers")},
		{"MÜLLER", ids("Muller", "MULLER", "Müller", "müller", "Mullers")},
		{"luk", ids("Łukasz")},
		{"łu", ids("Łukasz", "Lund")},
		{"nun", ids("Ñúñez", "Nunn")},
		{"ñúñ", ids("Ñúñez", "Nunn")},
		{"oster", ids("Øster")},
		{"øst", ids("Øster", "ostrom")},
		{"strasse", ids("Øster")},
		{"straß", ids("Øster")},
		{"aer", ids("Ærø")},
		{"æ", ids("Ærø")},
		{"iñi", ids("Ñúñez")},
		{"ini", ids("Ñúñez")},
		{"jorg", ids("Müller", "müller")},
		{"mu%", nil},
		{"\u0301", nil}, // a combining mark alone folds to nothing: no name starts with it
	} {
		// Paged through in the lastName sort, the matches keep its order;
		// in the other sorts they are the same set. With a status, which
		// SQLite reads through its index, testing q by LIKE, and
		// PostgreSQL fences, q matches the same.
		for _, flt := range []enroll.EnrollmentFilter{
			{ProgramInstanceID: inst.ID},
			{Statuses: []enroll.Status{enroll.StatusCandidate}},
		} {
			for _, sort := range enroll.EnrollmentSorts {
				flt.Q, flt.Sort, flt.PerPage = c.q, sort, 2
				got := listAll(t, f, flt, true)
				if sort != enroll.SortLastName {
					got = slices.Sorted(slices.Values(got))
					w := slices.Sorted(slices.Values(c.want))
					if !slices.Equal(got, w) {
						t.Errorf("q=%s, sort %s, statuses %v: %q, want %q", c.q, sort, flt.Statuses, names(got), names(w))
					}
				} else if !slices.Equal(got, c.want) {
					t.Errorf("q=%s, sort %s, statuses %v: %q, want %q", c.q, sort, flt.Statuses, names(got), names(c.want))
				}
			}
		}
	}

	// Names whose keys fold long (ﷺ is 18 letters) or that JSON writes
	// long (quotes) page through by token: keys are cut at
	// namekey.MaxKeyLength, tokens fit enroll.MaxPageTokenLength.
	long := f.instance(noAutoEvaluate)
	var longIDs []string
	for i, last := range []string{strings.Repeat("ﷺ", 256), strings.Repeat("<", 255) + "é", strings.Repeat(`"`, 255) + "é", strings.Repeat("é", 256), "Abel", "中村"} {
		longIDs = append(longIDs, f.enroll(long, fmt.Sprintf("long%d@example.com", i), func(c *enroll.EnrollmentCreate) { c.LastName = last }).ID)
	}
	// " < a e ﷺ 中, by the keys' bytes: a token is made after each.
	wantLong := []string{longIDs[2], longIDs[1], longIDs[4], longIDs[3], longIDs[0], longIDs[5]}
	for perPage := 1; perPage <= 2; perPage++ {
		flt := enroll.EnrollmentFilter{ProgramInstanceID: long.ID, ListParams: enroll.ListParams{PerPage: perPage, Sort: enroll.SortLastName}}
		if got := listAll(t, f, flt, true); !slices.Equal(got, wantLong) {
			t.Errorf("long names, perPage %d: %q, want %q", perPage, got, wantLong)
		}
	}
}

// listAll returns the ids of every page of flt's list, read by page
// token or by page number, and fails t on a total that is not the
// number of rows.
func listAll(t *testing.T, f *fixture, flt enroll.EnrollmentFilter, byToken bool) []string {
	t.Helper()
	var got []string
	for pages := 0; pages < 100; pages++ {
		pg := must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, flt))
		for _, e := range pg.Data {
			got = append(got, e.ID)
		}
		if pg.NextPageToken == "" {
			if pg.TotalItems != len(got) {
				t.Errorf("q=%s, sort %s: totalItems %d, listed %d", flt.Q, flt.Sort, pg.TotalItems, len(got))
			}
			return got
		}
		if byToken {
			flt.PageToken = string(pg.NextPageToken)
		} else {
			flt.Page++
		}
	}
	t.Fatalf("q=%s, sort %s: more than 100 pages", flt.Q, flt.Sort)
	return nil
}
