package rules_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

// heavy costs a little under a tenth of the default limit: the limit of
// the engines below, which keeps the tests short.
const heavy = `lists.range(100).all(i, lists.range(150).all(j, j >= 0))`

func heavyRules(n int) []enroll.Rule {
	rs := make([]enroll.Rule, n)
	for i := range rs {
		rs[i] = rule("heavy", heavy, "Too heavy.")
		rs[i].Name += string(rune('a' + i))
	}
	return rs
}

// TestRulesetCostLimit: an instance's rules together may cost
// RulesetCostFactor rules at the limit. Saving more is refused at the
// rule that goes past it, without trying any rule on the probes; rules saved before the check (or costing more
// than estimated) stop being run once those before them spent it, each
// the rest an error in the trace, alike on the fast and reference paths.
func TestRulesetCostLimit(t *testing.T) {
	t.Parallel()
	const limit = rules.DefaultCostLimit / 10
	t.Run("check", func(t *testing.T) {
		t.Parallel()
		e := rules.New(rules.WithCostLimit(limit))
		if err := e.Check(heavyRules(rules.RulesetCostFactor), nil); err != nil {
			t.Fatalf("%d heavy rules: %v", rules.RulesetCostFactor, err)
		}
		// A rule that only its trial on the probes would refuse is not
		// tried: the rules are refused already, and trying them all would
		// take as long as evaluating them.
		err := e.Check(append(heavyRules(rules.RulesetCostFactor+1), rule("typed", "enrollment.firstName + 1 == 2", "")), nil)
		var ee *enroll.Error
		if !errors.As(err, &ee) || ee.Code != enroll.EINVALID || len(ee.Fields) != 1 {
			t.Fatalf("got %v, want one field error", err)
		}
		f := ee.Fields[0]
		if f.Location != "body.eligibilityRules[3].expression" || !strings.Contains(f.Message, "limit of 300000 for an instance's rules") {
			t.Errorf("got %+v", f)
		}
	})
	t.Run("evaluate", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		rs := append(heavyRules(rules.RulesetCostFactor+2), rule("small", "true", ""))
		for _, e := range []*rules.Engine{rules.New(rules.WithCostLimit(limit)), rules.New(rules.WithCostLimit(limit), rules.WithReferencePath())} {
			for _, ctx := range []context.Context{context.Background(), ctx} {
				ev, err := e.Evaluate(ctx, enroll.EvaluationInput{Enrollment: newEnrollment(), Instance: newInstance(rs...)})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, r := range ev.Trace {
					got = append(got, string(r.Outcome)+" "+r.Message)
				}
				skipped := "error not evaluated: the rules before it spent the cost limit of an instance's rules"
				want := []string{"passed ", "passed ", "passed ", "passed ", skipped, skipped}
				if strings.Join(got, "|") != strings.Join(want, "|") || ev.Status != enroll.StatusIneligible || ev.Reason != "Too heavy." {
					t.Errorf("got %s %q %q, want the first four run and the others not", ev.Status, ev.Reason, got)
				}
			}
		}
	})
}
