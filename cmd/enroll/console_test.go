package main

import (
	"bytes"
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// lockedBuffer is a bytes.Buffer safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServeWiresConsole: enroll serve gives the console its public URL
// (a sign-in from its origin is accepted, though the Host is the
// listener's, as behind a proxy) and the server's key admission (console
// requests spend the key's rate limit with its API requests, and the
// access log names the key).
func TestServeWiresConsole(t *testing.T) {
	t.Parallel()
	m := NewMain()
	var out bytes.Buffer
	var logs lockedBuffer
	m.Stdout, m.Stderr = &out, &logs
	m.Config.DB, m.Config.Addr = filepath.Join(t.TempDir(), "e.db"), "127.0.0.1:0"
	m.Config.PublicURL, m.Config.RateLimit, m.Config.RateBurst = "https://enroll.example.com", 0.001, 3
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	secret := secretIn(t, out.String())
	base := m.HTTPServer.URL()

	// The cookies are Secure: sent by hand over the plain connection.
	cookies := map[string]string{}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(method, path string, form url.Values) (*http.Response, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, base+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", "https://enroll.example.com")
		}
		for name, value := range cookies {
			req.AddCookie(&http.Cookie{Name: name, Value: value})
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		for _, ck := range res.Cookies() {
			cookies[ck.Name] = ck.Value
		}
		return res, string(b)
	}

	_, page := send("GET", "/console/signin", nil)
	m1 := regexp.MustCompile(`name="csrf" value="([^"]*)"`).FindStringSubmatch(page)
	if m1 == nil {
		t.Fatalf("no sign-in token:\n%s", page)
	}
	if res, b := send("POST", "/console/signin", url.Values{"csrf": {html.UnescapeString(m1[1])}, "secret": {secret}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in from the public URL's origin: %d\n%s", res.StatusCode, b)
	}
	if res, _ := send("GET", "/console/", nil); res.StatusCode != http.StatusOK {
		t.Fatalf("overview: %d", res.StatusCode)
	}
	if res := do(t, "GET", base+"/v1/programs", secret, ""); res.StatusCode != http.StatusOK {
		t.Fatalf("API: %d", res.StatusCode)
	}
	if res, _ := send("GET", "/console/", nil); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("console past the key's limit: %d, want 429", res.StatusCode)
	}
	if !regexp.MustCompile(`path=/console/ .*keyId=[0-9a-z]{10,}`).MatchString(logs.String()) {
		t.Errorf("no console access line names the key:\n%s", logs.String())
	}
}
