package rules_test

import (
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

// TestLargeLiteralRegexRefusedWhenSaved saves rules whose literal
// matches() pattern compiles for most of a second (".{0,1000}" 450 times:
// 900,000 instructions), which CEL compiles when it plans the rule: when
// the rules are saved, and again after a restart in the store's write
// transaction, where ten such rules held every workspace's writes for
// 18 s. They are refused as a pattern that would cost more than a rule
// may, priced from its parse by the planner's decorator that runs before
// CEL compiles constant patterns (what the check costs against a compile
// is BenchmarkLiteralRegexRefused's); a literal pattern of ordinary size
// is still taken.
func TestLargeLiteralRegexRefusedWhenSaved(t *testing.T) {
	t.Parallel()
	half := strings.Repeat(".{0,1000}", 225)
	const priced = "the pattern of matches() compiles to about 900000 instructions, costing 18000000, past the limit of a rule"
	tests := []struct {
		expr string
		ok   bool
	}{
		{`enrollment.firstName.matches("` + half + half + `")`, false},
		{`matches(enrollment.firstName, "` + half + half + `")`, false},
		{`enrollment.firstName.matches("^[A-Z][a-z]{0,100}$")`, true},
	}
	eng := rules.New()
	for _, tt := range tests {
		err := eng.Check([]enroll.Rule{rule("r", tt.expr, "")}, nil)
		if (err == nil) != tt.ok {
			t.Errorf("%.60s: Check = %v, want ok %v", tt.expr, err, tt.ok)
		}
		if err != nil && (enroll.ErrorCode(err) != enroll.EINVALID || !strings.Contains(err.Error(), priced)) {
			t.Errorf("%.60s: Check = %v, want EINVALID pricing the pattern", tt.expr, err)
		}
	}
}
