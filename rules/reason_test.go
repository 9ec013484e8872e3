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

// TestNestingRefused checks that a rule nested deeper than the parser's
// recursion limit is refused when saved, at once: cel-go's checker took
// 6.3 s over 240 nested lists (487 characters), and a rule set of such
// rules compiled inside a store's write transaction after a restart held
// up every workspace's writes. 24 nested lists still compile.
func TestNestingRefused(t *testing.T) {
	t.Parallel()
	e := rules.New()
	nested := func(d int) string { return strings.Repeat("[", d) + "1" + strings.Repeat("]", d) + " != []" }
	if err := e.Check([]enroll.Rule{rule("deep", nested(240), "Too deep")}, nil); err == nil || !strings.Contains(err.Error(), "recursion") {
		t.Errorf("240 nested lists: %v, want a refusal of the depth", err)
	}
	if err := e.Check([]enroll.Rule{rule("nested", nested(24), "Nested")}, nil); err != nil {
		t.Errorf("24 nested lists: %v", err)
	}
}
