package console

import (
	"net/http"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestInstanceDatesShownAsSet: the instance page and the overview show an
// instance's start and end dates on the days they were set, in the offset
// they were given with, as the API keeps them, not on the UTC day: a
// season from 2026-01-01 in Berlin to 2026-12-31 in New York is not
// "2025-12-31 to 2027-01-01".
func TestInstanceDatesShownAsSet(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 3600))
	end := time.Date(2026, 12, 31, 23, 59, 59, 0, time.FixedZone("", -5*3600))
	in := f.newInstance(&enroll.ProgramInstance{Slug: "berlin-2026", Name: "Berlin 2026", StartDate: &start, EndDate: &end})
	c := f.signedIn(f.secret)
	c.get(instancePath(in.ID)).status(http.StatusOK).contains("<dd>2026-01-01</dd>", "<dd>2026-12-31</dd>")
	c.get(Prefix + "/").status(http.StatusOK).contains("2026-01-01 to 2026-12-31")
}
