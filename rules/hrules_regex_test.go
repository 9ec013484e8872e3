package rules_test

import (
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

// TestDynamicRegexWithinTheCostLimit gives matches() patterns that are not
// literals, which CEL compiles at every call, and prices by their length
// alone: a pattern of 4,050 characters that compiles for most of a second
// (".{0,1000}" 450 times) ran 37 times within the limit of one rule, and
// the rule for over 20 s, in the store's write transaction; a pattern of 2,400
// characters matched 100 times ran for seconds too. Priced by what
// they compile, such rules stop at the cost limit at once; small patterns
// still match.
func TestDynamicRegexWithinTheCostLimit(t *testing.T) {
	t.Parallel()
	e := newEnrollment()
	e.Notes = strings.Repeat(".{0,1000}", 450)
	e.ReferenceDescription = strings.Repeat("[a-z]{0,100}", 200)
	e.Metadata = map[string]any{"prefix": "^Ad"}
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
			start := time.Now()
			ev := evaluate(t, eng, enroll.EvaluationInput{Enrollment: e, Instance: newInstance(rule("r", tt.expr, ""))})
			took := time.Since(start)
			t.Logf("reference %v: %s: %+v in %v", ref, tt.expr, ev.Trace[0], took)
			if got := ev.Trace[0]; got.Outcome != tt.want {
				t.Errorf("reference %v: %s: got %+v, want %s", ref, tt.expr, got, tt.want)
			}
			if took > 2*time.Second {
				t.Errorf("reference %v: %s: took %v, past the time of a rule at the cost limit", ref, tt.expr, took)
			}
		}
	}
}
