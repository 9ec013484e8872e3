package console

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestEnrollmentRetypedFormKeepsItsVersion: notes, or a decision, refused
// for what was typed (too long, no reason) come back with the version the
// page was shown at, so that once corrected they are refused as stale when
// someone else changed the enrollment meanwhile. With the current ETag,
// the corrected notes replaced the notes someone else had saved, which
// the page never showed: lost without a word.
func TestEnrollmentRetypedFormKeepsItsVersion(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.signedIn(f.secret)
	e := f.enroll(f.inst, "Rita", "Retyped", true)
	path := Prefix + "/enrollments/" + e.ID
	page := c.get(path).status(http.StatusOK)

	// Someone else writes notes, then another moves it away and back.
	if _, err := f.store.UpdateEnrollment(f.ctx, f.actor(), e.ID, func(e *enroll.Enrollment) error {
		e.Notes = "Their note: roof photo received."
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	f.move(f.move(e, enroll.StatusNeedsAction, "photo"), enroll.StatusSubmitted, "")

	long := url.Values{"csrf": {page.field("csrf")}, "etag": {page.field("etag")}, "notes": {strings.Repeat("x", enroll.MaxTextLength+1)}}
	refused := c.post(path+"/notes", long).status(http.StatusUnprocessableEntity)
	notes := url.Values{"csrf": {refused.field("csrf")}, "etag": {formETag(t, refused.Body, "/notes")}, "notes": {"My note."}}
	c.post(path+"/notes", notes).status(http.StatusConflict).contains("Your notes were not saved", "Their note: roof photo received.")
	if got := f.find(e.ID).Notes; got != "Their note: roof photo received." {
		t.Errorf("corrected notes from a page of an older version replaced someone else's: %q", got)
	}

	page = c.get(path).status(http.StatusOK)
	f.move(f.move(f.find(e.ID), enroll.StatusNeedsAction, "again"), enroll.StatusSubmitted, "")
	refused = c.post(path+"/status", page.decision(enroll.StatusRejected, "")).status(http.StatusUnprocessableEntity)
	c.post(path+"/status", refused.decision(enroll.StatusRejected, "Roof too old")).
		status(http.StatusConflict).contains("Someone else changed this enrollment")
	if got := f.find(e.ID); got.Eligibility.Status != enroll.StatusSubmitted {
		t.Errorf("a decision from a page of an older version applied: %s", got.Eligibility.Status)
	}
}
