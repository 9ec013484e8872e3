package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/namekey"
)

// NameKeyMigration is how MigrateNameKeys reaches a store's database: the
// migration that recomputes the names' keys is a store's own, and so are
// its columns.
type NameKeyMigration struct {
	// Open opens a store, migrated, on the one database of the test;
	// the caller closes it.
	Open func(t *testing.T) enroll.Store
	// Down rolls the name keys' migration back, and Up applies it again,
	// on the database while no store is open on it.
	Down, Up func(t *testing.T)
	// Keys returns the stored keys of the names of the enrollment whose
	// last name is last.
	Keys func(t *testing.T, last string) (first, key string)
}

// MigrateNameKeys checks a store's migration of the names' keys: rolled
// back, the keys are lower-cased, as the release before wrote them;
// applied, they are namekey.Of of the names, and the list sorts and q
// finds them as for rows written since.
func MigrateNameKeys(t *testing.T, m NameKeyMigration) {
	ctx := context.Background()
	names := []struct{ first, last string }{
		{"Émile", "Zola"},
		{"Ann", "Ærø"},
		{"Jörg", "Müller"},
		{"Hans", "Muller"},
		{"Iñigo", "Ñúñez"},
		{"Ida", "Øster"},
		{"Lukas", "Łukasz"},
		{"Bo", "ABEL"},
		{"Deniz", "İnce"},
	}
	s := m.Open(t)
	f := newFixtureOn(t, s)
	inst := f.instance(noAutoEvaluate)
	for i, n := range names {
		f.enroll(inst, strings.Repeat("x", i+1)+"@example.com", func(c *enroll.EnrollmentCreate) { c.FirstName, c.LastName = n.first, n.last })
	}
	s.Close()

	keys := func(when string, key func(string) string) {
		t.Helper()
		for _, n := range names {
			first, last := m.Keys(t, n.last)
			if first != key(n.first) || last != key(n.last) {
				t.Errorf("%s, %s %s: keys %q, %q, want %q, %q", when, n.first, n.last, first, last, key(n.first), key(n.last))
			}
		}
	}
	keys("before", namekey.Of)
	m.Down(t)
	keys("rolled back", strings.ToLower)
	m.Up(t)
	keys("migrated", namekey.Of)

	s = m.Open(t)
	defer s.Close()
	list := func(q string) []string {
		pg, err := s.ListEnrollments(ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Q: q,
			ListParams: enroll.ListParams{Sort: enroll.SortLastName}})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range pg.Data {
			out = append(out, e.LastName)
		}
		return out
	}
	if got, want := list(""), []string{"ABEL", "Ærø", "İnce", "Łukasz", "Muller", "Müller", "Ñúñez", "Øster", "Zola"}; !slices.Equal(got, want) {
		t.Errorf("by lastName: %q, want %q", got, want)
	}
	if got, want := list("mu"), []string{"Muller", "Müller"}; !slices.Equal(got, want) {
		t.Errorf("q=mu by lastName: %q, want %q", got, want)
	}
}

// EnrollNamed enrolls a participant of the given names in a new instance
// of a new workspace of s, for a store's own tests of its names' keys.
func EnrollNamed(t *testing.T, s enroll.Store, first, last string) *enroll.Enrollment {
	t.Helper()
	f := newFixtureOn(t, s)
	return f.enroll(f.instance(noAutoEvaluate), "named@example.com", func(c *enroll.EnrollmentCreate) { c.FirstName, c.LastName = first, last })
}
