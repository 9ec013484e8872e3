package enroll_test

import (
	"slices"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestTransitions checks every pair of statuses against SPEC §4's table,
// written out here independently of the table in status.go.
func TestTransitions(t *testing.T) {
	t.Parallel()
	spec := map[enroll.Status][]enroll.Status{
		"candidate":    {"eligible", "ineligible"},
		"ineligible":   {"eligible"},
		"eligible":     {"submitted", "ineligible"},
		"submitted":    {"approved", "rejected", "needs_action"},
		"needs_action": {"submitted"},
		"approved":     {"paused", "unenrolled"},
		"paused":       {"approved", "unenrolled"},
		"rejected":     {},
		"unenrolled":   {},
	}
	if len(enroll.Statuses) != len(spec) {
		t.Fatalf("%d statuses, the spec has %d", len(enroll.Statuses), len(spec))
	}
	for _, from := range enroll.Statuses {
		for _, to := range enroll.Statuses {
			t.Run(string(from)+"→"+string(to), func(t *testing.T) {
				t.Parallel()
				want := slices.Contains(spec[from], to)
				if got := enroll.CanTransition(from, to); got != want {
					t.Fatalf("CanTransition = %v, want %v", got, want)
				}
				err := enroll.CheckTransition(from, to)
				if want {
					if err != nil {
						t.Fatalf("CheckTransition: %v", err)
					}
					return
				}
				if enroll.ErrorCode(err) != enroll.ECONFLICT {
					t.Fatalf("CheckTransition = %v, want conflict", err)
				}
				extra := err.(*enroll.Error).Extra
				if extra["currentStatus"] != from || !slices.Equal(extra["allowedStatuses"].([]enroll.Status), spec[from]) {
					t.Fatalf("conflict members = %v", extra)
				}
			})
		}
	}
}

func TestStatusProperties(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		s                             enroll.Status
		valid, terminal, open, review bool
	}{
		{"candidate", true, false, true, false},
		{"eligible", true, false, true, false},
		{"ineligible", true, false, true, false},
		{"submitted", true, false, true, false},
		{"needs_action", true, false, true, true},
		{"approved", true, false, true, true},
		{"rejected", true, true, false, true},
		{"paused", true, false, true, false},
		{"unenrolled", true, true, false, false},
		{"done", false, false, false, false},
		{"", false, false, false, false},
	} {
		if c.s.Valid() != c.valid || c.s.Terminal() != c.terminal || c.s.Open() != c.open || c.s.Reviewing() != c.review {
			t.Errorf("%q: valid %v terminal %v open %v reviewing %v", c.s, c.s.Valid(), c.s.Terminal(), c.s.Open(), c.s.Reviewing())
		}
	}
	if err := enroll.CheckTransition("candidate", "done"); enroll.ErrorCode(err) != enroll.EINVALID {
		t.Fatalf("unknown target: %v", err)
	}
	if next := enroll.StatusRejected.Next(); next == nil || len(next) != 0 {
		t.Fatalf("terminal Next() = %#v, want empty non-nil", next)
	}
}
