package http_test

import (
	"testing"
)

// TestHiddenParametersRoundTripIsNoOp: a key without
// programs:write that sends back the parameters it was shown changes
// nothing (docs/api.md: "sending back what it was shown erases
// nothing"; a PATCH of the values held is a no-op). The hidden values
// it could not name go back where they stood; put at the end of the
// list, they changed the stored order: the version (ETag) moved and an
// enrollment.updated event was written whose previousAttributes, to that
// key, equaled the object.
func TestHiddenParametersRoundTripIsNoOp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(map[string]any{"parameters": []map[string]any{
		{"externalId": "sec", "name": "Secret", "type": "string", "constraints": map[string]any{"hidden": true}},
		{"externalId": "pub", "name": "Public", "type": "string", "constraints": map[string]any{}},
	}})
	en := e.enrollIn(inst, customerInfo(map[string]any{"parameters": []map[string]any{
		{"externalId": "sec", "value": "S1"}, {"externalId": "pub", "value": "P1"}}}))
	id := en["id"].(string)
	etag := e.do("GET", "/v1/enrollments/"+id, nil).expect(200).Header.Get("ETag")
	before := e.do("GET", "/v1/events?enrollmentId="+id, nil).expect(200).obj()["totalItems"]

	reviewer := e.scopedKey([]string{"enrollments:read", "enrollments:write", "events:read"}, nil)
	shown := e.do("GET", "/v1/enrollments/"+id, nil, withKey(reviewer)).expect(200).obj()["parameters"]
	r := e.do("PATCH", "/v1/enrollments/"+id, map[string]any{"parameters": shown}, withKey(reviewer)).expect(200)

	if got := r.Header.Get("ETag"); got != etag {
		t.Errorf("sending back the parameters shown moved the ETag from %s to %s", etag, got)
	}
	if after := e.do("GET", "/v1/events?enrollmentId="+id, nil).expect(200).obj()["totalItems"]; after != before {
		ev := e.do("GET", "/v1/events?perPage=1&enrollmentId="+id, nil).expect(200).Body
		t.Errorf("sending back the parameters shown wrote an event (%v, then %v): %s", before, after, ev)
	}
}
