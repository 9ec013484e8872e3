package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestH6IfMatchMalformed sends If-Match values that are not entity tags
// (RFC 9110 §8.8.3: a tag is quoted, "…" or W/"…"), such as the ETag with
// its quotes lost in a shell: a 422 at header.If-Match that says the tags
// are quoted, and nothing changed, rather than the 412 of a stale tag,
// which told the client to read again and retry, forever. A list spread
// over several If-Match fields is one list, as RFC 9110 §5.3 has it.
func TestH6IfMatchMalformed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	enrollment := e.enrollIn(inst, customerInfo(nil))["id"].(string)
	for _, tc := range []struct{ name, path, method, create string }{
		{"program", "", "PATCH", "/v1/programs"},
		{"webhook endpoint", "", "PATCH", "/v1/webhookEndpoints"},
		{"enrollment", "/v1/enrollments/" + enrollment, "PATCH", ""},
	} {
		path := tc.path
		body := map[string]any{"metadata": map[string]any{"k": "v"}}
		switch tc.create {
		case "/v1/programs":
			path = e.do("POST", tc.create, map[string]any{"slug": "h6-" + uniq(), "name": "P"}).expect(201).Header.Get("Location")
		case "/v1/webhookEndpoints":
			path = e.do("POST", tc.create, map[string]any{"url": "https://hooks.example.com/h6"}).expect(201).Header.Get("Location")
			body = map[string]any{"description": "d"}
		}
		etag := e.do("GET", path, nil).expect(200).Header.Get("ETag")
		if !strings.HasPrefix(etag, `"`) {
			t.Fatalf("%s: ETag %q is not quoted", tc.name, etag)
		}
		bare := strings.Trim(etag, `"`)
		for _, bad := range []string{bare, `"` + bare, bare + `"`, `'` + bare + `'`, `"a"b"`, `"a" "b"`, `W/` + bare} {
			for _, method := range []string{tc.method, "DELETE"} {
				p := e.do(method, path, body, withHeader("If-Match", bad)).expect(422).problem()
				if !p.hasLocation("header.If-Match") || !strings.Contains(p.Detail, "quote") {
					t.Errorf("%s: %s with If-Match %s: %+v, want a 422 at header.If-Match that says tags are quoted", tc.name, method, bad, p)
				}
			}
		}
		if got := e.do("GET", path, nil).expect(200).Header.Get("ETag"); got != etag {
			t.Fatalf("%s: a refused request changed it: ETag %s, was %s", tc.name, got, etag)
		}
		// Weak tags are tags: they never match under If-Match's
		// strong comparison, a 412.
		e.do(tc.method, path, body, withHeader("If-Match", `W/`+etag)).expect(412)
		// Several fields are one list: the current tag in the second.
		both := func(r *http.Request) {
			r.Header.Add("If-Match", `"stale"`)
			r.Header.Add("If-Match", etag)
		}
		e.do(tc.method, path, body, both).expect(200)
		etag = e.do("GET", path, nil).expect(200).Header.Get("ETag")
		// Blanks and empty list elements are allowed around tags.
		e.do(tc.method, path, body, withHeader("If-Match", ` , "stale",`+etag+` ,`)).expect(200)
	}
}
