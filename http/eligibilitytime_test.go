package http_test

import (
	"testing"
	"time"

	enrollhttp "github.com/enrollhq/enroll/http"
)

// TestEligibilityTestTimeLimit: a rules test over current enrollments
// stops at its time limit, having evaluated one at least, and answers the
// counts of those it evaluated, saying it was cut there (timeLimit), as
// rules near the cost limit over 100,000 enrollments would run for hours.
// A limit of a nanosecond passes during the first enrollment.
func TestEligibilityTestTimeLimit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                 string
		limit                time.Duration
		evaluated            float64
		truncated, timeLimit bool
	}{
		{"within the time limit", 0, 3, false, false},
		{"past the time limit", time.Nanosecond, 1, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnvWith(t, func(c *enrollhttp.Config) { c.RulesTestTime = tc.limit })
			inst := e.createInstance(map[string]any{"eligibilityRules": []map[string]any{
				{"name": "ny", "expression": `inStates(["NY"])`, "reason": "Not NY"}}})
			for range 3 {
				e.enrollIn(inst, customerInfo(map[string]any{"address": map[string]any{"state": "NY"}}))
			}
			cur := e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test", map[string]any{"current": true}).
				expect(200).obj()["current"].(map[string]any)
			counts := cur["rules"].([]any)[0].(map[string]any)
			if cur["evaluated"] != tc.evaluated || cur["eligible"] != tc.evaluated || counts["passed"] != tc.evaluated ||
				cur["truncated"] != tc.truncated || cur["timeLimit"] != tc.timeLimit {
				t.Errorf("current = %v", cur)
			}
		})
	}
}
