package rules_test

import (
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

// TestDynamicRegexWithinTheCostLimit gives matches() patterns that are not
// literals, which CEL compiles at every call, and prices by their length
// alone: a pattern of 4,050 characters that compiles for most of a second
// (".{0,1000}" 450 times) ran 37 times within the limit of one rule, and
// the rule for over 20 s, in the store's write transaction; a pattern of 2,400
// characters matched 100 times ran for seconds too. Priced by what
// they compile, such rules stop at the cost limit (CEL's own price of the
// calls let them pass or fail instead) after compiling at most the limit's
// worth of instructions; small patterns still match. How long a rule at
// the limit runs against an ordinary rule at the limit is
// BenchmarkDynamicRegexAtTheLimit's.
func TestDynamicRegexWithinTheCostLimit(t *testing.T) {
	t.Parallel()
	e := newEnrollment()
	e.Notes = strings.Repeat(".{0,1000}", 450)
	e.ReferenceDescription = strings.Repeat("[a-z]{0,100}", 200)
	e.Metadata = map[string]any{"prefix": "^Ad"}
	const limited = "operation cancelled: actual cost limit exceeded"
	tests := []struct {
		expr string
		want enroll.RuleOutcome
	}{
		{`lists.range(5).exists(i, !enrollment.firstName.matches(enrollment.notes))`, enroll.RuleError},
		{`lists.range(5).exists(i, !matches(enrollment.firstName, enrollment.notes))`, enroll.RuleError},
		{`lists.range(100).exists(i, !"0".matches(enrollment.referenceDescription))`, enroll.RuleError},
		{`enrollment.firstName.matches(enrollment.metadata.prefix)`, enroll.RulePassed},
		{`lists.range(100).all(i, enrollment.firstName.matches("^A" + enrollment.lastName.substring(0, 0)))`, enroll.RulePassed},
		{`lists.range(100).all(i, enrollment.firstName.matches("^[A-Z][a-z]+$"))`, enroll.RulePassed},
	}
	for _, ref := range []bool{false, true} {
		var opts []rules.Option
		if ref {
			opts = append(opts, rules.WithReferencePath())
		}
		eng := rules.New(opts...)
		for _, tt := range tests {
			ev := evaluate(t, eng, enroll.EvaluationInput{Enrollment: e, Instance: newInstance(rule("r", tt.expr, ""))})
			if got := ev.Trace[0]; got.Outcome != tt.want || tt.want == enroll.RuleError && got.Message != limited {
				t.Errorf("reference %v: %s: got %+v, want %s", ref, tt.expr, got, tt.want)
			}
		}
	}
}
