package console

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/enrollhq/enroll"
)

var (
	readScopes   = []enroll.Scope{enroll.ScopeProgramsRead, enroll.ScopeEnrollmentsRead}
	writeScopes  = append(readScopes[:len(readScopes):len(readScopes)], enroll.ScopeEnrollmentsWrite)
	reviewScopes = append(writeScopes[:len(writeScopes):len(writeScopes)], enroll.ScopeEnrollmentsReview)
)

func TestKeyWithoutReviewScopeSeesNoReviewButtonsAndCannotPost(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.enroll(f.inst, "Sam", "Submitter", true)
	if e.Eligibility.Status != enroll.StatusSubmitted {
		t.Fatalf("fixture enrollment is %s", e.Eligibility.Status)
	}
	secret, _ := f.newKey("clerk", writeScopes)
	c := f.signedIn(secret)

	page := c.get(Prefix + "/enrollments/" + e.ID).status(http.StatusOK)
	page.lacks(`name="to" value="approved"`, `name="to" value="rejected"`, `name="to" value="needs_action"`, ">Approve", ">Reject")
	page.contains("need the enrollments:review scope", `id="notes-text"`)
	c.get(Prefix+"/queue").status(http.StatusOK).contains("Sam Submitter", "can view the queue but not decide").
		lacks(`name="to" value="approved"`)

	// A forged form, with the session's own token, is still refused.
	form := url.Values{"csrf": {page.field("csrf")}, "etag": {e.ETag()}, "to": {"approved"}, "reason": {"forged"}}
	c.post(Prefix+"/enrollments/"+e.ID+"/status", form).status(http.StatusForbidden).
		contains("lacks the enrollments:review scope", "Nothing was changed")
	if got := f.find(e.ID); got.Eligibility.Status != enroll.StatusSubmitted || got.Version != e.Version {
		t.Errorf("forged approval changed the enrollment: %s v%d", got.Eligibility.Status, got.Version)
	}

	// Resuming a paused enrollment is an approval too, as in the API.
	p := f.move(f.move(f.enroll(f.inst, "Pat", "Paused", true), enroll.StatusApproved, ""), enroll.StatusPaused, "")
	pp := c.get(Prefix + "/enrollments/" + p.ID).status(http.StatusOK)
	pp.contains(`name="to" value="unenrolled"`).lacks(`name="to" value="approved"`, ">Resume")
	form.Set("etag", p.ETag())
	c.post(Prefix+"/enrollments/"+p.ID+"/status", form).status(http.StatusForbidden)
}

func TestReadOnlyKeyCannotChangeAnything(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.move(f.enroll(f.inst, "Ada", "Approved", true), enroll.StatusApproved, "ok")
	secret, _ := f.newKey("viewer", readScopes)
	c := f.signedIn(secret)
	page := c.get(Prefix + "/enrollments/" + e.ID).status(http.StatusOK)
	page.lacks(`class="decide`, `id="notes-text"`, `name="to" value="paused"`).contains("can view this enrollment but not change it")
	form := url.Values{"csrf": {page.field("csrf")}, "etag": {e.ETag()}, "to": {"paused"}}
	c.post(Prefix+"/enrollments/"+e.ID+"/status", form).status(http.StatusForbidden).contains("enrollments:write")
	c.post(Prefix+"/enrollments/"+e.ID+"/notes", url.Values{"csrf": {page.field("csrf")}, "etag": {e.ETag()}, "notes": {"x"}}).
		status(http.StatusForbidden)
	if got := f.find(e.ID); got.Version != e.Version {
		t.Error("a read-only key changed the enrollment")
	}
}

