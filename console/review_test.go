package console

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

func TestApproveRecordsHistory(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.enroll(f.inst, "Suzie", "Homeowner", true)
	secret, k := f.newKey("reviewer", reviewScopes)
	c := f.signedIn(secret)

	page := c.get(Prefix + "/enrollments/" + e.ID).status(http.StatusOK)
	// Only the moves the workflow allows from submitted are offered.
	page.contains(`name="to" value="approved"`, `name="to" value="rejected"`, `name="to" value="needs_action"`, `data-shortcut="a"`)
	page.lacks(`name="to" value="paused"`, `name="to" value="unenrolled"`, `name="to" value="eligible"`)
	// The eligibility trace and the parameter with its declaration.
	page.contains("in-ny", "passed", "roof_age", "Roof age (years)")

	res := c.post(Prefix+"/enrollments/"+e.ID+"/status", page.decision(enroll.StatusApproved, "Verified the roof"))
	res.status(http.StatusOK).contains("Suzie Homeowner is now approved.", "Verified the roof", "by you", k.ID)
	if res.URL.Path != Prefix+"/enrollments/"+e.ID {
		t.Errorf("after approval at %s", res.URL.Path)
	}
	got := f.find(e.ID)
	if got.Eligibility.Status != enroll.StatusApproved || got.Eligibility.Reason != "Verified the roof" || got.EnrolledAt == nil {
		t.Fatalf("after approval: %+v", got.Eligibility)
	}
	hist, _ := f.store.ListStatusChanges(f.ctx, f.wsID, e.ID)
	last := hist[len(hist)-1]
	if last.From != enroll.StatusSubmitted || last.To != enroll.StatusApproved || last.ActorKeyID != k.ID ||
		last.Reason != "Verified the roof" || !strings.HasPrefix(last.RequestID, "req_") {
		t.Errorf("history entry = %+v", last)
	}
	// The flash shows once.
	c.get(Prefix + "/enrollments/" + e.ID).lacks("is now approved.")
	// Now approved: pause and unenroll are offered, approve no more.
	c.get(Prefix+"/enrollments/"+e.ID).contains(`name="to" value="paused"`, `name="to" value="unenrolled"`).lacks(`name="to" value="approved"`, `name="to" value="rejected"`)
}

func TestRejectNeedsReason(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.enroll(f.inst, "Rex", "Rejected", true)
	c := f.signedIn(f.secret)
	page := c.get(Prefix + "/enrollments/" + e.ID)
	c.post(Prefix+"/enrollments/"+e.ID+"/status", page.decision(enroll.StatusRejected, "  ")).
		status(http.StatusUnprocessableEntity).contains("Give a reason to reject")
	// A reason the notes field would refuse is refused here too.
	c.post(Prefix+"/enrollments/"+e.ID+"/status", page.decision(enroll.StatusRejected, "bad\x00reason")).
		status(http.StatusUnprocessableEntity).contains("NUL")
	c.post(Prefix+"/enrollments/"+e.ID+"/status", page.decision(enroll.StatusRejected, "Roof\r\ntoo old")).
		status(http.StatusOK).contains("is now rejected", "its status cannot change any more")
	if got := f.find(e.ID); got.Eligibility.Status != enroll.StatusRejected || got.Eligibility.Reason != "Roof\ntoo old" {
		t.Errorf("after rejection: %+v", got.Eligibility)
	}
}

