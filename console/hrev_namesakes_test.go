package console

import (
	"net/http"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestHrevRightToLeftNamesakesToldApart: two instances whose labels read
// the same, right-to-left names that differ only by a blank at an end (as
// the API takes them), still get their slugs after the label in the
// menus, as left-to-right ones do. The labels were compared with their
// isolates, which a blank at an end split into a word of their own.
func TestHrevRightToLeftNamesakesToldApart(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.newInstance(&enroll.ProgramInstance{Slug: "year-a", Name: "عام"})
	b := f.newInstance(&enroll.ProgramInstance{Slug: "year-b", Name: " عام"})
	c := f.signedIn(f.secret)
	opts := options(c.get(Prefix+"/enrollments").status(http.StatusOK), "instance")
	for _, in := range []*enroll.ProgramInstance{a, b} {
		found := false
		for _, o := range opts {
			if strings.HasPrefix(o, in.ID+" ") {
				found = true
				if !strings.HasSuffix(o, "("+in.Slug+")") {
					t.Errorf("option %q lacks its slug (%s), though another reads the same", o, in.Slug)
				}
			}
		}
		if !found {
			t.Errorf("no option for %s in %q", in.ID, opts)
		}
	}
}
