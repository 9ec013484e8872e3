package main

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
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

// consoleClient is a browser signed in to the console of a server, that
// keeps cookies by hand (Secure ones too, over a plain connection) and
// sends forms from origin.
type consoleClient struct {
	t       *testing.T
	base    string
	origin  string
	cookies map[string]string
	client  *http.Client
}

// signIn signs in to the console at base with secret, sending forms from
// origin.
func signIn(t *testing.T, base, origin, secret string) *consoleClient {
	t.Helper()
	c := &consoleClient{t: t, base: base, origin: origin, cookies: map[string]string{},
		client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if res, b := c.sendForm("POST", "/console/signin", url.Values{"csrf": {c.csrf("/console/signin")}, "secret": {secret}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in from %s: %d\n%s", origin, res.StatusCode, b)
	}
	return c
}

// csrf returns the form token of the page at path.
func (c *consoleClient) csrf(path string) string {
	c.t.Helper()
	_, page := c.sendForm("GET", path, nil)
	m := regexp.MustCompile(`name="csrf" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		c.t.Fatalf("no form token on %s:\n%s", path, page)
	}
	return html.UnescapeString(m[1])
}

// sendForm sends form (nil: none) to path, and returns the answer and its
// body.
func (c *consoleClient) sendForm(method, path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	if form == nil {
		return c.send(method, path, "", nil)
	}
	return c.send(method, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

// send sends body, of type contentType, to path.
func (c *consoleClient) send(method, path, contentType string, body io.Reader) (*http.Response, string) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, body)
	if body != nil {
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Origin", c.origin)
	}
	for name, value := range c.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	res, err := c.client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for _, ck := range res.Cookies() {
		c.cookies[ck.Name] = ck.Value
	}
	return res, string(b)
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
	c := signIn(t, base, "https://enroll.example.com", secret)
	send := func(method, path string, form url.Values) (*http.Response, string) {
		return c.sendForm(method, path, form)
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

// TestServeRunsConsoleImports: enroll serve runs the console's uploads as
// the API's: closed while one runs, the server stops it at a batch
// boundary, failed with a message saying to send the file again, rather
// than leaving it running on a closed store, to read as failed only once
// stale.
func TestServeRunsConsoleImports(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := signIn(t, s.url, s.url, s.secret)
	var file strings.Builder
	file.WriteString("firstName,lastName,email\n")
	const n = 3000
	for i := range n {
		fmt.Fprintf(&file, "Shut,Down,shut%d@example.com\n", i)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", c.csrf("/console/imports"))
	_ = mw.WriteField("instance", s.instance)
	fw, _ := mw.CreateFormFile("file", "people.csv")
	_, _ = io.WriteString(fw, file.String())
	_ = mw.Close()
	res, page := c.send("POST", "/console/imports", mw.FormDataContentType(), &body)
	id, ok := strings.CutPrefix(res.Header.Get("Location"), "/console/imports/")
	if res.StatusCode != http.StatusSeeOther || !ok {
		t.Fatalf("upload: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), page)
	}
	ctx := context.Background()
	for {
		im, err := s.jobs.FindImport(ctx, s.actor.WorkspaceID, id)
		if err != nil {
			t.Fatal(err)
		}
		if im.ProcessedRows > 0 || im.Finished() {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.close(t)

	db, err := sqlite.Open(ctx, sqlite.Config{Path: s.m.Config.DB, Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	im, err := db.FindImport(ctx, s.actor.WorkspaceID, id)
	if err != nil {
		t.Fatal(err)
	}
	if im.Status == enroll.ImportSucceeded {
		t.Skipf("the import ended before the server closed: %+v", im) // a very fast machine
	}
	if im.Status != enroll.ImportFailed || !strings.Contains(im.Message, "because the server shut down") {
		t.Errorf("after the server closed: %s %q, want failed because the server shut down", im.Status, im.Message)
	}
}
