package console

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
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
func (c *Console) sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && c.ownOrigin(r, u)
}

// ownOrigin reports whether u, an Origin or a Referer, is the console's
// own origin: the public URL's (WithPublicURL), which is what browsers
// send when a proxy passes requests on with a Host of its own, or the
// request's Host. Of the latter, the scheme must be https on a request
// that came over TLS, and the public URL's for the public URL's host; a
// plain request for another host may come from either, since a proxy
// that ends TLS and keeps the Host makes it plain.
func (c *Console) ownOrigin(r *http.Request, u *url.URL) bool {
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return false
	}
	host := originHost(scheme, u.Host)
	if host == "" {
		return false
	}
	if c.public != nil && scheme == c.public.Scheme && host == c.public.Host {
		return true
	}
	switch {
	case host != originHost(scheme, r.Host):
		return false
	case r.TLS != nil:
		return scheme == "https"
	case c.public != nil && host == c.public.Host:
		return false // the public URL's host, by another scheme
	}
	return true
}

// originHost is host as origins compare it: in lower case, without the
// scheme's default port, which an Origin never carries but a Host may.
func originHost(scheme, host string) string {
	host = strings.ToLower(host)
	if scheme == "https" {
		return strings.TrimSuffix(host, ":443")
	}
	return strings.TrimSuffix(host, ":80")
}

// validCSRF reports whether a POST carries the session's token and comes
// from the console's own origin.
func (c *Console) validCSRF(r *http.Request, s *session) bool {
	return c.sameOrigin(r) && tokensEqual(r.PostFormValue(csrfField), s.CSRF)
}
