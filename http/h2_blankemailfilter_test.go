package http_test

import (
	"strings"
	"testing"
)

// TestBlankEmailFilterMatchesNothing: an email filter of white space
// alone names no email, and no lead or enrollment has a blank one, so it
// lists nothing on both stores, rather than the leads and enrollments
// without an email (PostgreSQL listed those, and SQLite the leads), nor
// exports them.
func TestBlankEmailFilterMatchesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	bare := e.do("POST", "/v1/leads", map[string]any{"phone": "555-0100"}).expect(201).obj()["id"]
	e.do("POST", "/v1/leads", map[string]any{"email": "lee" + uniq() + "@example.com"}).expect(201)
	e.enrollIn(inst, map[string]any{"identificationType": "leadId", "leadId": bare})
	e.enrollIn(inst, customerInfo(nil))
	for _, path := range []string{
		"/v1/leads?email=%20",
		"/v1/leads?email=%09%20",
		"/v1/customers?email=%20",
		"/v1/enrollments?email=%20",
		"/v1/programInstances/" + inst + "/enrollments?email=%20",
	} {
		if m := e.do("GET", path, nil).expect(200).obj(); m["totalItems"] != float64(0) || len(m["data"].([]any)) != 0 {
			t.Errorf("GET %s: totalItems %v, data %v; want none", path, m["totalItems"], m["data"])
		}
	}
	csv := e.do("GET", "/v1/enrollments?email=%20", nil, withHeader("Accept", "text/csv")).expect(200)
	if body := strings.TrimSpace(string(csv.Body)); strings.Contains(body, "\n") {
		t.Errorf("export with a blank email:\n%s", body)
	}
	// The filter still finds an email written with white space around it.
	if m := e.do("GET", "/v1/leads?email=%20nobody@example.com", nil).expect(200).obj(); m["totalItems"] != float64(0) {
		t.Errorf("leads of another email: %v", m["totalItems"])
	}
}
