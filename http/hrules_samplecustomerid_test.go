package http_test

import "testing"

// TestCustomerIDSampleTakesTheCustomersNames: a customerId create takes
// the enrollment's names and email from the customer (SPEC §4), then
// evaluates; a rules test on a sample with that customerId evaluated
// without them, so a rule on enrollment.email or enrollment.firstName
// failed the sample and passed the enrollment the same body creates.
func TestCustomerIDSampleTakesTheCustomersNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(map[string]any{"eligibilityRules": []any{
		map[string]any{"name": "gov", "expression": `has(enrollment.email) && enrollment.email.endsWith("@example.gov")`, "reason": "Not a public servant"},
		map[string]any{"name": "named", "expression": `has(enrollment.firstName) && enrollment.firstName == customer.firstName && enrollment.lastName == customer.lastName`, "reason": "Unnamed"},
	}})
	cust := e.do("POST", "/v1/customers", map[string]any{"firstName": "Gov", "lastName": "Worker",
		"email": "gov.worker." + uniq() + "@example.gov", "phone": "+15550100"}).expect(201).obj()
	body := map[string]any{"identificationType": "customerId", "customerId": cust["id"]}
	sample := e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test", map[string]any{"enrollment": body}).expect(200).obj()
	got := sample["sample"].(map[string]any)["status"]
	created := e.enrollIn(inst, body)
	want := created["eligibility"].(map[string]any)["status"]
	if got != want || want != "eligible" {
		t.Errorf("the sample evaluates %v (%v), the enrollment the same body creates %v", got, sample["sample"], want)
	}
}
