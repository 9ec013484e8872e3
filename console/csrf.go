package console

import (
	"crypto/subtle"
	"net/http"
	"net/url"
)

// csrfField is the name of the hidden field that carries the CSRF token in
// every POST form.
const csrfField = "csrf"

// signInCookie carries the token of the sign-in form, before any session
// exists (a double-submit token against login CSRF).
const signInCookie = "enroll_console_signin"

// tokensEqual compares two tokens in constant time; empty never matches.
func tokensEqual(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// sameOrigin refuses a POST that a browser says came from another site.
// The synchronizer token is the real protection; this only rejects early
// and documents intent. Requests without the headers (curl, old browsers)
// pass on to the token check.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

// validCSRF reports whether a POST carries the session's token and comes
// from the console's own origin.
func validCSRF(r *http.Request, s *session) bool {
	return sameOrigin(r) && tokensEqual(r.PostFormValue(csrfField), s.CSRF)
}
