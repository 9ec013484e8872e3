package http_test

import "testing"

// TestSampleOffsetOfADay: a rules test's sample with a time whose offset
// is a day (+24:00) is a 422 at that member, as everywhere a time is read
// (docs/api.md). Read with encoding/json, which takes it, and never
// checked, it answered 200, with Go's "Time.MarshalJSON: timezone hour
// outside of range [0,23]" in a rule's trace.
func TestSampleOffsetOfADay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(map[string]any{"eligibilityRules": []any{map[string]any{
		"name": "start", "expression": "has(enrollment.enrollmentStartDate)", "reason": "No start"}}})
	const day = "2026-01-01T00:00:00+24:00"
	for _, c := range []struct {
		body map[string]any
		at   string
	}{
		{map[string]any{"enrollment": map[string]any{"enrollmentStartDate": day}}, "body.enrollment.enrollmentStartDate"},
		{map[string]any{"enrollment": map[string]any{"devices": []any{map[string]any{"id": "d", "installDate": day}}}}, "body.enrollment.devices[0].installDate"},
	} {
		r := e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test", c.body)
		if r.Status != 422 {
			t.Errorf("%v: %d %s; want 422 at %s", c.body, r.Status, r.Body, c.at)
		}
	}
}
