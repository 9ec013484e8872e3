package http_test

import (
	"bytes"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestHiddenValuesInRuleErrors: a rule's error quotes the value it met
// ("no such key: SECRET-42"), so a key without programs:write, shown no
// hidden value, is shown no rule error of an instance that hides
// parameters: not in the enrollment, its history or its events, where
// both the evaluation and the one it replaced appear.
func TestHiddenValuesInRuleErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(map[string]any{
		"parameters": []map[string]any{{"externalId": "sec", "name": "Secret", "type": "string", "constraints": map[string]any{"hidden": true}}},
		"eligibilityRules": []map[string]any{
			{"name": "lookup", "expression": `enrollment.params[enrollment.params.sec] == 1`, "reason": "Unknown"},
			{"name": "ts", "expression": `timestamp(enrollment.params.sec) > timestamp("2020-01-01T00:00:00Z")`, "reason": "Too early"},
		}})
	en := e.enrollIn(inst, customerInfo(map[string]any{"parameters": []map[string]any{{"externalId": "sec", "value": "SECRET-42"}}}))
	id := en["id"].(string)
	// Evaluated again, so that an event's previousAttributes holds the
	// evaluation before.
	e.do("PATCH", "/v1/enrollments/"+id, map[string]any{"parameters": []map[string]any{{"externalId": "sec", "value": "SECRET-43"}}}).expect(200)
	e.do("POST", "/v1/enrollments/"+id+"/evaluate", nil).expect(200)

	paths := []string{"/v1/enrollments/" + id, "/v1/enrollments/" + id + "/history", "/v1/events?enrollmentId=" + id,
		"/v1/programInstances/" + inst + "/enrollments"}
	for _, p := range paths {
		b := e.do("GET", p, nil).expect(200).Body
		if !bytes.Contains(b, []byte("SECRET-4")) {
			t.Errorf("GET %s shows an admin no rule error: %s", p, b)
		}
	}
	reader := e.scopedKey([]string{"enrollments:read", "events:read"}, nil)
	for _, p := range paths {
		b := e.do("GET", p, nil, withKey(reader)).expect(200).Body
		if bytes.Contains(b, []byte("SECRET-4")) {
			t.Errorf("GET %s shows a key without programs:write a hidden value: %s", p, b)
		}
		if !bytes.Contains(b, []byte(enroll.HiddenRuleError)) {
			t.Errorf("GET %s does not say why the error is withheld: %s", p, b)
		}
	}
	// Where the instance hides nothing, the errors are everyone's.
	open := e.createInstance(map[string]any{"eligibilityRules": []map[string]any{
		{"name": "lookup", "expression": `enrollment.metadata[enrollment.metadata.k] == 1`, "reason": "Unknown"}}})
	plain := e.enrollIn(open, customerInfo(map[string]any{"metadata": map[string]any{"k": "VISIBLE-7"}}))
	if b := e.do("GET", "/v1/enrollments/"+plain["id"].(string)+"/history", nil, withKey(reader)).expect(200).Body; !bytes.Contains(b, []byte("VISIBLE-7")) {
		t.Errorf("a rule error of an instance that hides nothing was withheld: %s", b)
	}
}
