package rules_test

import (
	"fmt"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

func TestCacheReuse(t *testing.T) {
	t.Parallel()
	e := rules.New()
	rs := []enroll.Rule{rule("a", `inStates(["NY"])`, "Reason A."), rule("b", `size(enrollment.tags) > 0`, "")}
	if err := e.Check(rs, nil); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		evaluate(t, e, enroll.EvaluationInput{Instance: newInstance(rs...)})
	}
	if n := rules.Compiles(e); n != 1 {
		t.Errorf("compiled %d times after Check and 5 evaluations, want 1", n)
	}
	// Reasons are not compiled, so changing one reuses the programs and
	// still shows the new reason.
	changed := []enroll.Rule{rs[0], rs[1]}
	changed[0].Reason, changed[0].Expression = "New reason.", `inStates(["CA"])`
	if ev := evaluate(t, e, enroll.EvaluationInput{Instance: newInstance(changed...)}); ev.Reason != "New reason." {
		t.Errorf("reason = %q", ev.Reason)
	}
	if n := rules.Compiles(e); n != 2 {
		t.Errorf("compiled %d times after a changed expression, want 2", n)
	}
	changed[0].Reason = "Newer reason."
	if ev := evaluate(t, e, enroll.EvaluationInput{Instance: newInstance(changed...)}); ev.Reason != "Newer reason." || rules.Compiles(e) != 2 {
		t.Errorf("reason = %q, compiles = %d; want the new reason without compiling", ev.Reason, rules.Compiles(e))
	}
}

func TestCacheBounded(t *testing.T) {
	t.Parallel()
	e := rules.New(rules.WithCacheSize(2))
	sets := make([][]enroll.Rule, 3)
	for i := range sets {
		sets[i] = []enroll.Rule{rule("r", fmt.Sprintf("size(enrollment.tags) > %d", i), "")}
		evaluate(t, e, enroll.EvaluationInput{Instance: newInstance(sets[i]...)})
	}
	if n := rules.CacheLen(e); n != 2 {
		t.Errorf("cache holds %d rulesets, want 2", n)
	}
	evaluate(t, e, enroll.EvaluationInput{Instance: newInstance(sets[2]...)})
	if n := rules.Compiles(e); n != 3 {
		t.Errorf("compiled %d times, want 3: the newest set is cached", n)
	}
	evaluate(t, e, enroll.EvaluationInput{Instance: newInstance(sets[0]...)})
	if n := rules.Compiles(e); n != 4 {
		t.Errorf("compiled %d times, want 4: the oldest set was evicted", n)
	}
}
