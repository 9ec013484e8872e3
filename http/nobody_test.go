package http_test

import (
	"testing"
)

// TestRefuseBody checks the POSTs that take no body: none, an empty object
// however spaced, and null are no body; anything else is refused before
// the work is done; and a retry under an Idempotency-Key is fingerprinted
// by what was sent, so {} replays.
func TestRefuseBody(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ep := e.do("POST", "/v1/webhookEndpoints", map[string]any{"url": "https://hooks.example.com/nobody"}).expect(201).obj()["id"].(string)
	path := "/v1/webhookEndpoints/" + ep + "/rotateSecret"
	for _, body := range []any{nil, raw(`{}`), raw(`{ }`), raw("{\n}"), raw(`null`), raw(" \n")} {
		e.do("POST", path, body).expect(200)
	}
	before := e.do("GET", "/v1/webhookEndpoints/"+ep, nil).expect(200).Header.Get("ETag")
	e.do("POST", path, raw(`{"secret": "whsec_mine"}`)).expect(422).problem()
	e.do("POST", path, raw(`{"secret":`)).expect(400).problem()
	if after := e.do("GET", "/v1/webhookEndpoints/"+ep, nil).expect(200).Header.Get("ETag"); after != before {
		t.Error("a refused rotation rotated the secret")
	}
	first := e.do("POST", path, raw(`{}`), withIdempotencyKey("rotate-empty")).expect(200)
	again := e.do("POST", path, raw(`{}`), withIdempotencyKey("rotate-empty")).expect(200)
	if again.Header.Get("Idempotent-Replayed") != "true" || again.Header.Get("ETag") != first.Header.Get("ETag") {
		t.Errorf("retry of {} = %v", again.Header)
	}
}
