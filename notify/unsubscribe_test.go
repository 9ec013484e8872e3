package notify_test

import (
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/notify"
)

// withNewsletter adds a non-essential participant template for submitted
// to the scenario's instance.
func withNewsletter(t *testing.T, sc *scenario) {
	t.Helper()
	if err := sc.s.CreateNotificationTemplate(sc.ctx, sc.a, &enroll.NotificationTemplate{ProgramInstanceID: sc.inst.ID,
		Name: "Tips", Status: enroll.StatusSubmitted, Audience: enroll.AudienceParticipant, Essential: false,
		Subject: "Tips for {{.enrollment.firstName}}", Text: "Save energy.\nUnsubscribe: {{.unsubscribeUrl}}\n",
		HTML: `<p>Save energy.</p><a href="{{.unsubscribeUrl}}">Unsubscribe</a>`}); err != nil {
		t.Fatal(err)
	}
}

func TestSendUnsubscribeLink(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s store) {
		sc := newScenario(t, s)
		withNewsletter(t, sc)
		mb := newMailbox(t, 0)
		startSender(t, notify.Config{Store: s, SMTPURL: "smtp://" + mb.addr, From: "noreply@example.com", PublicURL: "https://enroll.example.com/base/"})
		e := sc.enroll("Dana", "dana@example.com")
		var token string
		for _, n := range sc.settle(e.ID, 3) {
			if n.Status != enroll.NotificationSent {
				t.Errorf("notification = %+v", n)
			}
			if !n.Essential {
				token = n.UnsubscribeToken
			}
		}
		link := "https://enroll.example.com/base/unsubscribe?token=" + token
		if !enroll.ValidUnsubscribeToken(token) {
			t.Fatalf("token = %q", token)
		}
		seen := 0
		for _, m := range mb.messages() {
			h, text, html := parts(t, m.data)
			switch {
			case strings.HasPrefix(h.Get("Subject"), "Tips"):
				seen++
				if h.Get("List-Unsubscribe") != "<"+link+">" || h.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
					t.Errorf("List-Unsubscribe = %q, List-Unsubscribe-Post = %q", h.Get("List-Unsubscribe"), h.Get("List-Unsubscribe-Post"))
				}
				if text != "Save energy.\nUnsubscribe: "+link+"\n" || !strings.Contains(html, `<a href="`+link+`">`) {
					t.Errorf("text %q, html %q: want the link in place of the marker", text, html)
				}
				if strings.Contains(text+html, enroll.UnsubscribeLinkMarker) {
					t.Error("the marker was sent")
				}
			default:
				if h.Get("List-Unsubscribe") != "" {
					t.Errorf("essential message %q has List-Unsubscribe %q", h.Get("Subject"), h.Get("List-Unsubscribe"))
				}
			}
		}
		if seen != 1 {
			t.Fatalf("non-essential messages received = %d, want 1", seen)
		}
	})
}

// TestUnsubscribedAfterQueueing unsubscribes the recipient of a queued
// non-essential message before the sender gets to it, as happens between
// a failed attempt and its retry: the message is skipped, not sent, and
// the essential ones still go.
func TestUnsubscribedAfterQueueing(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s store) {
		sc := newScenario(t, s)
		withNewsletter(t, sc)
		e := sc.enroll("Fay", "fay@example.com")
		queued, err := s.ListNotifications(sc.ctx, sc.a.WorkspaceID, enroll.NotificationFilter{EnrollmentID: e.ID})
		if err != nil {
			t.Fatal(err)
		}
		unsubscribed := 0
		for _, n := range queued.Data {
			if !n.Essential && n.Status == enroll.NotificationPending {
				if _, err := s.Unsubscribe(sc.ctx, n.UnsubscribeToken); err != nil {
					t.Fatal(err)
				}
				unsubscribed++
			}
		}
		if unsubscribed != 1 {
			t.Fatalf("pending non-essential notifications = %d, want 1", unsubscribed)
		}
		mb := newMailbox(t, 0)
		startSender(t, notify.Config{Store: s, SMTPURL: "smtp://" + mb.addr, From: "noreply@example.com", PublicURL: "https://enroll.example.com/"})
		for _, n := range sc.settle(e.ID, 3) {
			want, reason := enroll.NotificationSent, ""
			if !n.Essential {
				want, reason = enroll.NotificationSkipped, enroll.UnsubscribedReason
			}
			if n.Status != want || n.Reason != reason {
				t.Errorf("%s: status %s (%q), want %s (%q)", n.Subject, n.Status, n.Reason, want, reason)
			}
		}
		for _, m := range mb.messages() {
			if h, _, _ := parts(t, m.data); strings.HasPrefix(h.Get("Subject"), "Tips") {
				t.Errorf("the non-essential message reached the address that unsubscribed")
			}
		}
		if got := len(mb.messages()); got != 2 {
			t.Errorf("messages received = %d, want the 2 essential ones", got)
		}
	})
}

func TestSkippedWithoutPublicURL(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s store) {
		sc := newScenario(t, s)
		withNewsletter(t, sc)
		mb := newMailbox(t, 0)
		startSender(t, notify.Config{Store: s, SMTPURL: "smtp://" + mb.addr, From: "noreply@example.com"})
		e := sc.enroll("Eve", "eve@example.com")
		for _, n := range sc.settle(e.ID, 3) {
			want, reason := enroll.NotificationSent, ""
			if !n.Essential {
				want, reason = enroll.NotificationSkipped, notify.NoPublicURL
			}
			if n.Status != want || n.Reason != reason {
				t.Errorf("notification %s = %s (%q), want %s", n.Template.Name, n.Status, n.Reason, want)
			}
		}
		if got := len(mb.messages()); got != 2 {
			t.Errorf("the server received %d messages, want 2", got)
		}
	})
}

func TestCheckPublicURL(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"", "https://enroll.example.com", "http://127.0.0.1:8080/", "https://example.com/enroll"} {
		if err := notify.CheckPublicURL(ok); err != nil {
			t.Errorf("CheckPublicURL(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"enroll.example.com", "ftp://example.com", "https://", "https://example.com/?a=b", "https://example.com/#x",
		`https://example.com/"onload`, "https://u:p@example.com", "https://example.com/a b"} {
		if err := notify.CheckPublicURL(bad); err == nil {
			t.Errorf("CheckPublicURL(%q) accepted", bad)
		}
		if _, err := notify.New(notify.Config{Store: struct{ store }{}, PublicURL: bad}); err == nil {
			t.Errorf("New accepted PublicURL %q", bad)
		}
	}
}
