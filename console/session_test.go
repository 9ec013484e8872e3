package console

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

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
