package http_test

import "testing"

// TestLeadWithoutNamesTakesCustomerNames: a lead with an email but no
// names, enrolled where a customer has that email, becomes that customer
// and is enrolled with the customer's names, as it is on every later
// enrollment, not with none; its email stays as the lead spells it, as
// customerInfo keeps the request's, and later ones take the customer's.
func TestLeadWithoutNamesTakesCustomerNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := uniq()
	c := e.do("POST", "/v1/customers", map[string]any{"firstName": "Ann", "lastName": "Lee", "email": "Ann.Lee" + u + "@Example.com"}).expect(201).obj()
	lead := e.do("POST", "/v1/leads", map[string]any{"email": "ann.lee" + u + "@example.com"}).expect(201).obj()["id"]
	first := e.enrollIn(e.manualInstance(), map[string]any{"identificationType": "leadId", "leadId": lead})
	again := e.enrollIn(e.manualInstance(), map[string]any{"identificationType": "leadId", "leadId": lead})
	for i, got := range []map[string]any{first, again} {
		email := []any{"ann.lee" + u + "@example.com", c["email"]}[i]
		if got["customerId"] != c["id"] || got["firstName"] != "Ann" || got["lastName"] != "Lee" || got["email"] != email {
			t.Errorf("enrollment = %v %v %v %v, want the customer's %v", got["customerId"], got["firstName"], got["lastName"], got["email"], c)
		}
	}
}
