package console

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	enrollhttp "github.com/enrollhq/enroll/http"
)

// TestSessionsAcrossReplicas runs a second console over the same store, as
// another replica (or the same one after a restart) would: a session made
// on one is signed in on the other, a message left by one is shown by the
// other, and signing out on one ends the session on both.
func TestSessionsAcrossReplicas(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	g := *f
	g.console = New(f.store).WithLogger(discard)
	api := enrollhttp.NewServer(enrollhttp.Config{Store: f.store, Logger: discard, Version: "test", Console: g.console})
	g.srv = httptest.NewServer(api.Handler())
	t.Cleanup(g.srv.Close)

	a := f.signedIn(f.secret)
	// Cookies are kept by host, not port: the same jar signs b in on g.
	hc := *a.hc
	b := &client{t: t, f: &g, hc: &hc}
	home := b.get(Prefix + "/").status(http.StatusOK).contains("Sign out")

	// A message left by a POST on g is shown by the next page, on f.
	e := f.enroll(f.inst, "Rep", "Lica", false)
	b.noFollow().post(Prefix+"/enrollments/"+e.ID+"/notes", url.Values{"csrf": {home.field("csrf")}, "etag": {e.ETag()}, "notes": {"seen on g"}}).
		status(http.StatusSeeOther)
	a.get(Prefix+"/enrollments/"+e.ID).status(http.StatusOK).contains("Notes saved for", "seen on g")
	a.get(Prefix + "/enrollments/" + e.ID).status(http.StatusOK).lacks("Notes saved for")

	b.post(Prefix+"/signout", url.Values{"csrf": {home.field("csrf")}}).status(http.StatusSeeOther)
	a.noFollow().get(Prefix + "/").status(http.StatusSeeOther)
}

// TestConcurrentRequestsKeepEachOthersMessages plays two requests of one
// session at once, each with the copy of the session it read at its start
// (two tabs, or a POST and the page it redirects to on another replica):
// neither undoes the message or the secret the other left, and a message
// or secret is shown by one page only. Writing the whole copy back, as the
// console did, lost the first write and showed both twice.
func TestConcurrentRequestsKeepEachOthersMessages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ss, _, read := storedSession(t, f, &now)
	ep := &enroll.WebhookEndpoint{ID: "whe_a", Secret: "whsec_a"}

	// A leaves a message while B, which read the session before, leaves a
	// secret: both stay.
	a, b := read(), read()
	ss.setFlash(ctx, a, "Endpoint saved.")
	ss.setSecret(ctx, b, ep, false)
	if got := read(); got.Flash != "Endpoint saved." || got.Secret == "" {
		t.Fatalf("after both writes: flash %q, secret %q", got.Flash, got.Secret)
	}

	// Two pages read both; each is shown by one page only.
	c, d := read(), read()
	if got := ss.takeFlash(ctx, c); got != "Endpoint saved." {
		t.Errorf("first page's message = %q", got)
	}
	if got := ss.takeFlash(ctx, d); got != "" {
		t.Errorf("second page showed the message again: %q", got)
	}
	if got := ss.takeSecret(ctx, c, ep.ID); got == nil || got.Secret != "whsec_a" {
		t.Errorf("first page's secret = %+v", got)
	}
	if got := ss.takeSecret(ctx, d, ep.ID); got != nil {
		t.Errorf("second page showed the secret again: %+v", got)
	}

	// A page that read a message takes the one there now, and one that
	// read no message leaves a message left since for the next page.
	e, g := read(), read()
	ss.setFlash(ctx, e, "Endpoint added.")
	e.Flash = "Endpoint added."
	ss.setFlash(ctx, read(), "Signing secret rotated.")
	if got := ss.takeFlash(ctx, g); got != "" {
		t.Errorf("a page that read no message showed %q", got)
	}
	if got := ss.takeFlash(ctx, e); got != "Signing secret rotated." {
		t.Errorf("message = %q, want the latest", got)
	}
	if got := read().Flash; got != "" {
		t.Errorf("message left after it was shown: %q", got)
	}

	// A page that read a secret does not take (nor drop) the secret another
	// request left since, for the same endpoint or another.
	ss.setSecret(ctx, read(), ep, false)
	stale := read()
	now = now.Add(time.Second)
	ep.Secret = "whsec_b"
	ss.setSecret(ctx, read(), ep, true)
	if got := ss.takeSecret(ctx, stale, ep.ID); got != nil {
		t.Errorf("a replaced secret was shown: %+v", got)
	}
	if got := ss.takeSecret(ctx, read(), ep.ID); got == nil || got.Secret != "whsec_b" || !got.Rotated {
		t.Errorf("the latest secret = %+v", got)
	}
	if got := read(); got.Flash != "" || got.Secret != "" {
		t.Errorf("left: flash %q, secret %q", got.Flash, got.Secret)
	}
}

// storedSession creates a session of f's key in sessions whose clock reads
// *now, and returns them with read, which reads the session from the store
// as a new request would.
func storedSession(t *testing.T, f *fixture, now *time.Time) (*sessions, *session, func() *session) {
	t.Helper()
	ctx := context.Background()
	ss := newSessions(f.store, func() time.Time { return *now }, func() *slog.Logger { return discard })
	s := &session{KeyID: f.keyID, WorkspaceID: f.wsID}
	if _, err := ss.create(ctx, s); err != nil {
		t.Fatal(err)
	}
	return ss, s, func() *session {
		t.Helper()
		got, err := f.store.FindConsoleSession(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
}

// TestFlashSurvivesHead checks that a HEAD of the page a change redirects
// to (a link checker, a browser's prefetch) does not use up its message,
// nor a new endpoint's signing secret, shown once: the GET after it still
// shows them, once.
func TestFlashSurvivesHead(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.signedIn(f.secret).noFollow()
	csrf := c.get(Prefix + "/webhooks").status(http.StatusOK).field("csrf")
	path := c.post(Prefix+"/webhooks", url.Values{"csrf": {csrf}, "url": {"https://receiver.example/hooks"}}).
		status(http.StatusSeeOther).Header.Get("Location")
	head := func() {
		req, _ := http.NewRequest(http.MethodHead, f.srv.URL+path, nil)
		c.do(req).status(http.StatusOK)
	}
	head()
	page := c.get(path).status(http.StatusOK)
	secret := secretOnPage(page.Body)
	if secret == "" || !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("the GET after a HEAD shows no secret: %s", page.Body)
	}
	c.get(path).status(http.StatusOK).lacks(secret)

	c.post(path, url.Values{"csrf": {page.field("csrf")}, "description": {"Feed"}}).status(http.StatusSeeOther)
	head()
	c.get(path).status(http.StatusOK).contains("Endpoint saved.")
	c.get(path).status(http.StatusOK).lacks("Endpoint saved.")
}
