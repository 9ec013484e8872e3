package rules_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

// TestNestedCallsRefused: nested calls count toward the nesting bound,
// as lists do. Nested type() or optional.of() calls made cel-go's checker
// take seconds (type( x150, 908 characters: 7 s; optional.of( x240,
// 3,132 characters: 69 s), and a bound on lists, maps and conditionals
// alone let them through; x100 of either is refused when saved.
func TestNestedCallsRefused(t *testing.T) {
	t.Parallel()
	for name, expr := range map[string]string{
		"type":        strings.Repeat("type(", 100) + "1" + strings.Repeat(")", 100) + " != int",
		"optional.of": strings.Repeat("optional.of(", 100) + "1" + strings.Repeat(")", 100) + ".hasValue()",
	} {
		if err := rules.New().Check([]enroll.Rule{{Name: "deep", Expression: expr, Reason: "Too deep"}}, nil); err == nil {
			t.Errorf("%d characters nesting %s 100 deep compile (checked in seconds); want a refusal of the depth", len(expr), name)
		}
	}
}

// TestElseIfChainStillCompiles: a tier rule written as an else-if chain
// of 26 conditionals (a ? 1 : b ? 2 : ...), 1,000 characters, is a chain,
// not nesting, and compiles: a bound that counted each conditional of the
// chain one level deeper refused it, and a rule saved before would then
// have failed at every evaluation, as TestPointsRuleStillCompiles says of
// the points rule.
func TestElseIfChainStillCompiles(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 26 {
		fmt.Fprintf(&b, `"t%d" in enrollment.tags ? %d : `, i, i)
	}
	tier := rule("tier", "("+b.String()+"0) >= 3", "Below tier 3")
	e := rules.New()
	if err := e.Check([]enroll.Rule{tier}, nil); err != nil {
		t.Errorf("an else-if chain of 26 conditionals is refused when saved: %v", err)
	}
	in := newEnrollment()
	in.Tags = []string{"t5"}
	if ev := evaluate(t, e, enroll.EvaluationInput{Instance: newInstance(tier), Enrollment: in}); ev.Status != enroll.StatusEligible {
		t.Errorf("a stored else-if chain met by the enrollment: %s %q %+v", ev.Status, ev.Reason, ev.Trace)
	}
}
