package console

import (
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
