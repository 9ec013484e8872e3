package http_test

import (
	"strings"
	"testing"
)

// TestAPI_422_ParticipantEmails checks that every write of a participant's
// email refuses one mail relays commonly refuse with a 422 at the field
// saying why, while the participant's other changes, which send the email
// back as read, still succeed.
func TestAPI_422_ParticipantEmails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	cust := e.do("POST", "/v1/customers", map[string]any{"firstName": "A", "lastName": "B", "email": "c" + uniq() + "@example.com"}).expect(201).obj()
	lead := e.do("POST", "/v1/leads", map[string]any{"firstName": "L", "email": "l" + uniq() + "@example.com"}).expect(201).obj()
	enr := e.enrollIn(inst, customerInfo(nil))
	for _, tc := range []struct {
		name, method, path string
		body               map[string]any
		says               string
	}{
		{"customer create", "POST", "/v1/customers", map[string]any{"firstName": "A", "lastName": "B", "email": "a@b"}, "dot"},
		{"customer update", "PATCH", "/v1/customers/" + cust["id"].(string), map[string]any{"email": "ops@localhost"}, "dot"},
		{"lead create", "POST", "/v1/leads", map[string]any{"email": "ops@[192.0.2.1]"}, "IP address"},
		{"lead update", "PATCH", "/v1/leads/" + lead["id"].(string), map[string]any{"email": "josé@example.com"}, "ASCII"},
		{"customerInfo enrollment", "POST", "/v1/programInstances/" + inst + "/enrollments", customerInfo(map[string]any{"email": "ops@192.0.2.1"}), "IP address"},
		{"lead enrollment with a new email", "POST", "/v1/programInstances/" + inst + "/enrollments",
			map[string]any{"identificationType": "leadId", "leadId": lead["id"], "email": "l@b"}, "dot"},
		{"enrollment update", "PATCH", "/v1/enrollments/" + enr["id"].(string), map[string]any{"email": "ops@exämple.com"}, "xn--"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := e.do(tc.method, tc.path, tc.body).expect(422).problem()
			if len(p.Errors) != 1 || p.Errors[0].Location != "body.email" || p.Errors[0].Value != tc.body["email"] ||
				!strings.Contains(p.Errors[0].Message, tc.says) {
				t.Fatalf("errors = %+v, want one at body.email saying %q", p.Errors, tc.says)
			}
		})
	}

	t.Run("import rows", func(t *testing.T) {
		t.Parallel()
		for _, up := range []upload{
			csvUpload("firstName,lastName,email\nI,One,i" + uniq() + "@b\nI,Two,i" + uniq() + "@example.com\n"),
			{"application/x-ndjson", `{"identificationType":"customerInfo","firstName":"N","lastName":"One","email":"n@[192.0.2.1]"}` + "\n"},
		} {
			j := e.waitImport(e.startImport(e.manualInstance(), up, "").ID)
			if j.FailedRows != 1 || len(j.Errors) != 1 || j.Errors[0].Field != "email" || !strings.Contains(j.Errors[0].Message, "must have") {
				t.Fatalf("%s import = %+v", up.contentType, j)
			}
		}
	})
}