func TestPagesFollowReadScopes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.enroll(f.inst, "Eve", "Events", true)

	// Programs only: the overview, but no enrollments.
	secret, _ := f.newKey("programs", []enroll.Scope{enroll.ScopeProgramsRead})
	c := f.signedIn(secret)
	home := c.get(Prefix + "/").status(http.StatusOK).contains("Solar Rebate 2026")
	home.lacks(`href="/console/enrollments"`, `href="/console/queue"`, "/console/enrollments?instance=")
	c.get(Prefix + "/enrollments").status(http.StatusForbidden).contains("enrollments:read")
	c.get(Prefix + "/enrollments/" + e.ID).status(http.StatusForbidden)
	c.get(Prefix + "/queue").status(http.StatusForbidden)

	// Enrollments only: the queue is home; instance names (programs:read)
	// and events (events:read) are not shown.
	secret, _ = f.newKey("enrollments", []enroll.Scope{enroll.ScopeEnrollmentsRead})
	c = f.signedIn(secret)
	c.get(Prefix + "/").status(http.StatusOK).contains("<h1>Review queue</h1>")
	page := c.get(Prefix + "/enrollments/" + e.ID).status(http.StatusOK)
	page.contains(f.inst.ID, "cannot read events").lacks("Solar Rebate 2026", "enrollment.created")

	// With events:read the page lists the enrollment's events.
	secret, _ = f.newKey("events", []enroll.Scope{enroll.ScopeEnrollmentsRead, enroll.ScopeEventsRead})
	c = f.signedIn(secret)
	c.get(Prefix+"/enrollments/"+e.ID).status(http.StatusOK).contains("enrollment.created", "enrollment.status_changed")

	// Neither: a page that says so.
	secret, _ = f.newKey("webhooks", []enroll.Scope{enroll.ScopeWebhooksWrite})
	c = f.signedIn(secret)
	c.get(Prefix+"/").status(http.StatusOK).contains("nothing the console can show", `href="/console/webhooks"`)
	c.get(Prefix+"/webhooks").status(http.StatusOK).contains("<h1>Webhooks</h1>", "Add an endpoint").lacks("not available yet")
	c.get(Prefix + "/imports").status(http.StatusForbidden).contains("imports:write")
}

func TestInstanceLimitedKeySeesOnlyItsInstances(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mine := f.enroll(f.inst, "Mia", "Mine", true)
	theirs := f.enroll(f.other, "Theo", "Theirs", true)
	secret, _ := f.newKey("limited", reviewScopes, f.inst.ID)
	c := f.signedIn(secret)

	home := c.get(Prefix + "/").status(http.StatusOK)
	home.contains("Solar Rebate 2026", "limited to some program instances").lacks("Solar Rebate 2025")
	c.get(Prefix + "/enrollments").status(http.StatusOK).contains("Mia Mine").lacks("Theo Theirs")
	c.get(Prefix + "/enrollments?q=theo").status(http.StatusOK).contains("No enrollments match.")
	c.get(Prefix + "/queue").status(http.StatusOK).contains("Mia Mine").lacks("Theo Theirs")
	// A link to the other instance gets the note an unknown one gets, so
	// neither its existence leaks nor the list claims to show it.
	for _, page := range []string{"/enrollments", "/queue"} {
		c.get(Prefix+page+"?instance="+f.other.ID).status(http.StatusOK).
			contains("The program instance “"+f.other.ID+"” is not one your key can see, so it was left out.", "Mia Mine").
			lacks("Theo Theirs", `value="`+f.other.ID+`"`)
	}

	// The other instance's enrollment does not exist for this key: 404,
	// for pages and forms alike.
	c.get(Prefix + "/enrollments/" + theirs.ID).status(http.StatusNotFound).lacks("Theo")
	page := c.get(Prefix + "/enrollments/" + mine.ID).status(http.StatusOK)
	form := url.Values{"csrf": {page.field("csrf")}, "etag": {theirs.ETag()}, "to": {"approved"}, "reason": {"x"}}
	c.post(Prefix+"/enrollments/"+theirs.ID+"/status", form).status(http.StatusNotFound)
	if got := f.find(theirs.ID); got.Eligibility.Status != enroll.StatusSubmitted {
		t.Errorf("limited key changed another instance's enrollment: %s", got.Eligibility.Status)
	}
	// Its own instance it may review.
	c.post(Prefix+"/enrollments/"+mine.ID+"/status", page.decision(enroll.StatusApproved, "")).status(http.StatusOK)
	if got := f.find(mine.ID); got.Eligibility.Status != enroll.StatusApproved {
		t.Errorf("limited key could not approve in its instance: %s", got.Eligibility.Status)
	}
}
