package http_test

import "testing"

// TestLeadOfBlanksRefused: a lead needs one contact field with a value,
// and white space is none: a lead whose fields are all blank (a phone of
// spaces, an address of tabs) is refused like an empty one, with a 422 at
// the body, on create and on a PATCH that would blank it, as a
// customer's blank required name is refused at that name.
func TestLeadOfBlanksRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, body := range []map[string]any{
		{"phone": "   "},
		{"address": map[string]any{"city": " "}},
		{"phone": "\t", "address": map[string]any{"city": "  ", "country": "\u00a0"}},
		{"firstName": "  ", "lastName": "\u3000", "phone": " "},
	} {
		p := e.do("POST", "/v1/leads", body).expect(422).problem()
		if !p.hasLocation("body") {
			t.Errorf("POST /v1/leads %v: 422 at %v, want body", body, p.locations())
		}
	}
	// A lead with a value keeps it, blanks beside it or not.
	e.do("POST", "/v1/leads", map[string]any{"phone": " ", "lastName": "Ray"}).expect(201)
	lead := e.do("POST", "/v1/leads", map[string]any{"phone": "555-0100"}).expect(201).obj()["id"].(string)
	p := e.do("PATCH", "/v1/leads/"+lead, map[string]any{"phone": "  ", "address": map[string]any{"city": " "}}).expect(422).problem()
	if !p.hasLocation("body") {
		t.Errorf("PATCH blanking the lead: 422 at %v, want body", p.locations())
	}
	if got := e.do("GET", "/v1/leads/"+lead, nil).expect(200).obj()["phone"]; got != "555-0100" {
		t.Errorf("phone after the refused PATCH = %v", got)
	}
	// A customer's required names that are blanks are refused at each.
	p = e.do("POST", "/v1/customers", map[string]any{"firstName": " \t", "lastName": "\u00a0", "email": "blank" + uniq() + "@example.com"}).expect(422).problem()
	if !p.hasLocation("body.firstName") || !p.hasLocation("body.lastName") {
		t.Errorf("customer of blank names: 422 at %v", p.locations())
	}
}
