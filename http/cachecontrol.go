package http

import "net/http"

// Headers every answer outside the console carries (the console sets its
// own, with a Content-Security-Policy, and lets its assets be cached).
const (
	// noSniff stops a browser from reading a JSON or CSV answer, which
	// holds text participants and integrators wrote, as HTML or script.
	noSniff = "nosniff"
	// noStore keeps every answer out of browser and proxy caches: answers
	// hold participants' personal data, and an API key's or a webhook
	// endpoint's secret is shown once, in its creation's (or rotation's)
	// answer. The API answers no conditional GET (its ETags serve
	// If-Match; If-None-Match is not read), so "private, no-cache" would
	// only keep a copy that every use fetches whole again.
	noStore = "no-store"
)

// withNoSniffNoStore sets X-Content-Type-Options and Cache-Control on
// every answer but the console's before anything else writes, so that
// problems written by the middleware, answers Huma makes itself
// (/openapi.json) and idempotent replays carry them as well. A handler
// may still set its own Cache-Control; none under /v1 does.
func withNoSniffNoStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !consolePath(r.URL.Path) {
			h := w.Header()
			h.Set("X-Content-Type-Options", noSniff)
			h.Set("Cache-Control", noStore)
		}
		next.ServeHTTP(w, r)
	})
}
