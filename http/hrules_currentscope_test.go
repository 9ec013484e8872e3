package http_test

import "testing"

// TestRulesTestOnCurrentNeedsEnrollmentsRead: a rules test with
// "current": true evaluates the instance's enrollments and their
// customers and answers how many each rule passes, so a draft rule can
// read any of their members one count at a time
// (enrollment.email.startsWith("a")). A key without enrollments:read,
// which cannot list them, got those counts; it is a 403 now, as a sample
// with a stored customerId is. Its sample alone is still tried.
func TestRulesTestOnCurrentNeedsEnrollmentsRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(nil)
	e.enrollIn(inst, map[string]any{"identificationType": "customerInfo", "firstName": "Pri", "lastName": "Vate",
		"email": "pri.vate." + uniq() + "@example.com"})
	path := "/v1/programInstances/" + inst + "/eligibility:test"
	probe := map[string]any{"current": true, "eligibilityRules": []any{map[string]any{
		"name": "probe", "expression": `enrollment.email.startsWith("pri.")`, "reason": "no"}}}
	writer := e.scopedKey([]string{"programs:read", "programs:write"}, nil)
	e.do("POST", path, probe, withKey(writer)).expect(403)
	e.do("POST", path, map[string]any{"enrollment": map[string]any{"firstName": "Sam"}}, withKey(writer)).expect(200)
	both := e.scopedKey([]string{"programs:write", "enrollments:read"}, nil)
	cur := e.do("POST", path, probe, withKey(both)).expect(200).obj()["current"].(map[string]any)
	if cur["evaluated"] != float64(1) {
		t.Errorf("current %v, want 1 evaluated", cur)
	}
}
