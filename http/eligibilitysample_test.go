package http_test

import (
	"slices"
	"strings"
	"testing"
)

// TestEligibilitySampleRefusals checks that a rules test refuses a sample
// it cannot read as an enrollment (or customer): a member of the wrong
// type at the member, in the API's words rather than Go's decoder's; an
// identificationType or eligibility.status that is none of the API's;
// and a customer sent without an enrollment, which nothing would read.
func TestEligibilitySampleRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(nil)
	path := "/v1/programInstances/" + inst + "/eligibility:test"
	for _, c := range []struct {
		name string
		body map[string]any
		want []string // the problem's locations
		msg  string   // the first error's message, when not ""
	}{
		{"firstName a number", map[string]any{"enrollment": map[string]any{"firstName": 5}},
			[]string{"body.enrollment.firstName"}, "must be a string, not a number"},
		{"address a string", map[string]any{"enrollment": map[string]any{"address": "NY"}},
			[]string{"body.enrollment.address"}, "must be an object, not a string"},
		{"nested member", map[string]any{"enrollment": map[string]any{"address": map[string]any{"city": true}}},
			[]string{"body.enrollment.address.city"}, "must be a string, not true or false"},
		{"two members", map[string]any{"enrollment": map[string]any{"tags": "a", "notes": 1}},
			[]string{"body.enrollment.notes", "body.enrollment.tags"}, ""},
		{"start date not a time", map[string]any{"enrollment": map[string]any{"enrollmentStartDate": "soon"}},
			[]string{"body.enrollment.enrollmentStartDate"}, "must be an RFC 3339 date-time, e.g. 2025-01-31T09:30:00Z"},
		{"bogus status", map[string]any{"enrollment": map[string]any{"eligibility": map[string]any{"status": "bogus"}}},
			[]string{"body.enrollment.eligibility.status"}, ""},
		{"bogus identificationType", map[string]any{"enrollment": map[string]any{"identificationType": "bogus"}},
			[]string{"body.enrollment.identificationType"}, ""},
		{"customer member", map[string]any{"enrollment": map[string]any{}, "customer": map[string]any{"email": 5}},
			[]string{"body.customer.email"}, "must be a string, not a number"},
		{"customer without enrollment", map[string]any{"customer": map[string]any{"email": 5}},
			[]string{"body.customer"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			se := *e
			se.t = t
			p := se.do("POST", path, c.body).expect(422).problem()
			got := p.locations()
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("locations %q, want %q: %+v", got, c.want, p)
			}
			for _, fe := range p.Errors {
				if strings.Contains(fe.Message, "unmarshal") || strings.Contains(fe.Message, "Go struct") {
					t.Errorf("message in Go's words: %q", fe.Message)
				}
			}
			if c.msg != "" && (len(p.Errors) == 0 || p.Errors[0].Message != c.msg) {
				t.Errorf("message %+v, want %q", p.Errors, c.msg)
			}
		})
	}
	// A valid status and type are tried.
	e.do("POST", path, map[string]any{"enrollment": map[string]any{"identificationType": "leadId",
		"eligibility": map[string]any{"status": "submitted"}}}).expect(200)
}

// TestSampleSeesMetadataAsCreateStoresIt: a rules test on a sample
// (enroll.EvaluateSample) evaluates the rules as they would on the
// enrollment it stands for: a create drops the null members of metadata
// before evaluating, and so does the sample. It kept them, and
// has(enrollment.metadata.x) was true on the sample and false on the
// enrollment the same body creates.
func TestSampleSeesMetadataAsCreateStoresIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(map[string]any{"eligibilityRules": []any{map[string]any{
		"name": "has-x", "expression": "has(enrollment.metadata.x)", "reason": "No x"}}})
	body := map[string]any{"identificationType": "customerInfo", "firstName": "Ann", "lastName": "Null",
		"email": "ann.null." + uniq() + "@example.com", "metadata": map[string]any{"x": nil}}
	sample := e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test", map[string]any{"enrollment": body}).expect(200).obj()
	got := sample["sample"].(map[string]any)["status"]
	created := e.enrollIn(inst, body)
	want := created["eligibility"].(map[string]any)["status"]
	if got != want {
		t.Errorf("the sample evaluates %v, the enrollment the same body creates %v", got, want)
	}
}
