package http_test

import "testing"

// TestLeadsByCustomer: GET /v1/leads?customerId= lists the leads that
// became the customer, which with its enrollments keep its DELETE a 409,
// and the 409 says where to find them.
func TestLeadsByCustomer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lead := e.do("POST", "/v1/leads", map[string]any{"firstName": "Lee", "lastName": "Ray", "email": "lee" + uniq() + "@example.com"}).expect(201).obj()["id"]
	enr := e.enrollIn(e.manualInstance(), map[string]any{"identificationType": "leadId", "leadId": lead})
	cust := enr["customerId"].(string)
	e.do("DELETE", "/v1/enrollments/"+enr["id"].(string), nil).expect(204)
	p := e.do("DELETE", "/v1/customers/"+cust, nil).expect(409).problem()
	if p.Detail == "" {
		t.Fatalf("409 = %+v", p)
	}
	page := e.do("GET", "/v1/leads?customerId="+cust, nil).expect(200).obj()
	if data := page["data"].([]any); len(data) != 1 || data[0].(map[string]any)["id"] != lead {
		t.Fatalf("leads of the customer = %v", page)
	}
	if data := e.do("GET", "/v1/leads?customerId=nobody", nil).expect(200).obj()["data"].([]any); len(data) != 0 {
		t.Fatalf("leads of no customer = %v", data)
	}
}
