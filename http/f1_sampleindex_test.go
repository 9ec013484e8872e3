package http_test

import (
	"fmt"
	"testing"
)

// TestF1SampleErrorIndex: a rules test's sample member of the wrong type
// inside a list is a 422 at the item, with its index
// (body.enrollment.devices[1].serialNumber), and the value sent there, as
// every other field error is, not at the list as a whole
// (body.enrollment.devices.serialNumber), which left the caller to find
// which device it was.
func TestF1SampleErrorIndex(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	for _, tc := range []struct {
		sample   string
		at       string
		value    any
		customer bool
	}{
		{`{"tags": ["a", 1]}`, "body.enrollment.tags[1]", 1.0, false},
		{`{"devices": [{"id": "a"}, {"serialNumber": 5}]}`, "body.enrollment.devices[1].serialNumber", 5.0, false},
		{`{"devices": [{"id": "a"}, {"installDate": "yesterday"}]}`, "body.enrollment.devices[1].installDate", "yesterday", false},
		{`{"devices": [{"id": "a"}, {"attributes": 1}]}`, "body.enrollment.devices[1].attributes", 1.0, false},
		{`{"parameters": [{"externalId": "a", "value": 1}, {"externalId": 2}]}`, "body.enrollment.parameters[1].externalId", 2.0, false},
		{`{"evaluation": {"trace": [{"name": "a"}, {"name": "b"}, {"name": true}]}}`, "body.enrollment.evaluation.trace[2].name", true, false},
		{`{"groupIds": [1]}`, "body.enrollment.groupIds[0]", 1.0, false},
		// As before: members outside lists.
		{`{"address": {"city": 1}}`, "body.enrollment.address.city", 1.0, false},
		{`{"firstName": 1}`, "body.enrollment.firstName", 1.0, false},
		{`{"address": {"city": 1}}`, "body.customer.address.city", 1.0, true},
	} {
		body := `{"enrollment": ` + tc.sample + `}`
		if tc.customer {
			body = `{"enrollment": {}, "customer": ` + tc.sample + `}`
		}
		p := e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test", raw(body)).expect(422).problem()
		if len(p.Errors) != 1 || p.Errors[0].Location != tc.at || fmt.Sprint(p.Errors[0].Value) != fmt.Sprint(tc.value) {
			t.Errorf("sample %s: %+v, want one error at %s with value %v", body, p.Errors, tc.at, tc.value)
		}
	}
}
