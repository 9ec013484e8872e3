package console

import (
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	enrollhttp "github.com/enrollhq/enroll/http"
)

func TestSignInStartsSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client().noFollow()

	// Signed out, the console sends people to the sign-in page and back.
	res := c.get(Prefix + "/enrollments?status=submitted")
	res.status(http.StatusSeeOther)
	if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, Prefix+"/signin?next=") || !strings.Contains(loc, "enrollments") {
		t.Fatalf("Location = %q", loc)
	}
	if res.Header.Get("X-Request-Id") == "" {
		t.Error("console response without X-Request-Id")
	}

	page := c.get(Prefix + "/signin")
	page.status(http.StatusOK).contains(`<label for="secret">API key</label>`, `type="password"`)
	res = c.post(Prefix+"/signin", url.Values{"csrf": {page.field("csrf")}, "secret": {f.secret}, "next": {Prefix + "/queue"}})
	res.status(http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != Prefix+"/queue" {
		t.Errorf("after sign-in Location = %q, want the next page", loc)
	}
	var sess *http.Cookie
	for _, ck := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(ck, sessionCookie+"=") {
			h := http.Header{"Set-Cookie": {ck}}
			sess = (&http.Response{Header: h}).Cookies()[0]
			for _, attr := range []string{"HttpOnly", "SameSite=Strict", "Path=/console"} {
				if !strings.Contains(ck, attr) {
					t.Errorf("session cookie %q lacks %s", ck, attr)
				}
			}
			if strings.Contains(ck, "Secure") {
				t.Errorf("session cookie over plain HTTP is Secure: %q", ck)
			}
		}
	}
	if sess == nil {
		t.Fatal("no session cookie")
	}
	if strings.Contains(sess.Value, f.secret) || strings.Contains(sess.Value, enroll.HashSecret(f.secret)) || len(sess.Value) < 40 {
		t.Errorf("session cookie %q carries the key or is too short", sess.Value)
	}

	home := c.get(Prefix + "/")
	home.status(http.StatusOK).contains("Overview", "acme", "admin key", "Sign out")
	if csp := home.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP = %q", csp)
	}
	if cc := home.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}
	// The key's use is recorded, as for API requests.
	k, _ := f.store.FindAPIKeyByHash(f.ctx, enroll.HashSecret(f.secret))
	if k.LastUsedAt == nil {
		t.Error("sign-in did not record lastUsedAt")
	}
}

func TestSignInRefusesBadKeys(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	revoked, rk := f.newKey("old", []enroll.Scope{enroll.ScopeEnrollmentsRead})
	if err := f.store.RevokeAPIKey(f.ctx, f.actor(), rk.ID); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, secret, msg string }{
		{"empty", "", "Invalid API key."},
		{"malformed", "not-a-key", "Invalid API key."},
		{"unknown", "sk_" + strings.Repeat("x", 32), "Invalid API key."},
		{"revoked", revoked, "This API key has been revoked."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := f.client().noFollow()
			res := c.signIn(tc.secret)
			res.status(http.StatusUnauthorized).contains(tc.msg, `aria-invalid="true"`)
			for _, ck := range res.Header.Values("Set-Cookie") {
				if strings.HasPrefix(ck, sessionCookie+"=") && !strings.Contains(ck, "Max-Age=0") {
					t.Errorf("refused sign-in set a session: %q", ck)
				}
			}
			c.get(Prefix + "/").status(http.StatusSeeOther)
		})
	}
}

func TestSignInFormNeedsItsToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// A form posted from elsewhere has neither the cookie nor the token.
	c := f.client().noFollow()
	c.post(Prefix+"/signin", url.Values{"secret": {f.secret}}).status(http.StatusForbidden).contains("did not come from this site")
	// With the cookie but another token.
	c.get(Prefix + "/signin")
	c.post(Prefix+"/signin", url.Values{"secret": {f.secret}, "csrf": {"forged"}}).status(http.StatusForbidden)
	// With the right token but from another origin.
	page := c.get(Prefix + "/signin")
	c.post(Prefix+"/signin", url.Values{"secret": {f.secret}, "csrf": {page.field("csrf")}}, "Origin", "https://evil.example").
		status(http.StatusForbidden)
	c.get(Prefix + "/").status(http.StatusSeeOther)
}

// TestSignInInTwoTabs: a sign-in form shown before another (a second tab)
// still signs in, and the token's cookie expires.
func TestSignInInTwoTabs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client().noFollow()
	first := c.get(Prefix + "/signin")
	second := c.get(Prefix + "/signin")
	if !strings.Contains(second.Header.Get("Set-Cookie"), "Max-Age=3600") {
		t.Errorf("sign-in cookie: %s", second.Header.Get("Set-Cookie"))
	}
	c.post(Prefix+"/signin", url.Values{"csrf": {first.field("csrf")}, "secret": {f.secret}}).status(http.StatusSeeOther)
}

