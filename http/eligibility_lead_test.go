package http_test

import (
	"testing"
)

// TestEligibilityTestSeesLeadEnrollments: the rules test answers
// enrolledInOtherProgram() as a create does, for a customer approved in
// another program as the lead it was made from (an enrollment that names
// no customer), and for a bare lead itself, in the test of current
// enrollments and of a sample alike.
func TestEligibilityTestSeesLeadEnrollments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other := e.manualInstance()
	lead := e.do("POST", "/v1/leads", map[string]any{"phone": "555-0100"}).expect(201).obj()["id"].(string)
	bare := e.enrollIn(other, map[string]any{"identificationType": "leadId", "leadId": lead})
	for _, s := range []string{"eligible", "submitted", "approved"} {
		e.patchStatus(bare["id"].(string), s)
	}
	e.do("PATCH", "/v1/leads/"+lead, map[string]any{"firstName": "Lee", "lastName": "Ray", "email": "lee.ray." + uniq() + "@example.com"}).expect(200)

	exclusive := []map[string]any{{"name": "exclusive", "expression": `!enrolledInOtherProgram()`, "reason": "Enrolled elsewhere"}}
	inst := e.createInstance(map[string]any{"eligibilityRules": exclusive})
	conv := e.enrollIn(inst, map[string]any{"identificationType": "leadId", "leadId": lead})
	if conv["customerId"] == nil || status(conv) != "ineligible" {
		t.Fatalf("the converted lead's enrollment = %v, %v", conv["customerId"], conv["eligibility"])
	}
	res := e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test", map[string]any{
		"current":    true,
		"enrollment": map[string]any{"identificationType": "customerId", "customerId": conv["customerId"]},
	}).expect(200).obj()
	if cur := res["current"].(map[string]any); cur["evaluated"] != float64(1) || cur["ineligible"] != float64(1) {
		t.Errorf("current = %v", cur)
	}
	if sample := res["sample"].(map[string]any); sample["status"] != "ineligible" {
		t.Errorf("customer's sample = %v", sample)
	}

	// A bare lead approved in another program, tried as itself.
	bareLead := e.do("POST", "/v1/leads", map[string]any{"phone": "555-0101"}).expect(201).obj()["id"].(string)
	id := e.enrollIn(other, map[string]any{"identificationType": "leadId", "leadId": bareLead})["id"].(string)
	for _, s := range []string{"eligible", "submitted", "approved"} {
		e.patchStatus(id, s)
	}
	sample := e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test", map[string]any{
		"enrollment": map[string]any{"identificationType": "leadId", "leadId": bareLead},
	}).expect(200).obj()["sample"].(map[string]any)
	if sample["status"] != "ineligible" {
		t.Errorf("bare lead's sample = %v", sample)
	}
	if created := e.enrollIn(inst, map[string]any{"identificationType": "leadId", "leadId": bareLead}); status(created) != "ineligible" {
		t.Errorf("bare lead's enrollment = %v", created["eligibility"])
	}
	cur := e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test", map[string]any{"current": true}).
		expect(200).obj()["current"].(map[string]any)
	if cur["evaluated"] != float64(2) || cur["ineligible"] != float64(2) {
		t.Errorf("current, with the bare lead's = %v", cur)
	}
}
