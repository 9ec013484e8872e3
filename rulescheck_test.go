package enroll_test

import (
	"context"
	"errors"
	"testing"

	"github.com/enrollhq/enroll"
)

// countingEngine accepts every rule and counts its checks.
type countingEngine struct{ checks int }

func (e *countingEngine) Check([]enroll.Rule, []enroll.Parameter) error { e.checks++; return nil }

func (e *countingEngine) Evaluate(context.Context, enroll.EvaluationInput) (*enroll.Evaluation, error) {
	return nil, errors.New("not used")
}

// TestCheckedRulesRequire: a transaction may write rules only as they were
// checked, with the same parameters.
func TestCheckedRulesRequire(t *testing.T) {
	t.Parallel()
	rules := []enroll.Rule{{Name: "ny", Expression: `enrollment.address.state == "NY"`}}
	kw := []enroll.Parameter{{ExternalID: "kw", Name: "kW", Type: enroll.ParamNumber}}
	choice := []enroll.Parameter{{ExternalID: "c", Name: "C", Type: enroll.ParamChoice, Constraints: enroll.ParameterConstraints{Options: []string{"a", "b"}}}}
	checked := func(rules []enroll.Rule, params []enroll.Parameter) enroll.CheckedRules {
		c, err := enroll.CheckRules(&countingEngine{}, rules, params)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		name    string
		checked enroll.CheckedRules
		rules   []enroll.Rule
		params  []enroll.Parameter
		ok      bool
	}{
		{"nothing checked", enroll.CheckedRules{}, rules, nil, false},
		{"nothing checked, no rules", enroll.CheckedRules{}, nil, nil, false},
		{"as checked", checked(rules, kw), rules, kw, true},
		{"no parameters, nil or empty", checked(rules, nil), rules, []enroll.Parameter{}, true},
		{"another rule", checked(rules, nil), []enroll.Rule{{Name: "ny", Expression: "true"}}, nil, false},
		{"a parameter added", checked(rules, nil), rules, kw, false},
		{"a parameter's type changed", checked(rules, kw), rules, []enroll.Parameter{{ExternalID: "kw", Name: "kW", Type: enroll.ParamString}}, false},
		{"an option changed", checked(rules, choice), rules, []enroll.Parameter{{ExternalID: "c", Name: "C", Type: enroll.ParamChoice,
			Constraints: enroll.ParameterConstraints{Options: []string{"b", "a"}}}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.checked.Require(tc.rules, tc.params)
			var u *enroll.UncheckedRules
			if tc.ok != (err == nil) || !tc.ok && !errors.As(err, &u) {
				t.Fatalf("Require = %v, want ok %v", err, tc.ok)
			}
			if u != nil && (!enroll.RulesEqual(u.Rules, tc.rules) || !enroll.ParametersEqual(u.Params, tc.params)) {
				t.Errorf("unchecked %+v, want the rules and parameters to check", u)
			}
		})
	}
	t.Run("checked copies", func(t *testing.T) {
		t.Parallel()
		params := []enroll.Parameter{{ExternalID: "c", Name: "C", Type: enroll.ParamChoice, Constraints: enroll.ParameterConstraints{Options: []string{"a"}}}}
		c := checked(rules, params)
		params[0].Constraints.Options[0] = "changed after the check"
		if c.Require(rules, params) == nil {
			t.Error("a change to the parameters after the check went unseen")
		}
	})
}

// TestWriteCheckedRules: the write runs first with nothing checked, then
// once with each set of rules it asks to be checked, and gives up with a
// 409 when concurrent changes keep asking for another check.
func TestWriteCheckedRules(t *testing.T) {
	t.Parallel()
	rules := []enroll.Rule{{Name: "ny", Expression: "true"}}
	t.Run("checked once", func(t *testing.T) {
		t.Parallel()
		e, writes := &countingEngine{}, 0
		err := enroll.WriteCheckedRules(e, func(c enroll.CheckedRules) error {
			writes++
			return c.Require(rules, nil)
		})
		if err != nil || writes != 2 || e.checks != 1 {
			t.Errorf("err %v, %d writes, %d checks; want nil, 2, 1", err, writes, e.checks)
		}
	})
	t.Run("nothing to check", func(t *testing.T) {
		t.Parallel()
		e := &countingEngine{}
		want := enroll.Errorf(enroll.ENOTFOUND, "gone")
		if err := enroll.WriteCheckedRules(e, func(enroll.CheckedRules) error { return want }); err != want || e.checks != 0 {
			t.Errorf("err %v, %d checks; want the write's error and no check", err, e.checks)
		}
	})
	t.Run("changing while checked", func(t *testing.T) {
		t.Parallel()
		e, writes := &countingEngine{}, 0
		err := enroll.WriteCheckedRules(e, func(c enroll.CheckedRules) error {
			writes++
			// Each write finds parameters another write changed.
			params := make([]enroll.Parameter, writes)
			for i := range params {
				params[i] = enroll.Parameter{ExternalID: "p", Name: "P", Type: enroll.ParamString}
			}
			return c.Require(rules, params)
		})
		if enroll.ErrorCode(err) != enroll.ECONFLICT || writes != 4 || e.checks != 3 {
			t.Errorf("err %v, %d writes, %d checks; want ECONFLICT, 4, 3", err, writes, e.checks)
		}
	})
}
