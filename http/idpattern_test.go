package http_test

import (
	"regexp"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestIDMembersDocumented: the ids of request bodies that the server
// refuses with a 422 "is not an id" carry in the OpenAPI document the
// pattern of the ids it accepts, and that pattern agrees with
// enroll.ValidID, so that a client checking its requests against the
// document sends none the server refuses, and refuses none it takes.
func TestIDMembersDocumented(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Pattern string `json:"pattern"`
					Items   *struct {
						Pattern string `json:"pattern"`
					} `json:"items"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	e.do("GET", "/openapi.json", nil).expect(200).decode(&doc)
	var patterns []string
	for name, members := range map[string][]string{
		"EnrollmentCreate": {"customerId", "leadId", "enrollmentId"},
		"APIKeyCreate":     {"programInstanceIds"},
	} {
		for _, m := range members {
			p := doc.Components.Schemas[name].Properties[m]
			pattern := p.Pattern
			if p.Items != nil {
				pattern = p.Items.Pattern
			}
			if pattern == "" {
				t.Errorf("%s.%s: no pattern", name, m)
				continue
			}
			patterns = append(patterns, pattern)
		}
	}
	for _, pattern := range patterns {
		re := regexp.MustCompile(pattern)
		for _, id := range []string{"a", "enr_01HZX-abc", "A_b-9", string(make([]byte, 64)), "ab cd", "ab/cd", "é", "", "x" + string(make([]byte, 64))} {
			if re.MatchString(id) != enroll.ValidID(id) {
				t.Errorf("pattern %s on %q: %v, ValidID %v", pattern, id, re.MatchString(id), enroll.ValidID(id))
			}
		}
		long := "a"
		for len(long) < 65 {
			long += "a"
		}
		if re.MatchString(long[:64]) != enroll.ValidID(long[:64]) || re.MatchString(long) != enroll.ValidID(long) {
			t.Errorf("pattern %s disagrees with ValidID at 64 or 65 characters", pattern)
		}
	}
	// The server still answers with its own 422 at the member.
	inst := e.createInstance(nil)
	r := e.do("POST", "/v1/programInstances/"+inst+"/enrollments", map[string]any{"identificationType": "customerId", "customerId": "not an id"})
	if r.Status != 422 || !r.problem().hasLocation("body.customerId") {
		t.Fatalf("customerId not an id: %d %s, want 422 at body.customerId", r.Status, r.Body)
	}
}
