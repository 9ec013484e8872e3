package console

import (
	"net/http"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestApprovalQueuesNotification approves through the console's review
// action and checks that the approval queued the participant's email (the
// row in the store) and that the enrollment page lists it.
func TestApprovalQueuesNotification(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := enroll.Actor{WorkspaceID: f.wsID}
	tpl := &enroll.NotificationTemplate{ProgramInstanceID: f.inst.ID, Name: "Successful Activation", Status: enroll.StatusApproved,
		Essential: false, Subject: "Welcome", Text: "Hello {{.enrollment.firstName}}. {{.unsubscribeUrl}}"}
	if err := f.store.CreateNotificationTemplate(f.ctx, a, tpl); err != nil {
		t.Fatal(err)
	}
	e := f.enroll(f.inst, "Suzie", "Homeowner", true)
	secret, _ := f.newKey("reviewer", reviewScopes)
	c := f.signedIn(secret)

	page := c.get(Prefix + "/enrollments/" + e.ID).status(http.StatusOK)
	page.contains(`id="notifications"`, "No notification was made")
	c.post(Prefix+"/enrollments/"+e.ID+"/status", page.decision(enroll.StatusApproved, "Verified")).status(http.StatusOK)
	for {
		n, err := f.store.DispatchEvents(f.ctx, 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	pg, err := f.store.ListNotifications(f.ctx, f.wsID, enroll.NotificationFilter{EnrollmentID: e.ID})
	if err != nil {
		t.Fatal(err)
	}
	var n *enroll.Notification
	for _, x := range pg.Data {
		if x.EnrollmentStatus == enroll.StatusApproved {
			n = x
		}
	}
	if n == nil || n.Recipient != e.Email || n.Audience != enroll.AudienceParticipant || n.Status != enroll.NotificationPending ||
		n.Template.ID != tpl.ID || n.Text != "Hello Suzie. "+enroll.UnsubscribeLinkMarker || n.UnsubscribeToken == "" {
		t.Fatalf("the approval's notification = %+v (all: %+v)", n, pg.Data)
	}

	page = c.get(Prefix + "/enrollments/" + e.ID).status(http.StatusOK)
	page.contains(`data-notification="`+n.ID+`"`, "Successful Activation", e.Email, `data-status="pending"`, "optional").
		lacks("No notification was made", n.UnsubscribeToken)

	// A recorded attempt and its reason show too.
	jobs, err := f.store.ClaimNotifications(f.ctx, time.Minute, 10)
	if err != nil || len(jobs) == 0 {
		t.Fatal(jobs, err)
	}
	for _, j := range jobs {
		if _, err := f.store.FinishNotification(f.ctx, j, enroll.SkipNotification(j.CreatedAt, "No SMTP server is configured.")); err != nil {
			t.Fatal(err)
		}
	}
	c.get(Prefix+"/enrollments/"+e.ID).contains(`data-status="skipped"`, "No SMTP server is configured.", "1 attempt")
}

// TestNotificationRenderErrorHidden checks that the enrollment page does
// not show a key without programs:write a hidden parameter's value through
// a notification whose template failed on it: the error, which quotes the
// value, is withheld, as the API withholds it.
func TestNotificationRenderErrorHidden(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := enroll.Actor{WorkspaceID: f.wsID}
	tpl := &enroll.NotificationTemplate{ProgramInstanceID: f.inst.ID, Name: "Fails", Status: enroll.StatusEligible,
		Essential: true, Subject: "s", Text: `{{range .enrollment.parameters}}{{if eq .externalId "inspector_code"}}{{range .value}}{{end}}{{end}}{{end}}`}
	if err := f.store.CreateNotificationTemplate(f.ctx, a, tpl); err != nil {
		t.Fatal(err)
	}
	e := f.enroll(f.inst, "Suzie", "Homeowner", false)
	for {
		n, err := f.store.DispatchEvents(f.ctx, 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	f.signedIn(f.secret).get(Prefix+"/enrollments/"+e.ID).status(http.StatusOK).
		contains(`data-status="failed"`, "range can&#39;t iterate over INSPECT-7")
	secret, _ := f.newKey("reviewer", reviewScopes)
	f.signedIn(secret).get(Prefix+"/enrollments/"+e.ID).status(http.StatusOK).
		contains(`data-status="failed"`, "the error is withheld").lacks("INSPECT-7")
}