func TestStaleVersionIsAConflictNotALostUpdate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.enroll(f.inst, "Cora", "Conflict", true)
	c := f.signedIn(f.secret)
	page := c.get(Prefix + "/enrollments/" + e.ID).status(http.StatusOK)

	// Someone else approves while the page is open.
	f.move(e, enroll.StatusApproved, "approved elsewhere")

	res := c.post(Prefix+"/enrollments/"+e.ID+"/status", page.decision(enroll.StatusRejected, "Incomplete file"))
	res.status(http.StatusConflict)
	res.contains("Someone else changed this enrollment: it is now", `badge s-approved`, "Reject", "not</strong> applied",
		"approved elsewhere", "Incomplete file")
	// The page shows the current state: now pause and unenroll are offered.
	res.contains(`name="to" value="paused"`).lacks(`name="to" value="rejected"`)
	if got := f.find(e.ID); got.Eligibility.Status != enroll.StatusApproved {
		t.Errorf("stale rejection applied: %s", got.Eligibility.Status)
	}

	// Notes carry the version too.
	form := url.Values{"csrf": {page.field("csrf")}, "etag": {page.field("etag")}, "notes": {"my note"}}
	c.post(Prefix+"/enrollments/"+e.ID+"/notes", form).status(http.StatusConflict).contains("Your notes were not saved", "my note")
	if got := f.find(e.ID); got.Notes != "" {
		t.Errorf("stale notes saved: %q", got.Notes)
	}

	// A move the workflow refuses (forged) is a conflict with the store's message.
	fresh := c.get(Prefix + "/enrollments/" + e.ID)
	c.post(Prefix+"/enrollments/"+e.ID+"/status", fresh.decision(enroll.StatusSubmitted, "")).
		status(http.StatusConflict).contains("Cannot change status from")
}

func TestNotesSaved(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.enroll(f.inst, "Nora", "Notes", false)
	c := f.signedIn(f.secret)
	page := c.get(Prefix + "/enrollments/" + e.ID)
	form := url.Values{"csrf": {page.field("csrf")}, "etag": {page.field("etag")}, "notes": {"Called on Monday.\r\nWill send photos."}}
	c.post(Prefix+"/enrollments/"+e.ID+"/notes", form).status(http.StatusOK).contains("Notes saved", "Will send photos.")
	if got := f.find(e.ID); got.Notes != "Called on Monday.\nWill send photos." {
		t.Errorf("notes = %q", got.Notes)
	}
}

func TestPauseResumeUnenroll(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.move(f.enroll(f.inst, "Paul", "Pauser", true), enroll.StatusApproved, "")
	c := f.signedIn(f.secret)
	for _, step := range []struct {
		to    enroll.Status
		label string
	}{{enroll.StatusPaused, "Pause"}, {enroll.StatusApproved, "Resume"}, {enroll.StatusUnenrolled, "Unenroll"}} {
		page := c.get(Prefix + "/enrollments/" + e.ID)
		page.contains(">" + step.label + " <kbd>")
		c.post(Prefix+"/enrollments/"+e.ID+"/status", page.decision(step.to, "step "+step.label)).
			status(http.StatusOK).contains("is now " + statusLabel(step.to))
	}
	got := f.find(e.ID)
	if got.Eligibility.Status != enroll.StatusUnenrolled || got.UnenrolledAt == nil {
		t.Errorf("after unenroll: %+v", got)
	}
}

func TestReviewQueue(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enroll(f.inst, "Ann", "First", true)
	second := f.enroll(f.other, "Ben", "Second", true)
	f.enroll(f.inst, "Cal", "Candidate", false, func(r *enroll.EnrollmentCreate) { r.Address.State = "CA" }) // ineligible
	f.enroll(f.inst, "Dee", "Third", true)
	c := f.signedIn(f.secret)

	q := c.get(Prefix + "/queue").status(http.StatusOK)
	q.contains("3 submitted enrollments", "Keyboard shortcuts", "<kbd>j</kbd>", "<kbd>a</kbd>").lacks("Cal Candidate")
	a, b, d := strings.Index(q.Body, "Ann First"), strings.Index(q.Body, "Ben Second"), strings.Index(q.Body, "Dee Third")
	if !(a < b && b < d) {
		t.Errorf("queue not oldest first: %d %d %d", a, b, d)
	}
	q.contains(`data-selected="0"`, `aria-label="Reject Ann First"`)
	// Each decision takes a reason without the script's dialog too.
	q.contains(`<label for="reason-`+second.ID+`">Reason`, `<input id="reason-`+second.ID+`" name="reason" type="text"`)

	// Deciding from the queue comes back to the queue at the same place.
	form := url.Values{"csrf": {q.field("csrf")}, "etag": {second.ETag()}, "from": {"submitted"}, "to": {"needs_action"},
		"reason": {"Upload a roof photo"}, "return": {Prefix + "/queue?sel=1"}}
	res := c.post(Prefix+"/enrollments/"+second.ID+"/status", form).status(http.StatusOK)
	if res.URL.Path != Prefix+"/queue" {
		t.Errorf("after a queue decision at %s", res.URL)
	}
	res.contains("Ben Second is now needs action.", `data-selected="1"`, "2 submitted enrollments").lacks(">Ben Second<")

	// The instance filter.
	c.get(Prefix + "/queue?instance=" + f.other.ID).contains("Nothing waiting for review.").lacks("Ann First")
}

