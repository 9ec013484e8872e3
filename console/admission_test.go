package console

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/enrollhq/enroll"
	enrollhttp "github.com/enrollhq/enroll/http"
)

// serveWith returns f served by another server over its store, made with
// cfg (its store, version and console set here), whose console is admitted
// by that server, as enroll serve wires them.
func (f *fixture) serveWith(cfg enrollhttp.Config) *fixture {
	f.t.Helper()
	g := *f
	g.console = New(f.store).WithLogger(discard)
	cfg.Store, cfg.Version, cfg.Console = f.store, "test", g.console
	if cfg.Logger == nil {
		cfg.Logger = discard
	}
	api := enrollhttp.NewServer(cfg)
	g.console.WithKeyAdmission(api.AdmitKey)
	g.srv = httptest.NewServer(api.Handler())
	f.t.Cleanup(g.srv.Close)
	return &g
}

// TestRateLimitCountsConsoleRequests: the console's requests, a sign-in
// included, spend the key's rate limit with its API requests; past it, a
// page or a form is a 429 page with Retry-After, and the form changes
// nothing.
func TestRateLimitCountsConsoleRequests(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// A burst of 4, refilled too slowly to matter here.
	g := f.serveWith(enrollhttp.Config{RateLimit: 0.001, RateBurst: 4})
	e := f.enroll(f.inst, "Rita", "Ratelimit", true)
	api := func() *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, g.srv.URL+"/v1/programs", nil)
		req.Header.Set("Authorization", "Bearer "+f.secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}

	c := g.client().noFollow()
	page := c.get(Prefix + "/signin").status(http.StatusOK) // no key yet: not counted
	c.post(Prefix+"/signin", url.Values{"csrf": {page.field("csrf")}, "secret": {f.secret}}).status(http.StatusSeeOther)
	enrollment := c.get(Prefix + "/enrollments/" + e.ID).status(http.StatusOK)
	if got := enrollment.Header.Get("RateLimit-Remaining"); got != "2" {
		t.Errorf("after a sign-in and a page, RateLimit-Remaining = %q, want 2", got)
	}
	if res := api(); res.StatusCode != http.StatusOK {
		t.Fatalf("API: %d", res.StatusCode)
	}
	c.get(Prefix + "/").status(http.StatusOK)

	res := c.get(Prefix + "/enrollments").status(http.StatusTooManyRequests)
	res.contains("Too many requests", "rate limit", "Back to the console").lacks("Nothing was changed.")
	if ra := res.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("429 page: Retry-After %q", ra)
	}
	res = c.post(Prefix+"/enrollments/"+e.ID+"/notes", url.Values{"csrf": {enrollment.field("csrf")}, "etag": {enrollment.field("etag")},
		"notes": {"too fast"}}).status(http.StatusTooManyRequests)
	res.contains("Too many requests", "Nothing was changed.")
	if got := f.find(e.ID); got.Notes != "" {
		t.Errorf("a refused form saved notes %q", got.Notes)
	}
	if res := api(); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("API after the console used the key's limit: %d, want 429", res.StatusCode)
	}

	// A sign-in with the key starts no session.
	other := g.client().noFollow()
	page = other.get(Prefix + "/signin").status(http.StatusOK)
	res = other.post(Prefix+"/signin", url.Values{"csrf": {page.field("csrf")}, "secret": {f.secret}}).status(http.StatusTooManyRequests)
	for _, ck := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(ck, sessionCookie+"=") {
			t.Errorf("a refused sign-in set a session: %q", ck)
		}
	}

	// Another key has its own limit.
	secret, _ := f.newKey("reader", []enroll.Scope{enroll.ScopeEnrollmentsRead})
	g.signedIn(secret).get(Prefix + "/enrollments").status(http.StatusOK)
}

// logBuffer is a bytes.Buffer safe for the server's goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestAccessLogNamesConsoleKey: the access log line of a console request
// made with a key (signed in, or signing in) names the key, as an API
// request's does, so that changes without a history of their own (webhook
// endpoints) can be traced to it.
func TestAccessLogNamesConsoleKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var logs logBuffer
	g := f.serveWith(enrollhttp.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	secret, k := f.newKey("hooks", []enroll.Scope{enroll.ScopeWebhooksWrite})
	ep := f.endpoint("https://receiver.example/hooks")
	c := g.signedIn(secret)
	page := c.get(endpointPath(ep.ID)).status(http.StatusOK)
	c.post(endpointPath(ep.ID)+"/enabled", url.Values{"csrf": {page.field("csrf")}, "enabled": {"false"}}).status(http.StatusOK)

	want := map[string]string{
		"GET " + Prefix + "/signin":                "",
		"POST " + Prefix + "/signin":               k.ID,
		"GET " + Prefix + "/":                      k.ID,
		"GET " + endpointPath(ep.ID):               k.ID,
		"POST " + endpointPath(ep.ID) + "/enabled": k.ID,
	}
	line := regexp.MustCompile(`msg=request method=(\S+) path=(\S+) .* keyId=(\S+)`)
	got := map[string]string{}
	for _, l := range strings.Split(logs.String(), "\n") {
		if m := line.FindStringSubmatch(l); m != nil {
			got[m[1]+" "+m[2]] = strings.Trim(m[3], `"`)
		}
	}
	for req, key := range want {
		if id, ok := got[req]; !ok {
			t.Errorf("no access log line for %s:\n%s", req, logs.String())
		} else if id != key {
			t.Errorf("%s logged with keyId %q, want %q", req, id, key)
		}
	}
}
