package console

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestNotesSavedUnchangedKeepStored checks that notes the API stored with
// surrounding blanks or CRLF line ends, shown in the textarea and sent
// back unchanged, are kept as stored: the form trims what it posts, and
// saving that over the stored notes rewrote them and sent an
// enrollment.updated nobody asked for.
func TestNotesSavedUnchangedKeepStored(t *testing.T) {
	t.Parallel()
	stored := "\n  Called on Monday.\r\nWill send photos.\n\n"
	f := newFixture(t)
	e := f.enroll(f.inst, "Nina", "Blank", false, func(r *enroll.EnrollmentCreate) { r.Notes = stored })
	if got := f.find(e.ID); got.Notes != stored {
		t.Fatalf("the API stored notes %q, want %q", got.Notes, stored)
	}
	c := f.signedIn(f.secret)
	page := c.get(Prefix + "/enrollments/" + e.ID)
	// What a browser sends of the textarea: CRLF line ends; the template's
	// newline after <textarea> is not part of the value.
	form := url.Values{"csrf": {page.field("csrf")}, "etag": {page.field("etag")}, "notes": {"  Called on Monday.\r\nWill send photos.\r\n\r\n"}}
	c.post(Prefix+"/enrollments/"+e.ID+"/notes", form).status(http.StatusOK).contains("Notes saved")
	got := f.find(e.ID)
	if got.Notes != stored {
		t.Errorf("notes saved unchanged became %q, want the stored %q", got.Notes, stored)
	}
	if !got.UpdatedAt.Equal(e.UpdatedAt) {
		t.Errorf("notes saved unchanged moved updatedAt from %s to %s", e.UpdatedAt, got.UpdatedAt)
	}
}

// TestEndpointDescriptionSavedUnchangedKeepsStored is the same for a
// webhook endpoint's description, whose edit form trims what it posts.
func TestEndpointDescriptionSavedUnchangedKeepsStored(t *testing.T) {
	t.Parallel()
	stored := "  Program feed\r\nfor the CRM.\n"
	f := newFixture(t)
	ep := f.endpoint("https://receiver.example/hooks", enroll.EventEnrollmentCreated)
	if _, err := f.store.UpdateWebhookEndpoint(f.ctx, f.actor(), ep.ID, func(e *enroll.WebhookEndpoint) error {
		e.Description = stored
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	c := f.signedIn(f.secret)
	path := endpointPath(ep.ID)
	csrf := c.get(path).field("csrf")
	c.post(path, url.Values{"csrf": {csrf}, "description": {"  Program feed\r\nfor the CRM.\r\n"}, "eventTypes": {"enrollment.created"}}).
		status(http.StatusOK).contains("Endpoint saved.")
	if got := f.findEndpoint(ep.ID).Description; got != stored {
		t.Errorf("description saved unchanged became %q, want the stored %q", got, stored)
	}
}
