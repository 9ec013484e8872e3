package http_test

import (
	"io"
	"net/http"
	"strconv"
	"testing"
)

// TestAPIResponsesAreNotSniffedNorStored: every answer outside the console
// (JSON, problems, CSV, the OpenAPI document, /docs, a route no one
// serves) says X-Content-Type-Options: nosniff, so that a browser never
// reads a JSON or CSV answer holding participants' text as HTML or
// script, and Cache-Control: no-store, so that no browser or proxy keeps
// participants' data or a secret shown once. The API answers no
// conditional GET (If-None-Match is not read: its ETags serve If-Match),
// so a cache could only keep a copy, never revalidate it cheaply. The
// OpenAPI document declares both headers on every response.
func TestAPIResponsesAreNotSniffedNorStored(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	enr := e.enrollIn(inst, customerInfo(nil))
	checks := map[string]*response{
		"JSON":                  e.do("GET", "/v1/enrollments/"+enr["id"].(string), nil).expect(200),
		"problem":               e.do("GET", "/v1/enrollments/nosuchenrollment00000000", nil).expect(404),
		"unauthenticated":       e.do("GET", "/v1/programs", nil, withKey("")).expect(401),
		"unmatched route":       e.do("GET", "/v1/nowhere", nil).expect(404),
		"CSV export":            e.do("GET", "/v1/enrollments", nil, withHeader("Accept", "text/csv")).expect(200),
		"created":               e.do("POST", "/v1/programs", map[string]any{"slug": "p-" + uniq(), "name": "P"}).expect(201),
		"API key creation":      e.do("POST", "/v1/apiKeys", map[string]any{"name": "k", "scopes": []string{"programs:read"}}, withIdempotencyKey("k-"+uniq())).expect(201),
		"health":                e.do("GET", "/healthz", nil).expect(200),
		"deleted (no body)":     e.do("DELETE", "/v1/enrollments/"+enr["id"].(string), nil).expect(204),
		"malformed JSON body":   e.do("POST", "/v1/programs", raw("{"), withHeader("Content-Type", "application/json")).expect(400),
		"unsupported media":     e.do("POST", "/v1/programs", raw("x"), withHeader("Content-Type", "text/plain")).expect(415),
		"method not allowed":    e.do("PUT", "/v1/programs", nil).expect(405),
		"webhook secret shown":  e.do("POST", "/v1/webhookEndpoints", map[string]any{"url": "https://hooks.example.com/" + uniq()}).expect(201),
		"idempotent replay key": nil,
	}
	// A replayed creation is rebuilt from what was stored, headers and all.
	k := "k-" + uniq()
	body := map[string]any{"name": "replayed", "scopes": []string{"programs:read"}}
	e.do("POST", "/v1/apiKeys", body, withIdempotencyKey(k)).expect(201)
	checks["idempotent replay key"] = e.do("POST", "/v1/apiKeys", body, withIdempotencyKey(k)).expect(201)
	ep := checks["webhook secret shown"].obj()["id"].(string)
	checks["webhook secret rotated"] = e.do("POST", "/v1/webhookEndpoints/"+ep+"/rotateSecret", nil).expect(200)
	for name, r := range checks {
		if got := r.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s (%s): X-Content-Type-Options %q, want nosniff", name, r.req, got)
		}
		if got := r.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s (%s): Cache-Control %q, want no-store", name, r.req, got)
		}
	}

	// Those outside /v1 that a browser opens: the document and its page.
	for _, path := range []string{"/openapi.json", "/openapi.yaml", "/docs"} {
		res, err := http.Get(e.url + path)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("GET %s: status %d", path, res.StatusCode)
		}
		if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q, want nosniff", path, got)
		}
		if got := res.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", path, got)
		}
	}

	// The document declares both, with a description, on every response.
	for _, op := range operations(e.srv.OpenAPI()) {
		for code, resp := range op.Responses {
			for _, name := range []string{"X-Content-Type-Options", "Cache-Control"} {
				if h := resp.Headers[name]; h == nil || h.Description == "" {
					t.Errorf("%s %s %s: header %s not declared with a description", op.Method, op.Path, code, name)
				}
			}
		}
	}
}

// TestAPIAnswersNoConditionalGET pins what docs/api.md says of caching:
// an ETag is for If-Match, and If-None-Match with the current one gets
// the whole representation again (200), never a 304, which is why the
// API's answers are no-store rather than no-cache.
func TestAPIAnswersNoConditionalGET(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	id := e.enrollIn(inst, customerInfo(nil))["id"].(string)
	first := e.do("GET", "/v1/enrollments/"+id, nil).expect(200)
	etag := first.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	again := e.do("GET", "/v1/enrollments/"+id, nil, withHeader("If-None-Match", etag)).expect(200)
	if len(again.Body) == 0 || again.Header.Get("Content-Length") == "0" {
		t.Errorf("If-None-Match answered no body: %s", strconv.Quote(string(again.Body)))
	}
}
