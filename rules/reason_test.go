package rules_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

// TestEligibleReasonFitsReasonLimit: rules that Check accepts (100 rules,
// the most an instance takes, with 45-character names) give an eligible
// reason within enroll.MaxTextLength, which the enrollment's own
// validation holds it to: before enroll.ListedReason, every create,
// import row and evaluation of such an instance failed with a 422 at
// eligibilityReason.
func TestEligibleReasonFitsReasonLimit(t *testing.T) {
	t.Parallel()
	var rs []enroll.Rule
	for i := range 100 {
		rs = append(rs, rule(fmt.Sprintf("customer-is-inside-the-service-territory-%03d", i), "true", "Outside"))
	}
	e := rules.New()
	if err := e.Check(rs, nil); err != nil {
		return // refused when saved: what SPEC §5 asks of a bad rule set
	}
	ev := evaluate(t, e, enroll.EvaluationInput{Instance: newInstance(rs...)})
	if n := len([]rune(ev.Reason)); n > enroll.MaxTextLength {
		t.Fatalf("rules accepted when saved give an eligible reason of %d characters (limit %d): %.80s…", n, enroll.MaxTextLength, ev.Reason)
	}
}

// TestNestingRefused checks that a rule nesting lists, maps or
// conditionals deeper than 24 is refused when saved, before its type
// check: cel-go's checker took 6.3 s over 240 nested lists (487
// characters), and a rule set of such rules compiled inside a store's
// write transaction after a restart held up every workspace's writes. 24
// nested lists still compile.
func TestNestingRefused(t *testing.T) {
	t.Parallel()
	e := rules.New()
	nested := func(d int) string { return strings.Repeat("[", d) + "1" + strings.Repeat("]", d) + " != []" }
	if err := e.Check([]enroll.Rule{rule("deep", nested(240), "Too deep")}, nil); err == nil || !strings.Contains(err.Error(), "nests 241 deep") {
		t.Errorf("240 nested lists: %v, want a refusal of the depth", err)
	}
	if err := e.Check([]enroll.Rule{rule("nested", nested(24), "Nested")}, nil); err != nil {
		t.Errorf("24 nested lists: %v", err)
	}
}

// TestPointsRuleStillCompiles: a points rule of 40 criteria, 1,472
// characters and no nesting to speak of, compiles and evaluates. A parser
// recursion limit of 32, tried first against deeply nested rules, counted
// the operands of a flat chain of + as nesting and refused it; stored
// before the upgrade, it would have errored at every evaluation and made
// every enrollment ineligible.
func TestPointsRuleStillCompiles(t *testing.T) {
	t.Parallel()
	var terms []string
	for i := range 40 {
		terms = append(terms, fmt.Sprintf(`("c%d" in enrollment.tags ? 1 : 0)`, i))
	}
	points := rule("points", strings.Join(terms, " + ")+" >= 3", "Fewer than 3 criteria")
	e := rules.New()
	if err := e.Check([]enroll.Rule{points}, nil); err != nil {
		t.Errorf("a flat 40-criteria points rule is refused when saved: %v", err)
	}
	in := newEnrollment()
	in.Tags = []string{"c1", "c2", "c3"}
	ev := evaluate(t, e, enroll.EvaluationInput{Instance: newInstance(points), Enrollment: in})
	if ev.Status != enroll.StatusEligible {
		t.Errorf("a stored points rule met by the enrollment: %s %q %+v", ev.Status, ev.Reason, ev.Trace)
	}
}
