package rules_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

// TestNumberParameters evaluates rules on the values of a parameter the
// instance declares as number: rules see them as doubles whatever their
// JSON form, so a rule behaves alike for 7 and 7.5, in enrollment.params
// and enrollment.parameters, on the fast path and the reference one.
// Comparisons with int literals keep working (CrossTypeNumericComparisons).
// Undeclared parameters keep their JSON types.
func TestNumberParameters(t *testing.T) {
	t.Parallel()
	passed, failed, erred := enroll.RulePassed, enroll.RuleFailed, enroll.RuleError
	tests := []struct {
		expr string
		want map[string]enroll.RuleOutcome // by kw's value, as fmt %v prints it
	}{
		{`enrollment.params.kw * 2.0 > 10.0`, map[string]enroll.RuleOutcome{"7": passed, "7.5": passed, "2": failed}},
		{`enrollment.params.kw * 2 > 10`, map[string]enroll.RuleOutcome{"7": erred, "7.5": erred, "2": erred}},
		{`type(enrollment.params.kw) == double`, map[string]enroll.RuleOutcome{"7": passed, "7.5": passed, "2": passed}},
		{`enrollment.parameters.exists(p, p.externalId == "kw" && p.value * 2.0 > 10.0)`, map[string]enroll.RuleOutcome{"7": passed, "7.5": passed, "2": failed}},
		{`enrollment.parameters.exists(p, p.externalId == "kw" && type(p.value) == double)`, map[string]enroll.RuleOutcome{"7": passed, "7.5": passed, "2": passed}},
		{`enrollment.params.kw == 7`, map[string]enroll.RuleOutcome{"7": passed, "7.5": failed, "2": failed}},
		{`enrollment.params.kw != 7`, map[string]enroll.RuleOutcome{"7": failed, "7.5": passed, "2": passed}},
		{`enrollment.params.kw < 7`, map[string]enroll.RuleOutcome{"7": failed, "7.5": failed, "2": passed}},
		{`enrollment.params.kw <= 7`, map[string]enroll.RuleOutcome{"7": passed, "7.5": failed, "2": passed}},
		{`enrollment.params.kw > 7`, map[string]enroll.RuleOutcome{"7": failed, "7.5": passed, "2": failed}},
		{`enrollment.params.kw >= 7`, map[string]enroll.RuleOutcome{"7": passed, "7.5": passed, "2": failed}},
		{`enrollment.params.kw in [1, 2, 7]`, map[string]enroll.RuleOutcome{"7": passed, "7.5": failed, "2": passed}},
		{`enrollment.params.kw == 7.0 || enrollment.params.kw == 2.0`, map[string]enroll.RuleOutcome{"7": passed, "7.5": failed, "2": passed}},
		{`int(enrollment.params.kw) == 7`, map[string]enroll.RuleOutcome{"7": passed, "7.5": passed, "2": failed}},
		{`enrollment.params.kw > enrollment.params.count`, map[string]enroll.RuleOutcome{"7": passed, "7.5": passed, "2": failed}},
		// count is not declared: its whole value stays an int.
		{`enrollment.params.count + 1 == 3`, map[string]enroll.RuleOutcome{"7": passed, "7.5": passed, "2": passed}},
		{`type(enrollment.params.count) == int`, map[string]enroll.RuleOutcome{"7": passed, "7.5": passed, "2": passed}},
		// size is declared a choice: untouched.
		{`enrollment.params.size == "large"`, map[string]enroll.RuleOutcome{"7": passed, "7.5": passed, "2": passed}},
	}
	values := []any{7.0, 7.5, 2, int64(7)} // a JSON decoding's float64, or a Go caller's int
	for _, engine := range []struct {
		name string
		e    *rules.Engine
	}{{"fast", rules.New()}, {"reference", rules.New(rules.WithReferencePath())}} {
		for _, tt := range tests {
			for _, kw := range values {
				t.Run(fmt.Sprintf("%s/%s/%v", engine.name, tt.expr, kw), func(t *testing.T) {
					t.Parallel()
					en := newEnrollment()
					en.Parameters = append(en.Parameters, enroll.ParameterValue{ExternalID: "kw", Value: kw})
					inst := newInstance(rule("r", tt.expr, "Too small."))
					inst.Parameters = []enroll.Parameter{
						{ExternalID: "size", Name: "Size", Type: enroll.ParamChoice, Constraints: enroll.ParameterConstraints{Options: []string{"small", "large"}}},
						{ExternalID: "kw", Name: "kW", Type: enroll.ParamNumber},
					}
					ev := evaluate(t, engine.e, enroll.EvaluationInput{Enrollment: en, Instance: inst})
					if got, want := ev.Trace[0].Outcome, tt.want[fmt.Sprint(kw)]; got != want {
						t.Errorf("outcome %s (%s), want %s", got, ev.Trace[0].Message, want)
					}
					// A rule saved before its save ran the probe says what to
					// change.
					const hint = "(enrollment.params.kw is a number parameter, which rules see as a double (7.0 even when sent as 7): combine it with doubles (2.0, not 2))"
					if msg := ev.Trace[0].Message; ev.Trace[0].Outcome == erred && !strings.HasSuffix(msg, hint) {
						t.Errorf("message %q, want it to end %q", msg, hint)
					}
				})
			}
		}
	}
}

// TestNumberParameterNegativeZero: -0 reaches rules as JSON gives it, 0,
// on the fast path too, which otherwise passes a double value on as it is.
func TestNumberParameterNegativeZero(t *testing.T) {
	t.Parallel()
	for _, e := range []*rules.Engine{rules.New(), rules.New(rules.WithReferencePath())} {
		en := newEnrollment()
		en.Parameters = append(en.Parameters, enroll.ParameterValue{ExternalID: "kw", Value: math.Copysign(0, -1)})
		inst := newInstance(rule("r", `string(enrollment.params.kw) == "0" && enrollment.parameters.exists(p, p.externalId == "kw" && string(p.value) == "0")`, ""))
		inst.Parameters = []enroll.Parameter{{ExternalID: "kw", Name: "kW", Type: enroll.ParamNumber}}
		if ev := evaluate(t, e, enroll.EvaluationInput{Enrollment: en, Instance: inst}); ev.Trace[0].Outcome != enroll.RulePassed {
			t.Errorf("trace %+v", ev.Trace)
		}
	}
}
