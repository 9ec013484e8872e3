package http_test

import (
	"strings"
	"testing"
)

// TestLongEmailSaysWhyOverHTTP: an email over 256 bytes but within the
// document's maxLength in characters reaches the service's own check,
// which said only "must be an email address"; it says why now (this one
// is not ASCII), in every body that takes one.
func TestLongEmailSaysWhyOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	long := strings.Repeat("é", 130) + "@example.com" // 272 bytes, 142 characters
	const says = "must have an ASCII local part"
	for _, c := range []struct {
		method, path string
		body         map[string]any
		at           string
	}{
		{"POST", "/v1/customers", map[string]any{"firstName": "A", "lastName": "B", "email": long}, "body.email"},
		{"POST", "/v1/leads", map[string]any{"email": long}, "body.email"},
		{"POST", "/v1/programInstances/" + inst + "/enrollments", customerInfo(map[string]any{"email": long}), "body.email"},
		{"PUT", "/v1/programInstances/" + inst + "/notificationSettings", map[string]any{"enabled": true, "adminEmails": []string{long}}, "body.adminEmails[0]"},
	} {
		p := e.do(c.method, c.path, c.body).expect(422).problem()
		if len(p.Errors) != 1 || p.Errors[0].Location != c.at || !strings.HasPrefix(p.Errors[0].Message, says) {
			t.Errorf("%s %s: %+v, want one error at %s saying %q", c.method, c.path, p.Errors, c.at, says)
		}
	}
}
