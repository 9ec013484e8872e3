package enroll_test

import (
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

func TestUnsubscribeToken(t *testing.T) {
	t.Parallel()
	a, b := enroll.NewUnsubscribeToken(), enroll.NewUnsubscribeToken()
	if a == b || !enroll.ValidUnsubscribeToken(a) || !strings.HasPrefix(a, "uns_") {
		t.Fatalf("tokens %q, %q", a, b)
	}
	for _, bad := range []string{"", "uns_", "uns_short", a + "x", "xxx" + a[3:], a[:len(a)-1] + "*"} {
		if enroll.ValidUnsubscribeToken(bad) {
			t.Errorf("ValidUnsubscribeToken(%q) = true", bad)
		}
	}
	if got := enroll.UnsubscribeURL("https://e.example.com/", a); got != "https://e.example.com/unsubscribe?token="+a {
		t.Errorf("UnsubscribeURL = %q", got)
	}
}

// TestNewNotificationsUnsubscribe checks that a non-essential message gets
// its recipient's token and the link marker, that an unsubscribed address
// is skipped with the reason, and that essential messages ignore both.
func TestNewNotificationsUnsubscribe(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	enr := &enroll.Enrollment{ID: "enr_1", ProgramInstanceID: "pin_1", FirstName: "Ann", Email: "Ann@Example.com",
		Eligibility: enroll.Eligibility{Status: enroll.StatusApproved}}
	ev := enroll.NewEvent(enroll.Actor{WorkspaceID: "ws_1"}, enroll.EventEnrollmentStatusChanged, enr.ID, enr,
		map[string]any{"eligibility": map[string]any{"status": "submitted"}}, now)
	tpl := func(essential bool) *enroll.NotificationTemplate {
		return &enroll.NotificationTemplate{ID: "ntt_1", ProgramInstanceID: "pin_1", Name: "News", Status: enroll.StatusApproved,
			Audience: enroll.AudienceParticipant, Essential: essential, Subject: "Hi", Text: "Bye: {{.unsubscribeUrl}}",
			HTML: `<a href="{{.unsubscribeUrl}}">unsubscribe</a>`}
	}
	var asked []string
	src := enroll.NotificationSource{Event: ev, Program: &enroll.Program{ID: "prg_1"}, Instance: &enroll.ProgramInstance{ID: "pin_1"},
		Unsubscribed:     func(string) (bool, error) { return false, nil },
		UnsubscribeToken: func(e string) (string, error) { asked = append(asked, e); return "uns_tok", nil }}

	src.Templates = []*enroll.NotificationTemplate{tpl(false)}
	ns, err := enroll.NewNotifications(src, now)
	if err != nil || len(ns) != 1 {
		t.Fatalf("NewNotifications = %v, %v", ns, err)
	}
	n := ns[0]
	marker := enroll.UnsubscribeLinkMarker
	if n.Status != enroll.NotificationPending || n.UnsubscribeToken != "uns_tok" || n.Text != "Bye: "+marker ||
		n.HTML != `<a href="`+marker+`">unsubscribe</a>` || len(asked) != 1 {
		t.Fatalf("non-essential notification = %+v (asked %v)", n, asked)
	}
	if n.Public().UnsubscribeToken != "" || n.UnsubscribeToken == "" {
		t.Fatal("Public keeps the token, or clears the original's")
	}

	src.Unsubscribed = func(e string) (bool, error) { return e == "Ann@Example.com", nil }
	ns, _ = enroll.NewNotifications(src, now)
	if n := ns[0]; n.Status != enroll.NotificationSkipped || !strings.Contains(n.Reason, "unsubscribed") || n.UnsubscribeToken != "" {
		t.Fatalf("unsubscribed recipient's notification = %+v", n)
	}

	src.Templates = []*enroll.NotificationTemplate{tpl(true)}
	ns, _ = enroll.NewNotifications(src, now)
	if n := ns[0]; n.Status != enroll.NotificationPending || n.UnsubscribeToken != "" || n.Text != "Bye: " {
		t.Fatalf("essential notification = %+v", n)
	}
}

// TestNewNotificationsOneCopyPerMailbox: settings saved while adminEmails
// were compared with case may list a mailbox twice; it gets one message.
func TestNewNotificationsOneCopyPerMailbox(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	enr := &enroll.Enrollment{ID: "enr_1", ProgramInstanceID: "pin_1", FirstName: "Ann", Email: "ann@example.com",
		Eligibility: enroll.Eligibility{Status: enroll.StatusSubmitted}}
	ev := enroll.NewEvent(enroll.Actor{WorkspaceID: "ws_1"}, enroll.EventEnrollmentStatusChanged, enr.ID, enr,
		map[string]any{"eligibility": map[string]any{"status": "eligible"}}, now)
	src := enroll.NotificationSource{Event: ev, Program: &enroll.Program{ID: "prg_1"}, Instance: &enroll.ProgramInstance{ID: "pin_1"},
		Settings: &enroll.NotificationSettings{ProgramInstanceID: "pin_1", Enabled: true,
			AdminEmails: []string{"review@example.com", "ops@example.com", "Review@Example.com"}},
		Templates: []*enroll.NotificationTemplate{{ID: "ntt_1", ProgramInstanceID: "pin_1", Name: "New", Status: enroll.StatusSubmitted,
			Audience: enroll.AudienceAdministrators, Essential: true, Subject: "New", Text: "{{.enrollment.firstName}}"}},
		Unsubscribed:     func(string) (bool, error) { return false, nil },
		UnsubscribeToken: func(string) (string, error) { return "uns_tok", nil }}
	ns, err := enroll.NewNotifications(src, now)
	if err != nil {
		t.Fatal(err)
	}
	var to []string
	for _, n := range ns {
		to = append(to, n.Recipient)
	}
	if strings.Join(to, " ") != "review@example.com ops@example.com" {
		t.Fatalf("messages to %v, want one to each mailbox", to)
	}
}
