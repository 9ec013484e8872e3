package rules

import (
	"context"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestCacheKeyCollision gives two rulesets one key: each must still get
// its own programs.
func TestCacheKeyCollision(t *testing.T) {
	t.Parallel()
	e := New()
	a := []enroll.Rule{{Name: "r", Expression: `inStates(["NY"])`}}
	b := []enroll.Rule{{Name: "r", Expression: `inStates(["CA"])`}}
	compile := func(rules []enroll.Rule) func() *ruleset {
		return func() *ruleset {
			rs := &ruleset{rules: rules}
			return rs
		}
	}
	const k = key(42)
	ra := e.cache.get(k, a, compile(a))
	rb := e.cache.get(k, b, compile(b))
	if ra == rb || !ra.matches(a) || !rb.matches(b) {
		t.Fatalf("colliding rulesets mixed up: %+v, %+v", ra.rules, rb.rules)
	}
	if got := e.cache.get(k, b, func() *ruleset { t.Fatal("compiled a cached ruleset"); return nil }); got != rb {
		t.Errorf("the newer ruleset was not kept")
	}
	if got := e.cache.get(k, a, compile(a)); got == ra || !got.matches(a) {
		t.Errorf("the replaced ruleset came back")
	}
}

// TestRulesetChangedInPlace edits the rules of the ruleset evaluated last
// in place: the last-ruleset shortcut must see the change.
func TestRulesetChangedInPlace(t *testing.T) {
	t.Parallel()
	e := New()
	rules := []enroll.Rule{{Name: "r", Expression: `inStates(["NY"])`}}
	in := enroll.EvaluationInput{Enrollment: sampleEnrollment(), Instance: &enroll.ProgramInstance{EligibilityRules: rules}}
	for i, want := range []enroll.Status{enroll.StatusEligible, enroll.StatusIneligible, enroll.StatusEligible} {
		switch i {
		case 1:
			rules[0].Expression = `inStates(["CA"])`
		case 2:
			rules[0].Expression = `inStates(["NY"])`
		}
		ev, err := e.Evaluate(context.Background(), in)
		if err != nil || ev.Status != want {
			t.Fatalf("evaluation %d: %+v, %v; want %s", i, ev, err, want)
		}
	}
	if n := Compiles(e); n != 2 {
		t.Errorf("compiled %d times, want 2", n)
	}
}
