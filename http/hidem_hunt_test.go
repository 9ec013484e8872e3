package http_test

import "testing"

// TestIdempotency_BodilessPOSTsTakeAnyEmptyBody: the POSTs that take no
// body accept none, {} or null alike (docs/api.md), and a JSON body counts
// by what it says, so a retry with the same Idempotency-Key that writes
// "nothing" otherwise is the same request: a replay, not a 422.
func TestIdempotency_BodilessPOSTsTakeAnyEmptyBody(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	id := e.enrollIn(inst, customerInfo(nil))["id"].(string)
	path := "/v1/enrollments/" + id + "/evaluate"
	bodies := []any{nil, raw("{}"), raw("null"), raw(" { } "), nil}
	first := e.do("POST", path, bodies[0], withIdempotencyKey("evaluate-empty")).expect(200)
	for _, b := range bodies[1:] {
		again := e.do("POST", path, b, withIdempotencyKey("evaluate-empty")).expect(200)
		if again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(first.Body) {
			t.Fatalf("retry with body %v is not a replay: %v %s", b, again.Header, again.Body)
		}
	}
	// Something else is still another request.
	e.do("POST", path, raw(`{"a":1}`), withIdempotencyKey("evaluate-empty")).expect(422)
}
