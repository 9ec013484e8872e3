package http_test

import "testing"

// TestSampleSeesCreatedAtAsCreateSetsIt: a rules test on a sample
// evaluates the rules as they would on the enrollment it stands for, and
// a create sets createdAt and updatedAt before it evaluates. The sample
// kept them at the zero time (0001-01-01T00:00:00Z), so a rule about when
// an enrollment was made (timestamp(enrollment.createdAt) >= the day the
// season opened) failed every sample and passed the enrollment the same
// body creates.
func TestSampleSeesCreatedAtAsCreateSetsIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(map[string]any{"eligibilityRules": []any{
		map[string]any{"name": "opened", "expression": `timestamp(enrollment.createdAt) >= timestamp("2020-01-01T00:00:00Z")`, "reason": "Before the season opened"},
		map[string]any{"name": "touched", "expression": `timestamp(enrollment.updatedAt) >= timestamp("2020-01-01T00:00:00Z")`, "reason": "Not touched"},
	}})
	body := map[string]any{"identificationType": "customerInfo", "firstName": "Tim", "lastName": "Stamp",
		"email": "tim.stamp." + uniq() + "@example.com"}
	sample := e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test", map[string]any{"enrollment": body}).expect(200).obj()
	got := sample["sample"].(map[string]any)["status"]
	created := e.enrollIn(inst, body)
	want := created["eligibility"].(map[string]any)["status"]
	if got != want || want != "eligible" {
		t.Errorf("the sample evaluates %v (%v), the enrollment the same body creates %v", got, sample["sample"], want)
	}
}
