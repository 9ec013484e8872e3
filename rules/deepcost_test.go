package rules_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

// TestDeepCallsWithinTheCostLimit repeats calls whose work goes all the
// way down the values they are given (format, quote, comparisons of maps
// and lists) over an enrollment as large as validation allows: priced by
// what they walk, they stop at the cost limit, where each was priced as
// one entry and ran for seconds within it. The same calls on values
// without nesting, or that differ at once, still pass.
func TestDeepCallsWithinTheCostLimit(t *testing.T) {
	t.Parallel()
	e := newEnrollment()
	e.Metadata = map[string]any{}
	for i := range 1000 {
		e.Metadata[fmt.Sprintf("k%03d", i)] = i
	}
	e.Notes = strings.Repeat("n", enroll.MaxTextLength)
	if b, _ := json.Marshal(e.Metadata); len(b) > enroll.MaxMetadataBytes {
		t.Fatalf("metadata of %d bytes, past the limit", len(b))
	}
	const limited = "operation cancelled: actual cost limit exceeded"
	tests := []struct {
		expr string
		want enroll.RuleOutcome
	}{
		{`lists.range(1000).all(i, "%s".format([enrollment]).size() > 0)`, enroll.RuleError},
		{`lists.range(1000).all(i, "%s".format([enrollment.metadata]) != "")`, enroll.RuleError},
		{`lists.range(1000).all(i, strings.quote(enrollment.notes).size() > 0)`, enroll.RuleError},
		{`lists.range(1000).all(i, enrollment == enrollment)`, enroll.RuleError},
		{`lists.range(1000).all(i, !(enrollment != enrollment))`, enroll.RuleError},
		{`lists.range(1000).all(i, [enrollment] == [enrollment])`, enroll.RuleError},
		{`lists.range(1000).all(i, {"e": enrollment} == {"e": enrollment})`, enroll.RuleError},
		{`lists.range(1000).all(i, enrollment in [enrollment, enrollment])`, enroll.RuleError},
		{`lists.range(1000).all(i, sets.contains([enrollment], [enrollment]))`, enroll.RuleError},
		{`lists.range(1000).all(i, sets.equivalent([enrollment], [enrollment]))`, enroll.RuleError},
		{`lists.range(1000).all(i, sets.intersects([enrollment], [enrollment]))`, enroll.RuleError},
		{`lists.range(1000).all(i, [enrollment, enrollment].distinct().size() == 1)`, enroll.RuleError},
		{`lists.range(1000).all(i, [enrollment].hasAll([enrollment]))`, enroll.RuleError},
		// Small values, and values an equality tells apart at once.
		{`lists.range(1000).all(i, "%d".format([i]) != "x")`, enroll.RulePassed},
		{`lists.range(1000).all(i, enrollment.metadata != {})`, enroll.RulePassed},
		{`lists.range(1000).all(i, enrollment != {"a": enrollment})`, enroll.RulePassed},
		{`lists.range(1000).all(i, enrollment.tags == ["vip", "spring"])`, enroll.RulePassed},
		{`lists.range(1000).all(i, [{"a": [i]}] == [{"a": [i]}])`, enroll.RulePassed},
		{`lists.range(1000).all(i, !(enrollment in [1, "x", {}]))`, enroll.RulePassed},
		{`lists.range(100).all(i, sets.contains([{"a": 1}, {"b": 2}], [{"b": 2}]))`, enroll.RulePassed},
	}
	eng := rules.New()
	for _, tt := range tests {
		ev := evaluate(t, eng, enroll.EvaluationInput{Enrollment: e, Instance: newInstance(rule("r", tt.expr, ""))})
		got := ev.Trace[0]
		if got.Outcome != tt.want || tt.want == enroll.RuleError && got.Message != limited {
			t.Errorf("%s: got %+v, want %s", tt.expr, got, tt.want)
		}
	}
}
