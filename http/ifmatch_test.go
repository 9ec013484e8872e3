package http_test

import (
	"math"
	"testing"
)

// TestIfMatch_Resources checks optimistic concurrency on the resources
// other than enrollments, whose ETag is a hash of their representation:
// every answer that shows one carries its ETag; a stale If-Match on PATCH
// or DELETE is a 412 that changes nothing; the current one, or *, goes
// through.
func TestIfMatch_Resources(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	prog := e.do("POST", "/v1/programs", map[string]any{"slug": "etags", "name": "ETags"}).expect(201).obj()["id"].(string)
	for _, tc := range []struct {
		name, create string
		body, patch  map[string]any
	}{
		// PostgreSQL's jsonb keeps -0 as 0: the answer to the create must
		// too, or its ETag would be stale at once.
		{"program", "/v1/programs", map[string]any{"slug": "p-etag", "name": "P", "metadata": map[string]any{"d": math.Copysign(0, -1), "l": []any{math.Copysign(0, -1)}}},
			map[string]any{"name": "Q"}},
		{"instance", "/v1/programs/" + prog + "/instances", map[string]any{"slug": "i-etag", "name": "I"}, map[string]any{"name": "J"}},
		{"customer", "/v1/customers", map[string]any{"firstName": "a", "lastName": "b", "email": "etag@example.com"}, map[string]any{"phone": "+15550100"}},
		{"lead", "/v1/leads", map[string]any{"email": "lead-etag@example.com"}, map[string]any{"firstName": "x"}},
		{"webhook endpoint", "/v1/webhookEndpoints", map[string]any{"url": "https://hooks.example.com/etag"}, map[string]any{"description": "d"}},
		{"notification template", "/v1/notificationTemplates", map[string]any{"name": "T", "status": "approved", "subject": "s", "text": "t"},
			map[string]any{"subject": "s2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			created := e.do("POST", tc.create, tc.body).expect(201)
			path := created.Header.Get("Location")
			first := created.Header.Get("ETag")
			got := e.do("GET", path, nil).expect(200)
			if first == "" || got.Header.Get("ETag") != first {
				t.Fatalf("ETag on create %q, on GET %q", first, got.Header.Get("ETag"))
			}
			patched := e.do("PATCH", path, tc.patch, withHeader("If-Match", first)).expect(200)
			second := patched.Header.Get("ETag")
			if second == "" || second == first || e.do("GET", path, nil).expect(200).Header.Get("ETag") != second {
				t.Fatalf("ETag after PATCH %q (before %q)", second, first)
			}
			stale := withHeader("If-Match", first)
			e.do("PATCH", path, tc.patch, stale).expect(412).problem()
			e.do("DELETE", path, nil, stale).expect(412).problem()
			if after := e.do("GET", path, nil).expect(200); after.Header.Get("ETag") != second {
				t.Fatalf("a refused request changed it: %s", after.Body)
			}
			e.do("PATCH", path, tc.patch, withHeader("If-Match", `"other", *`)).expect(200)
			last := e.do("GET", path, nil).expect(200).Header.Get("ETag")
			e.do("DELETE", path, nil, withHeader("If-Match", last)).expect(204)
			e.do("GET", path, nil).expect(404)
		})
	}
}

// TestIfMatch_NotificationSettings checks optimistic concurrency on an
// instance's notification settings, which a PUT replaces whole: GET and
// PUT answer an ETag (the defaults, never stored, one that stays the
// same, so a first PUT can be conditional); a PUT with a stale If-Match is
// a 412 that changes nothing; the current one, or *, goes through, and
// none at all writes unconditionally, as a PATCH without one does.
func TestIfMatch_NotificationSettings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	path := "/v1/programInstances/" + e.createInstance(nil) + "/notificationSettings"
	put := func(admin string) map[string]any {
		return map[string]any{"enabled": true, "adminEmails": []string{admin}}
	}
	defaults := e.do("GET", path, nil).expect(200).Header.Get("ETag")
	if defaults == "" || e.do("GET", path, nil).expect(200).Header.Get("ETag") != defaults {
		t.Fatalf("ETag of the defaults %q, then %q", defaults, e.do("GET", path, nil).Header.Get("ETag"))
	}
	first := e.do("PUT", path, put("first@example.com"), withHeader("If-Match", defaults)).expect(200).Header.Get("ETag")
	if first == "" || first == defaults || e.do("GET", path, nil).expect(200).Header.Get("ETag") != first {
		t.Fatalf("ETag after a PUT %q (before %q)", first, defaults)
	}
	held := e.do("GET", path, nil).expect(200)
	e.do("PUT", path, put("stale@example.com"), withHeader("If-Match", defaults)).expect(412).problem()
	if after := e.do("GET", path, nil).expect(200); after.Header.Get("ETag") != first || string(after.Body) != string(held.Body) {
		t.Fatalf("a refused PUT changed the settings: %s", after.Body)
	}
	second := e.do("PUT", path, put("second@example.com"), withHeader("If-Match", `"other", `+first)).expect(200).Header.Get("ETag")
	if second == first || e.do("GET", path, nil).expect(200).Header.Get("ETag") != second {
		t.Fatalf("ETag after a PUT with the current one %q (before %q)", second, first)
	}
	e.do("PUT", path, put("any@example.com"), withHeader("If-Match", "*")).expect(200)
	e.do("PUT", path, put("none@example.com")).expect(200)
	if got := e.do("GET", path, nil).expect(200).obj()["adminEmails"].([]any); len(got) != 1 || got[0] != "none@example.com" {
		t.Fatalf("adminEmails after an unconditional PUT: %v", got)
	}
}
