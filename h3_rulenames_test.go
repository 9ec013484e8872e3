package enroll_test

import (
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestRuleNamesTrimmedWhenRulesChange: ProgramInstance.Update trims the
// names of rules it is given anew, so that two differing only by the white
// space around them are refused as not unique; rules stored before names
// were trimmed are kept as they are while a change leaves them alone, even
// two that would then be namesakes, so that they block no change of
// anything else of their instance (its name, its status) nor start a new
// rules version.
func TestRuleNamesTrimmedWhenRulesChange(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	legacy := []enroll.Rule{{Name: " income", Expression: "true"}, {Name: "income", Expression: "true"}}
	stored := &enroll.ProgramInstance{ID: "pi_1", WorkspaceID: "ws_1", ProgramID: "prg_1", Slug: "2026", Name: "2026",
		Status: enroll.InstanceActive, EligibilityRules: legacy, RulesVersion: 2, CreatedAt: now, UpdatedAt: now}
	if err := stored.Validate(); err != nil { // as stored: normalized
		t.Fatal(err)
	}

	next, prev, err := stored.Update(func(in *enroll.ProgramInstance) error { in.Name = "Season 2026"; return nil }, enroll.CheckedRules{})
	if err != nil {
		t.Fatalf("renaming an instance whose stored rules are namesakes but for a blank: %v", err)
	}
	if next.RulesVersion != 2 || !enroll.RulesEqual(next.EligibilityRules, legacy) || len(prev) != 1 {
		t.Errorf("renamed: rules %q version %d, previous %v; want the rules kept as stored, version 2, the name alone changed",
			next.EligibilityRules, next.RulesVersion, prev)
	}

	_, _, err = stored.Update(func(in *enroll.ProgramInstance) error {
		in.EligibilityRules = []enroll.Rule{{Name: "income ", Expression: "true"}, {Name: "income", Expression: "false"}}
		return nil
	}, enroll.CheckedRules{})
	if enroll.ErrorCode(err) != enroll.EINVALID {
		t.Fatalf("rules named \"income \" and income: %v, want EINVALID (not unique)", err)
	}

	// Rules changed otherwise are checked with their names trimmed.
	_, _, err = stored.Update(func(in *enroll.ProgramInstance) error {
		in.EligibilityRules = []enroll.Rule{{Name: " income ", Expression: "true"}, {Name: "\tarea", Expression: "true"}}
		return nil
	}, enroll.CheckedRules{})
	var u *enroll.UncheckedRules
	if !asUnchecked(err, &u) || len(u.Rules) != 2 || u.Rules[0].Name != "income" || u.Rules[1].Name != "area" {
		t.Fatalf("new rules: %v (%+v), want them to be checked with their names trimmed", err, u)
	}
}

func asUnchecked(err error, u **enroll.UncheckedRules) bool {
	v, ok := err.(*enroll.UncheckedRules)
	*u = v
	return ok
}
