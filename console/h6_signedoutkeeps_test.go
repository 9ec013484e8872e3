package console

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// formAt returns the action and the hidden inputs of the first form of
// r posting to an address that matches action.
func formAt(t *testing.T, r *response, action string) (string, url.Values) {
	t.Helper()
	form := regexp.MustCompile(`(?s)<form method="post" action="(` + action + `)"[^>]*>(.*?)</form>`).FindStringSubmatch(r.Body)
	if form == nil {
		t.Fatalf("%s: no form posting to %s\n%s", r.what, action, r.Body)
	}
	v := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(form[2], -1) {
		v.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return html.UnescapeString(form[1]), v
}

// endSessions ends every console session, as their idle time would.
func (f *fixture) endSessions() {
	f.t.Helper()
	far := time.Now().Add(time.Hour)
	if _, err := f.store.DeleteExpiredConsoleSessions(f.ctx, far, far); err != nil {
		f.t.Fatal(err)
	}
}

// TestH6SignedOutKeepsTyping: a form sent after the session ended was
// refused with a link to sign in, and what was typed was lost. The
// refusal now signs in on the spot, carrying what was typed; once signed
// in, the console shows it and offers to send the form again, with the
// new session's CSRF token, as typed: nothing is sent without that
// click, a stale version is still refused, a form from another site is
// not echoed, and the carried form goes only to a console form.
func TestH6SignedOutKeepsTyping(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.enroll(f.inst, "Kept", "Typing", true)
	c := f.signedIn(f.secret)
	page := c.get(Prefix + "/enrollments/" + e.ID).status(http.StatusOK)
	const reason = "Roof older than\n20 years <b>& more</b>"
	form := page.decision(enroll.StatusRejected, reason)
	f.endSessions()

	// From another site: refused, and what it sent is not echoed.
	c.post(Prefix+"/enrollments/"+e.ID+"/status", form, "Origin", "https://evil.example").status(http.StatusForbidden).
		lacks("Roof older", "keep.reason")

	refused := c.post(Prefix+"/enrollments/"+e.ID+"/status", form).status(http.StatusForbidden).
		contains("Signed out", "Nothing was changed.")
	if got := f.find(e.ID); got.Eligibility.Status != enroll.StatusSubmitted {
		t.Fatalf("a signed-out form changed the enrollment: %s", got.Eligibility.Status)
	}
	_, signIn := formAt(t, refused, "/console/signin")
	if signIn.Get("keep.reason") != reason || signIn.Get("keep.to") != "rejected" || signIn.Get("keep.csrf") != "" ||
		signIn.Get("resend") != Prefix+"/enrollments/"+e.ID+"/status" || signIn.Get("csrf") == "" {
		t.Fatalf("the refusal's sign-in form carries %v", signIn)
	}
	signIn.Set("secret", f.secret)
	offer := c.post(Prefix+"/signin", signIn).status(http.StatusOK).contains("Sign out", "Roof older than", "Send it again")
	action, again := formAt(t, offer, regexp.QuoteMeta(Prefix+"/enrollments/"+e.ID+"/status"))
	if again.Get("reason") != reason || again.Get("to") != "rejected" || again.Get("etag") != form.Get("etag") ||
		again.Get("csrf") == "" || again.Get("csrf") == form.Get("csrf") {
		t.Fatalf("the offer's form carries %v", again)
	}
	if got := f.find(e.ID); got.Eligibility.Status != enroll.StatusSubmitted {
		t.Fatalf("signing in sent the form: %s", got.Eligibility.Status)
	}
	c.post(action, again).status(http.StatusOK)
	if got := f.find(e.ID); got.Eligibility.Status != enroll.StatusRejected ||
		strings.ReplaceAll(got.Eligibility.Reason, "\r\n", "\n") != reason {
		t.Fatalf("after sending it again: %s %q", got.Eligibility.Status, got.Eligibility.Reason)
	}

	// A version changed meanwhile is refused as any stale form, and what
	// was typed stays on the page.
	e2 := f.enroll(f.inst, "Stale", "Typing", true)
	page = c.get(Prefix + "/enrollments/" + e2.ID).status(http.StatusOK)
	form = page.decision(enroll.StatusRejected, "Kept through a sign-in")
	f.endSessions()
	f.move(e2, enroll.StatusApproved, "")
	_, signIn = formAt(t, c.post(Prefix+"/enrollments/"+e2.ID+"/status", form).status(http.StatusForbidden), "/console/signin")
	signIn.Set("secret", f.secret)
	action, again = formAt(t, c.post(Prefix+"/signin", signIn).status(http.StatusOK), regexp.QuoteMeta(Prefix+"/enrollments/"+e2.ID+"/status"))
	c.post(action, again).status(http.StatusConflict).contains("Kept through a sign-in")

	// The carried form goes only to a console form's address.
	for _, to := range []string{"https://evil.example/x", Prefix + "/signout", Prefix + "/signin", Prefix + "/enrollments", "//evil.example/console/enrollments/x/status"} {
		c2 := f.client()
		p := c2.get(Prefix + "/signin").status(http.StatusOK)
		res := c2.post(Prefix+"/signin", url.Values{"csrf": {p.field("csrf")}, "secret": {f.secret}, "next": {Prefix + "/queue"},
			"resend": {to}, "keep.reason": {"x"}}).status(http.StatusOK)
		if res.URL.Path != Prefix+"/queue" || strings.Contains(res.Body, "Send it again") {
			t.Errorf("resend %q: signed in to %s, offering %v", to, res.URL.Path, strings.Contains(res.Body, "Send it again"))
		}
	}
}
