package rules_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

// atTheLimit is a rule of ordinary work whose estimate is just within the
// default cost limit (976,012), and which runs all of it: the baseline a
// rule at the limit may take.
const atTheLimit = `lists.range(1000).all(i, lists.range(120).all(j, i + j >= 0))`

// BenchmarkDynamicRegexAtTheLimit evaluates the rules of
// TestDynamicRegexWithinTheCostLimit that compile patterns until the cost
// limit stops them, and in the same iteration atTheLimit, reporting the
// first's time against the second's (x-limit-rule): pricing a pattern by
// what it compiles holds it near 1 or below, where CEL's own price let
// such rules run tens of times as long.
func BenchmarkDynamicRegexAtTheLimit(b *testing.B) {
	e := newEnrollment()
	e.Notes = strings.Repeat(".{0,1000}", 450)
	e.ReferenceDescription = strings.Repeat("[a-z]{0,100}", 200)
	ctx := context.Background()
	eng := rules.New()
	eval := func(b *testing.B, expr string, want enroll.RuleOutcome) time.Duration {
		start := time.Now()
		ev, err := eng.Evaluate(ctx, enroll.EvaluationInput{Enrollment: e, Instance: newInstance(rule("r", expr, ""))})
		took := time.Since(start)
		if err != nil || ev.Trace[0].Outcome != want {
			b.Fatalf("%s: %+v, %v", expr, ev, err)
		}
		return took
	}
	for _, bc := range []struct{ name, expr string }{
		{"large", `lists.range(5).exists(i, !enrollment.firstName.matches(enrollment.notes))`},
		{"repeated", `lists.range(100).exists(i, !"0".matches(enrollment.referenceDescription))`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var rule, base time.Duration
			for b.Loop() {
				rule += eval(b, bc.expr, enroll.RuleError)
				base += eval(b, atTheLimit, enroll.RulePassed)
			}
			b.ReportMetric(rule.Seconds()/base.Seconds(), "x-limit-rule")
		})
	}
}

// BenchmarkLiteralRegexRefused checks a rule whose literal matches()
// pattern compiles to 900,000 instructions, as
// TestLargeLiteralRegexRefusedWhenSaved does, and reports as the baseline
// of the same run how many such checks one compile of the pattern takes
// (compiles-per-check, well under 1): the rule is refused before CEL
// compiles the pattern.
func BenchmarkLiteralRegexRefused(b *testing.B) {
	pattern := strings.Repeat(".{0,1000}", 450)
	rs := []enroll.Rule{rule("r", `enrollment.firstName.matches("`+pattern+`")`, "")}
	start := time.Now()
	if _, err := regexp.Compile(pattern); err != nil {
		b.Fatal(err)
	}
	compile := time.Since(start)
	eng := rules.New()
	for b.Loop() {
		if eng.Check(rs, nil) == nil {
			b.Fatal("the rule was taken")
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/compile.Seconds(), "compiles-per-check")
}