func TestSignInRedirectStaysInConsole(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, next := range []string{"//evil.example/x", "https://evil.example/", "/v1/enrollments", "/console/\\evil", "/console/..//evil.example", ""} {
		c := f.client().noFollow()
		page := c.get(Prefix + "/signin?next=" + url.QueryEscape(next))
		if got := page.field("next"); got != Prefix+"/" {
			t.Errorf("next %q rendered as %q", next, got)
		}
		res := c.post(Prefix+"/signin", url.Values{"csrf": {page.field("csrf")}, "secret": {f.secret}, "next": {next}})
		if loc := res.Header.Get("Location"); loc != Prefix+"/" {
			t.Errorf("next %q: Location %q", next, loc)
		}
	}
}

func TestSessionCookieSecureOverTLS(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	c := f.client().noFollow()
	res := c.signIn(f.secret)
	res.status(http.StatusSeeOther)
	found := false
	for _, ck := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(ck, sessionCookie+"=") {
			found = true
			if !strings.Contains(ck, "Secure") || !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Strict") {
				t.Errorf("session cookie over TLS = %q", ck)
			}
		}
	}
	if !found {
		t.Fatal("no session cookie")
	}
	c.get(Prefix + "/").status(http.StatusOK)
}

// TestSignInBehindProxy: behind a proxy that ends TLS and passes requests
// on with its upstream's address as their Host, the browser's forms, whose
// Origin is the public URL's, sign in and act; other origins, the public
// host by http included, are refused.
func TestSignInBehindProxy(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const public = "https://enroll.example.com"
	g := *f
	g.console = New(f.store).WithLogger(discard).WithPublicURL(public)
	api := enrollhttp.NewServer(enrollhttp.Config{Store: f.store, Logger: discard, Version: "test", Console: g.console})
	g.srv = httptest.NewServer(api.Handler())
	t.Cleanup(g.srv.Close)

	// The cookies are Secure, which a jar keeps off the plain hop from the
	// proxy: they are sent by hand, as the proxy passes them on.
	c := g.client().noFollow()
	c.hc.Jar = nil
	cookies := map[string]string{}
	send := func(path string, form url.Values, origin string) *response {
		t.Helper()
		method, body := http.MethodGet, io.Reader(nil)
		if form != nil {
			method, body = http.MethodPost, strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, g.srv.URL+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		for name, value := range cookies {
			req.AddCookie(&http.Cookie{Name: name, Value: value})
		}
		res := c.do(req)
		for _, ck := range (&http.Response{Header: res.Header}).Cookies() {
			if !ck.Secure {
				t.Errorf("cookie %s is not Secure", ck.Name)
			}
			if cookies[ck.Name] = ck.Value; ck.MaxAge < 0 {
				delete(cookies, ck.Name)
			}
		}
		return res
	}

	page := send(Prefix+"/signin", nil, "").status(http.StatusOK)
	signIn := url.Values{"csrf": {page.field("csrf")}, "secret": {f.secret}}
	send(Prefix+"/signin", signIn, "https://evil.example").status(http.StatusForbidden)
	send(Prefix+"/signin", signIn, "http://enroll.example.com").status(http.StatusForbidden)
	send(Prefix+"/signin", signIn, public).status(http.StatusSeeOther)
	home := send(Prefix+"/", nil, "").status(http.StatusOK).contains("Sign out")

	out := url.Values{"csrf": {home.field("csrf")}}
	send(Prefix+"/signout", out, "https://evil.example").status(http.StatusForbidden)
	send(Prefix+"/signout", out, "http://enroll.example.com").status(http.StatusForbidden)
	send(Prefix+"/", nil, "").status(http.StatusOK).contains("Sign out")
	send(Prefix+"/signout", out, public).status(http.StatusSeeOther)
	send(Prefix+"/", nil, "").status(http.StatusSeeOther)
}

func TestRevokedKeyLosesSessionAtOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	secret, k := f.newKey("reviewer", []enroll.Scope{enroll.ScopeEnrollmentsRead, enroll.ScopeProgramsRead})
	c := f.signedIn(secret)
	c.get(Prefix + "/").status(http.StatusOK)
	if err := f.store.RevokeAPIKey(f.ctx, f.actor(), k.ID); err != nil {
		t.Fatal(err)
	}
	res := c.get(Prefix + "/")
	res.status(http.StatusOK).contains("Sign in", "Your API key has been revoked.").lacks("Sign out")
	c.noFollow().get(Prefix + "/").status(http.StatusSeeOther)
}

func TestSignOutEndsSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.signedIn(f.secret)
	home := c.get(Prefix + "/")
	u, _ := url.Parse(f.srv.URL + Prefix + "/")
	old := c.hc.Jar.Cookies(u)

	// Signing out is a form too: without the token it is refused.
	c.post(Prefix+"/signout", url.Values{}).status(http.StatusForbidden)
	c.get(Prefix + "/").status(http.StatusOK).contains("Sign out")

	c.post(Prefix+"/signout", url.Values{"csrf": {home.field("csrf")}}).status(http.StatusOK).contains("You have signed out.")
	c.noFollow().get(Prefix + "/").status(http.StatusSeeOther)

	// The old cookie, replayed, is dead.
	replay := f.client().noFollow()
	replay.hc.Jar.SetCookies(u, old)
	replay.get(Prefix + "/").status(http.StatusSeeOther)
}

func TestSessionExpiresWhenIdle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var (
		mu  sync.Mutex
		now = time.Now().UTC()
	)
	advance := func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(d)
	}
	f.console.now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	c := f.signedIn(f.secret)
	advance(sessionIdle - time.Minute)
	c.get(Prefix + "/").status(http.StatusOK).contains("Sign out")
	advance(sessionIdle + time.Minute)
	c.get(Prefix + "/").status(http.StatusOK).contains("Your session has ended.").lacks("Sign out")
}

// TestSignedOutPostComesBackAfterSignIn: a form posted after the session
// ended changes nothing, and its page's sign-in link comes back to the page
// the form was on: the Referer when it is a console page of this host,
// else the page of what the form acts on.
func TestSignedOutPostComesBackAfterSignIn(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.enroll(f.inst, "Sid", "Signedout", true)
	ep := f.endpoint("https://receiver.example/hooks")
	secret, k := f.newKey("reviewer", append(reviewScopes[:len(reviewScopes):len(reviewScopes)], enroll.ScopeWebhooksWrite))
	c := f.signedIn(secret)
	page := c.get(Prefix + "/enrollments/" + e.ID).status(http.StatusOK)
	if err := f.store.RevokeAPIKey(f.ctx, f.actor(), k.ID); err != nil {
		t.Fatal(err)
	}
	signInLink := func(res *response) string {
		t.Helper()
		m := regexp.MustCompile(`<a href="(/console/signin[^"]*)">Sign in</a>`).FindStringSubmatch(res.Body)
		if m == nil {
			t.Fatalf("%s: no sign-in link\n%s", res.what, res.Body)
		}
		return html.UnescapeString(m[1])
	}
	enrollmentPage := Prefix + "/enrollments/" + e.ID
	host := strings.TrimPrefix(f.srv.URL, "http://")
	// The first POST finds the key revoked and ends the session; the
	// others find no session.
	first := ""
	for i, tc := range []struct {
		name, path, referer, want string
	}{
		{"enrollment, no Referer", enrollmentPage + "/status", "", enrollmentPage},
		{"notes, no Referer", enrollmentPage + "/notes", "", enrollmentPage},
		{"queue Referer", enrollmentPage + "/status", "http://" + host + Prefix + "/queue?sel=2", Prefix + "/queue?sel=2"},
		{"Referer of another host", enrollmentPage + "/status", "http://evil.example" + Prefix + "/queue", enrollmentPage},
		{"Referer outside the console", enrollmentPage + "/status", "http://" + host + "/v1/enrollments", enrollmentPage},
		{"Referer leaving the console", enrollmentPage + "/status", "http://" + host + Prefix + "/..//evil.example", enrollmentPage},
		{"redelivery", endpointPath(ep.ID) + "/deliveries/" + enroll.NewID() + "/redeliver", "", endpointPath(ep.ID)},
		{"sign-out", Prefix + "/signout", "", Prefix + "/"},
	} {
		var header []string
		if tc.referer != "" {
			header = []string{"Referer", tc.referer}
		}
		res := c.noFollow().post(tc.path, page.decision(enroll.StatusApproved, "too late"), header...).status(http.StatusForbidden)
		res.contains("Signed out", "Nothing was changed.")
		q := url.Values{"next": {tc.want}}
		if i == 0 {
			q.Set("why", revokedWhy)
			first = signInLink(res)
		}
		if got, want := signInLink(res), Prefix+"/signin?"+q.Encode(); got != want {
			t.Errorf("%s: sign-in link %q, want %q", tc.name, got, want)
		}
	}
	if got := f.find(e.ID); got.Eligibility.Status != enroll.StatusSubmitted {
		t.Fatalf("a signed-out POST changed the enrollment to %s", got.Eligibility.Status)
	}

	// Signing in through the link comes back to the enrollment.
	form := c.get(first).status(http.StatusOK).contains("Your API key has been revoked.")
	if got := form.field("next"); got != enrollmentPage {
		t.Fatalf("the sign-in form's next is %q", got)
	}
	back := c.post(Prefix+"/signin", url.Values{"csrf": {form.field("csrf")}, "secret": {f.secret}, "next": {form.field("next")}}).
		status(http.StatusSeeOther)
	if loc := back.Header.Get("Location"); loc != enrollmentPage {
		t.Errorf("after signing in: Location %q, want %q", loc, enrollmentPage)
	}
}
