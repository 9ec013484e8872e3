package http_test

import (
	"reflect"
	"testing"
)

// TestEligibilitySampleLead: a leadId sample is evaluated as its create
// would be: with the lead's data, the customer it becomes (the customer
// its email finds, whose names fill in the ones a lead lacks, or the one
// its names and email would make), so that the sample's trace is the
// enrollment's. Reading the lead needs enrollments:read; a lead of
// another workspace, or none, is a 422.
func TestEligibilitySampleLead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rules := []map[string]any{
		{"name": "ny", "expression": `has(enrollment.address) && enrollment.address.state == "NY"`},
		{"name": "gov", "expression": `has(customer.email) && customer.email.endsWith("@example.gov")`},
		{"name": "named", "expression": `enrollment.firstName == "Ann"`},
	}
	inst := e.createInstance(map[string]any{"eligibilityRules": rules})
	u := uniq()
	e.do("POST", "/v1/customers", map[string]any{"firstName": "Ann", "lastName": "Lee", "email": "ann" + u + "@example.gov"}).expect(201)
	leads := []map[string]any{
		// Becomes the customer its email finds; names from the customer.
		{"email": "ann" + u + "@example.gov", "address": map[string]any{"state": "NY"}},
		// Would make a customer of its names and email.
		{"firstName": "Ann", "lastName": "Ray", "email": "ray" + u + "@example.gov", "address": map[string]any{"state": "NY"}},
		// A bare lead.
		{"phone": "555-0100", "address": map[string]any{"state": "NY"}},
	}
	for _, body := range leads {
		id := e.do("POST", "/v1/leads", body).expect(201).obj()["id"]
		sample := e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test", map[string]any{
			"enrollment": map[string]any{"identificationType": "leadId", "leadId": id}}).expect(200).obj()["sample"].(map[string]any)
		created := e.enrollIn(inst, map[string]any{"identificationType": "leadId", "leadId": id})
		want := created["evaluation"].(map[string]any)
		if !reflect.DeepEqual(sample["trace"], want["trace"]) || sample["status"] != want["status"] {
			t.Errorf("lead %v: sample %v, enrollment %v", body, sample, want)
		}
		e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test", map[string]any{
			"enrollment": map[string]any{"identificationType": "leadId", "leadId": id}},
			withKey(e.scopedKey([]string{"programs:write"}, nil))).expect(403)
	}
	p := e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test", map[string]any{
		"enrollment": map[string]any{"identificationType": "leadId", "leadId": "nolead"}}).expect(422).problem()
	if !p.hasLocation("body.enrollment.leadId") {
		t.Errorf("unknown lead: %+v", p)
	}
}
