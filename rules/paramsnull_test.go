package rules_test

import (
	"context"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

// TestMissingRequiredParamIsNull pins what docs/api.md says of a required
// parameter an enrollment lacks: in enrollment.params as null (has() is
// true, != null false), while an optional one never given is absent.
func TestMissingRequiredParamIsNull(t *testing.T) {
	t.Parallel()
	inst := &enroll.ProgramInstance{ID: "i", Parameters: []enroll.Parameter{
		{ExternalID: "kw", Name: "kW", Type: enroll.ParamNumber, Constraints: enroll.ParameterConstraints{Required: true}},
		{ExternalID: "note", Name: "Note", Type: enroll.ParamString},
	}}
	e := &enroll.Enrollment{ProgramInstanceID: "i"}
	e.SampleParameters(inst)
	for _, c := range []struct {
		expr string
		want enroll.RuleOutcome
	}{
		{`has(enrollment.params.kw)`, enroll.RulePassed},
		{`enrollment.params.kw != null`, enroll.RuleFailed},
		{`!has(enrollment.params.note)`, enroll.RulePassed},
	} {
		inst.EligibilityRules = []enroll.Rule{{Name: "r", Expression: c.expr}}
		ev, err := rules.New().Evaluate(context.Background(), enroll.EvaluationInput{Enrollment: e, Instance: inst})
		if err != nil {
			t.Fatal(err)
		}
		if got := ev.Trace[0].Outcome; got != c.want {
			t.Errorf("%s: %s, want %s (%+v)", c.expr, got, c.want, ev.Trace[0])
		}
	}
}
