package rules_test

import (
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

// TestLargeLiteralRegexRefusedWhenSaved saves rules whose literal
// matches() pattern compiles for most of a second (".{0,1000}" 450 times:
// 900,000 instructions), which CEL compiles when it plans the rule: when
// the rules are saved, and again after a restart in the store's write
// transaction, where ten such rules held every workspace's writes for
// 18 s. They are refused as a pattern that would cost more than a rule
// may, at once; a literal pattern of ordinary size is still taken.
func TestLargeLiteralRegexRefusedWhenSaved(t *testing.T) {
	t.Parallel()
	half := strings.Repeat(".{0,1000}", 225)
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
		start := time.Now()
		err := eng.Check([]enroll.Rule{rule("r", tt.expr, "")}, nil)
		took := time.Since(start)
		if (err == nil) != tt.ok {
			t.Errorf("%.60s: Check = %v, want ok %v", tt.expr, err, tt.ok)
		}
		if err != nil && enroll.ErrorCode(err) != enroll.EINVALID {
			t.Errorf("%.60s: Check = %v, want EINVALID", tt.expr, err)
		}
		if took > time.Second/2 {
			t.Errorf("%.60s: Check took %v", tt.expr, took)
		}
	}
}