// TestDecisionSentTwiceIsDone: a decision posted again with the same form
// (a double click, Back and submit again) finds the enrollment already in
// the status asked for: that is done, as in the API, not a conflict, and
// nothing more is written. Only a different reason, which would be lost,
// is refused, with both reasons on the page.
func TestDecisionSentTwiceIsDone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.enroll(f.inst, "Dee", "Double", true)
	r := f.enroll(f.inst, "Rey", "Repeat", true)
	c := f.signedIn(f.secret)

	page := c.get(Prefix + "/enrollments/" + e.ID).status(http.StatusOK)
	approve := page.decision(enroll.StatusApproved, "Roof verified")
	c.post(Prefix+"/enrollments/"+e.ID+"/status", approve).status(http.StatusOK).contains("Dee Double is now approved.")
	approved := f.find(e.ID)
	events := f.eventCount(e.ID)
	c.post(Prefix+"/enrollments/"+e.ID+"/status", approve).status(http.StatusOK).
		contains("Dee Double is now approved.").lacks("Someone else changed", "not</strong> applied")
	if got := f.find(e.ID); got.ETag() != approved.ETag() || got.Eligibility.Reason != "Roof verified" {
		t.Errorf("the second approval changed the enrollment: %+v", got.Eligibility)
	}
	if n := f.eventCount(e.ID); n != events {
		t.Errorf("the second approval wrote %d events", n-events)
	}
	// Without a reason, nothing typed is lost either.
	c.post(Prefix+"/enrollments/"+e.ID+"/status", page.decision(enroll.StatusApproved, "")).status(http.StatusOK).
		contains("Dee Double is now approved.")

	// A rejection sent twice: rejected is terminal, and still done.
	rp := c.get(Prefix + "/enrollments/" + r.ID)
	reject := rp.decision(enroll.StatusRejected, "Outside the territory")
	c.post(Prefix+"/enrollments/"+r.ID+"/status", reject).status(http.StatusOK).contains("Rey Repeat is now rejected.")
	c.post(Prefix+"/enrollments/"+r.ID+"/status", reject).status(http.StatusOK).contains("Rey Repeat is now rejected.")

	// The same status with another reason: the typed one would be lost.
	res := c.post(Prefix+"/enrollments/"+e.ID+"/status", page.decision(enroll.StatusApproved, "Photos checked")).status(http.StatusConflict)
	res.contains("Already approved, with another reason", "with the reason “Roof verified”", "your reason was <strong>not</strong> recorded",
		"Your reason: <span class=\"pre\">Photos checked</span>").lacks("Someone else changed")
	res = c.post(Prefix+"/enrollments/"+r.ID+"/status", rp.decision(enroll.StatusRejected, "Roof too old")).status(http.StatusConflict)
	res.contains("Already rejected, with another reason", "Outside the territory", "Roof too old")
	if got := f.find(r.ID); got.Eligibility.Reason != "Outside the territory" {
		t.Errorf("reason after a refused second rejection: %q", got.Eligibility.Reason)
	}
}

