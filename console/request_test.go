package console

import (
	"crypto/tls"
	"net/http/httptest"
	"testing"
)

// TestLocalPath: a redirect target from a form or query stays a path of
// the console's, or falls back to the default.
func TestLocalPath(t *testing.T) {
	t.Parallel()
	const def = Prefix + "/"
	for p, want := range map[string]string{
		Prefix + "/enrollments/x":        Prefix + "/enrollments/x",
		Prefix + "/queue?sel=1":          Prefix + "/queue?sel=1",
		Prefix + "/":                     Prefix + "/",
		"":                               def,
		"/v1/programs":                   def,
		"//evil.example":                 def,
		"https://evil.example/console/":  def,
		Prefix + "/..//evil.example":     def,
		Prefix + "/../v1/programs":       def,
		Prefix + "/%2e%2e//evil.example": def,
		Prefix + "/./queue":              def,
		Prefix + "/queue/..":             def,
		Prefix + "\\evil":                def,
		Prefix + "/a\r\nLocation: //x":   def,
	} {
		if got := localPath(p, def); got != want {
			t.Errorf("localPath(%q) = %q, want %q", p, got, want)
		}
	}
}

// TestJSONPanels: the JSON the console shows keeps <, > and &, which the
// page's own escaping protects; json's \u003c would show through.
func TestJSONPanels(t *testing.T) {
	t.Parallel()
	v := map[string]any{"k": "<b>&</b>"}
	if got, want := prettyJSON(v), "{\n  \"k\": \"<b>&</b>\"\n}"; got != want {
		t.Errorf("prettyJSON = %q, want %q", got, want)
	}
	if got, want := formatValue(v), `{"k":"<b>&</b>"}`; got != want {
		t.Errorf("formatValue = %q, want %q", got, want)
	}
}

// TestSecureCookiesBehindProxy: a console served over HTTPS by a proxy
// that ends TLS marks its cookies Secure though its requests are plain.
func TestSecureCookiesBehindProxy(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("GET", Prefix+"/signin", nil)
	for _, on := range []bool{false, true} {
		c := (&Console{}).WithSecureCookies(on)
		if got := c.cookie(r, sessionCookie, "v").Secure; got != on {
			t.Errorf("WithSecureCookies(%v): Secure = %v", on, got)
		}
		if got := c.clearCookie(r, sessionCookie).Secure; got != on {
			t.Errorf("WithSecureCookies(%v): clearing cookie Secure = %v", on, got)
		}
	}
}

// TestOwnOrigin: a POST's Origin is the console's when it is the public
// URL's origin, whatever Host a proxy passes on, or the request's Host by
// a scheme the request may have come by.
func TestOwnOrigin(t *testing.T) {
	t.Parallel()
	plain := (&Console{}).WithPublicURL("")
	public := (&Console{}).WithPublicURL("https://Enroll.example.com/")
	for _, tc := range []struct {
		name   string
		c      *Console
		host   string
		tls    bool
		origin string
		want   bool
	}{
		{"local use", plain, "127.0.0.1:8080", false, "http://127.0.0.1:8080", true},
		{"no Origin", plain, "127.0.0.1:8080", false, "", true},
		{"another host", plain, "127.0.0.1:8080", false, "http://evil.example", false},
		{"another port", plain, "127.0.0.1:8080", false, "http://127.0.0.1:8081", false},
		{"opaque", plain, "127.0.0.1:8080", false, "null", false},
		{"another scheme", plain, "127.0.0.1:8080", false, "ftp://127.0.0.1:8080", false},
		// A proxy that ends TLS and keeps the Host: the request is plain.
		{"proxy keeping Host", plain, "enroll.example.com", false, "https://enroll.example.com", true},
		{"over TLS", plain, "enroll.example.com", true, "https://enroll.example.com", true},
		{"over TLS, from http", plain, "enroll.example.com", true, "http://enroll.example.com", false},
		{"default port in Host", plain, "enroll.example.com:443", true, "https://enroll.example.com", true},
		{"case", plain, "Enroll.Example.com", true, "https://enroll.example.com", true},

		// The proxy passes on its upstream's address as the Host.
		{"public URL, Host of the proxy's upstream", public, "127.0.0.1:8080", false, "https://enroll.example.com", true},
		{"public URL, Host kept", public, "enroll.example.com", false, "https://enroll.example.com", true},
		{"public URL by http", public, "enroll.example.com", false, "http://enroll.example.com", false},
		{"public URL by http, another Host", public, "127.0.0.1:8080", false, "http://enroll.example.com", false},
		{"public URL with its default port", public, "127.0.0.1:8080", false, "https://enroll.example.com:443", true},
		{"public URL, local use", public, "127.0.0.1:8080", false, "http://127.0.0.1:8080", true},
		{"public URL, another host", public, "127.0.0.1:8080", false, "https://evil.example", false},
		{"public URL, a subdomain", public, "127.0.0.1:8080", false, "https://x.enroll.example.com", false},
	} {
		r := httptest.NewRequest("POST", Prefix+"/signin", nil)
		r.Host = tc.host
		if tc.tls {
			r.TLS = &tls.ConnectionState{}
		}
		if tc.origin != "" {
			r.Header.Set("Origin", tc.origin)
		}
		if got := tc.c.sameOrigin(r); got != tc.want {
			t.Errorf("%s: Origin %q, Host %q, TLS %v: same origin %v, want %v", tc.name, tc.origin, tc.host, tc.tls, got, tc.want)
		}
	}
	if !public.secureCookies {
		t.Error("an https public URL does not make the cookies Secure")
	}
}
