package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// testNotificationUnsubscribe checks the suppression list: non-essential
// messages carry their recipient's token, the token unsubscribes the
// address (case aside) in its workspace, and later non-essential messages
// to it are skipped while essential ones still go.
func testNotificationUnsubscribe(t *testing.T, newStore Factory) {
	f := newNotificationFixture(t, newStore)
	inst := f.instance()
	news := f.template("", enroll.StatusApproved, func(t *enroll.NotificationTemplate) {
		t.Name, t.Essential = "Successful Activation", false
		t.Text, t.HTML = "Welcome! Unsubscribe: {{.unsubscribeUrl}}", `<a href="{{.unsubscribeUrl}}">Unsubscribe</a>`
	})
	f.template("", enroll.StatusSubmitted, func(t *enroll.NotificationTemplate) { t.Audience = enroll.AudienceParticipant })

	if ref := must(f.ns.LatestNotificationTemplate(f.ctx, f.a.WorkspaceID, "enr_none")); ref != nil {
		t.Fatalf("LatestNotificationTemplate without notifications = %+v, want nil", ref)
	}
	e := f.enroll(inst, "Suzie.Q@Example.com")
	e = f.move(f.move(e, enroll.StatusSubmitted), enroll.StatusApproved)
	f.dispatchAll()
	ns := f.notifications(e.ID)
	if len(ns) != 2 {
		t.Fatalf("notifications = %+v", ns)
	}
	essential, n := ns[1], ns[0]
	if essential.UnsubscribeToken != "" || !essential.Essential {
		t.Errorf("essential notification has a token: %+v", essential)
	}
	if n.Status != enroll.NotificationPending || n.Essential || !enroll.ValidUnsubscribeToken(n.UnsubscribeToken) ||
		n.Text != "Welcome! Unsubscribe: "+enroll.UnsubscribeLinkMarker || strings.Contains(n.Text, n.UnsubscribeToken) {
		t.Fatalf("non-essential notification = %+v", n)
	}
	if ref := must(f.ns.LatestNotificationTemplate(f.ctx, f.a.WorkspaceID, e.ID)); ref == nil || ref.ID != news.ID || ref.Name != "Successful Activation" {
		t.Fatalf("LatestNotificationTemplate = %+v, want %s", ref, news.ID)
	}
	if ref := must(f.ns.LatestNotificationTemplate(f.ctx, "ws_other", e.ID)); ref != nil {
		t.Fatalf("another workspace's LatestNotificationTemplate = %+v", ref)
	}
	// The sender gets the token with the claim.
	var claimed *enroll.Notification
	for _, j := range must(f.ns.ClaimNotifications(f.ctx, time.Minute, 10)) {
		if j.ID == n.ID {
			claimed = j
		}
	}
	if claimed == nil || claimed.UnsubscribeToken != n.UnsubscribeToken {
		t.Fatalf("claimed = %+v", claimed)
	}

	u := must(f.ns.FindUnsubscription(f.ctx, n.UnsubscribeToken))
	if u.WorkspaceID != f.a.WorkspaceID || u.Email != "suzie.q@example.com" || u.UnsubscribedAt != nil {
		t.Fatalf("FindUnsubscription = %+v", u)
	}
	for _, bad := range []string{"", "nope", enroll.NewUnsubscribeToken()} {
		if _, err := f.ns.FindUnsubscription(f.ctx, bad); enroll.ErrorCode(err) != enroll.ENOTFOUND {
			t.Errorf("FindUnsubscription(%q) = %v, want ENOTFOUND", bad, err)
		}
		if _, err := f.ns.Unsubscribe(f.ctx, bad); enroll.ErrorCode(err) != enroll.ENOTFOUND {
			t.Errorf("Unsubscribe(%q) = %v, want ENOTFOUND", bad, err)
		}
	}
	u = must(f.ns.Unsubscribe(f.ctx, n.UnsubscribeToken))
	if u.UnsubscribedAt == nil {
		t.Fatalf("Unsubscribe = %+v", u)
	}
	again := must(f.ns.Unsubscribe(f.ctx, n.UnsubscribeToken))
	if again.UnsubscribedAt == nil || !again.UnsubscribedAt.Equal(*u.UnsubscribedAt) {
		t.Fatalf("a second Unsubscribe moved the time: %v, then %v", u.UnsubscribedAt, again.UnsubscribedAt)
	}

	// The same address, written differently, in another instance: the
	// non-essential message is skipped, the essential one still queued.
	other := f.instance()
	e2 := f.enroll(other, "suzie.q@example.COM")
	f.move(f.move(e2, enroll.StatusSubmitted), enroll.StatusApproved)
	f.dispatchAll()
	ns = f.notifications(e2.ID)
	if len(ns) != 2 || ns[1].Status != enroll.NotificationPending {
		t.Fatalf("after unsubscribing: %+v", ns)
	}
	if s := ns[0]; s.Status != enroll.NotificationSkipped || !strings.Contains(s.Reason, "unsubscribed") || s.UnsubscribeToken != "" ||
		s.Template.ID != news.ID {
		t.Fatalf("non-essential message to an unsubscribed address = %+v", s)
	}
}