// TestNotesConflictShowsBothNotes: notes refused because the enrollment
// changed show the notes stored now beside the ones typed, and say that
// the notes were not saved, not that a decision was; the same notes sent
// twice are saved.
func TestNotesConflictShowsBothNotes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.enroll(f.inst, "Nia", "Notes", true)
	c := f.signedIn(f.secret)
	page := c.get(Prefix + "/enrollments/" + e.ID)
	form := url.Values{"csrf": {page.field("csrf")}, "etag": {page.field("etag")}, "notes": {"Called on Monday."}}
	c.post(Prefix+"/enrollments/"+e.ID+"/notes", form).status(http.StatusOK).contains("Notes saved for Nia Notes.")
	c.post(Prefix+"/enrollments/"+e.ID+"/notes", form).status(http.StatusOK).contains("Notes saved for Nia Notes.")

	// Someone else writes notes while the page is open.
	if _, err := f.store.UpdateEnrollment(f.ctx, f.actor(), e.ID, func(e *enroll.Enrollment) error {
		e.Notes = "Their note: roof photo received."
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	form.Set("notes", "My note: call back Friday.")
	res := c.post(Prefix+"/enrollments/"+e.ID+"/notes", form).status(http.StatusConflict)
	res.contains("Your notes were not saved", `<p class="pre" data-stored-notes>Their note: roof photo received.</p>`,
		"Your notes, not saved yet", ">\nMy note: call back Friday.</textarea>").
		lacks("it is now", "decide again", "Someone else changed this enrollment:")
	if got := f.find(e.ID); got.Notes != "Their note: roof photo received." {
		t.Errorf("notes after a refused save: %q", got.Notes)
	}
	// The refused page's form carries the current version: saving again works.
	form.Set("etag", res.field("etag"))
	form.Set("notes", "Their note: roof photo received.\nMy note: call back Friday.")
	c.post(Prefix+"/enrollments/"+e.ID+"/notes", form).status(http.StatusOK).contains("Notes saved")
}

// TestFormAddressesRedirectToTheEnrollment: a refusal is rendered at the
// form's address; opening that address again (a bookmark, Enter in the
// address bar) goes to the enrollment's page, not to a 404.
func TestFormAddressesRedirectToTheEnrollment(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.enroll(f.inst, "Ger", "Get", true)
	c := f.signedIn(f.secret)
	page := c.get(Prefix + "/enrollments/" + e.ID)
	c.post(Prefix+"/enrollments/"+e.ID+"/status", page.decision(enroll.StatusRejected, "")).status(http.StatusUnprocessableEntity)
	for path, want := range map[string]string{
		Prefix + "/enrollments/" + e.ID + "/status": Prefix + "/enrollments/" + e.ID,
		Prefix + "/enrollments/" + e.ID + "/notes":  Prefix + "/enrollments/" + e.ID + "#notes",
	} {
		res := c.noFollow().get(path).status(http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != want {
			t.Errorf("GET %s: Location %q, want %q", path, loc, want)
		}
	}
	c.hc.CheckRedirect = nil
	c.get(Prefix + "/enrollments/" + e.ID + "/status").status(http.StatusOK).contains("Ger Get")
}

// TestQueueWaitsFromSubmission: the queue says how long each enrollment
// has waited since it was submitted, not since it was created, nor since
// its last edit.
func TestQueueWaitsFromSubmission(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.setSkew(-72 * time.Hour)
	old := f.enroll(f.inst, "Olga", "Oldcreated", false)
	f.setSkew(-30 * time.Hour)
	f.enroll(f.inst, "Sam", "Submittedatonce", true)
	f.setSkew(-2 * time.Hour)
	f.move(old, enroll.StatusSubmitted, "")
	f.setSkew(0)
	if _, err := f.store.UpdateEnrollment(f.ctx, f.actor(), old.ID, func(e *enroll.Enrollment) error {
		e.Notes = "edited while waiting"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	q := f.signedIn(f.secret).get(Prefix + "/queue").status(http.StatusOK)
	waiting := map[string]string{}
	for _, m := range regexp.MustCompile(`(?s)<h2 id="q-[^"]+"><a [^>]+>([^<]+)</a></h2>.*?data-waiting>([^<]+)</time>`).FindAllStringSubmatch(q.Body, -1) {
		waiting[m[1]] = m[2]
	}
	if got := waiting["Olga Oldcreated"]; got != "2 hours" {
		t.Errorf("an enrollment created 3 days ago, submitted 2 hours ago and edited now waits %q, want 2 hours", got)
	}
	if got := waiting["Sam Submittedatonce"]; got != "30 hours" {
		t.Errorf("an enrollment submitted at creation, 30 hours ago, waits %q", got)
	}
}
