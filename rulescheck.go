package enroll

import (
	"errors"
	"slices"
)

// maxRulesChecks bounds how many times WriteCheckedRules checks rules for
// one write: another check is needed only when a concurrent write changed
// the instance's rules or parameters while the last one ran.
const maxRulesChecks = 3

// CheckedRules are eligibility rules a RuleEngine accepted, with the
// parameters they were checked with. The check tries each rule on probe
// enrollments (about 0.7 s for three rules at the cost limit), so stores
// run it before their write transaction, which must not wait for it (on
// SQLite every workspace's writes would), and inside the transaction only
// verify, with Require, that what they write is what was checked.
type CheckedRules struct {
	rules  []Rule
	params []Parameter
	ok     bool
}

// CheckRules checks rules with params through engine. Call it outside any
// transaction. Returns engine's error (EINVALID for bad rules).
func CheckRules(engine RuleEngine, rules []Rule, params []Parameter) (CheckedRules, error) {
	if err := engine.Check(rules, params); err != nil {
		return CheckedRules{}, err
	}
	c := CheckedRules{rules: slices.Clone(rules), params: slices.Clone(params), ok: true}
	for i := range c.params {
		c.params[i].Constraints.Options = slices.Clone(c.params[i].Constraints.Options)
	}
	return c, nil
}

// Require returns nil when rules and params are the ones c checked, and
// otherwise an *UncheckedRules for WriteCheckedRules to check them.
func (c CheckedRules) Require(rules []Rule, params []Parameter) error {
	if c.ok && RulesEqual(c.rules, rules) && ParametersEqual(c.params, params) {
		return nil
	}
	return &UncheckedRules{Rules: slices.Clone(rules), Params: slices.Clone(params)}
}

// UncheckedRules is the error of a write transaction that was about to
// write rules that were not checked with params: it ends the transaction,
// writing nothing, for WriteCheckedRules to check them and write again.
type UncheckedRules struct {
	Rules  []Rule
	Params []Parameter
}

func (*UncheckedRules) Error() string {
	return "enroll: eligibility rules to be checked before they are written"
}

// WriteCheckedRules runs write, a store's write transaction, with the
// rules checked so far (none at first). When write returns
// *UncheckedRules, it checks those rules outside the transaction and runs
// write again with them, so that only the rules written are checked and
// no transaction waits for a check. Returns write's error, the check's,
// or ECONFLICT when concurrent changes of the instance's rules or
// parameters kept invalidating the checks.
func WriteCheckedRules(engine RuleEngine, write func(CheckedRules) error) error {
	var checked CheckedRules
	for checks := 0; ; checks++ {
		err := write(checked)
		var u *UncheckedRules
		if !errors.As(err, &u) {
			return err
		}
		if checks == maxRulesChecks {
			return Errorf(ECONFLICT, "The program instance's rules or parameters kept changing while its rules were checked; try again.")
		}
		if checked, err = CheckRules(engine, u.Rules, u.Params); err != nil {
			return err
		}
	}
}

// ParametersEqual reports whether a and b declare the same parameters, in
// the same order: what rules are checked with.
func ParametersEqual(a, b []Parameter) bool {
	return slices.EqualFunc(a, b, func(x, y Parameter) bool {
		cx, cy := x.Constraints, y.Constraints
		return x.ExternalID == y.ExternalID && x.Name == y.Name && x.Type == y.Type &&
			cx.Required == cy.Required && cx.Readonly == cy.Readonly && cx.Hidden == cy.Hidden &&
			cx.Unique == cy.Unique && cx.Pattern == cy.Pattern && slices.Equal(cx.Options, cy.Options)
	})
}
