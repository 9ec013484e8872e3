package enroll_test

import (
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestNewNotificationsInvalidAdminReason: an administrator address saved
// before addresses were validated is skipped with a reason naming the
// administrator address, not the enrollment's, which may be valid.
func TestNewNotificationsInvalidAdminReason(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	enr := &enroll.Enrollment{ID: "enr_1", ProgramInstanceID: "pin_1", FirstName: "Ann", Email: "ann@example.com",
		Eligibility: enroll.Eligibility{Status: enroll.StatusSubmitted}}
	ev := enroll.NewEvent(enroll.Actor{WorkspaceID: "ws_1"}, enroll.EventEnrollmentStatusChanged, enr.ID, enr,
		map[string]any{"eligibility": map[string]any{"status": "eligible"}}, now)
	src := enroll.NotificationSource{Event: ev, Program: &enroll.Program{ID: "prg_1"}, Instance: &enroll.ProgramInstance{ID: "pin_1"},
		Settings: &enroll.NotificationSettings{ProgramInstanceID: "pin_1", Enabled: true, AdminEmails: []string{"ops at example.com"}},
		Templates: []*enroll.NotificationTemplate{{ID: "ntt_1", ProgramInstanceID: "pin_1", Name: "New", Status: enroll.StatusSubmitted,
			Audience: enroll.AudienceAdministrators, Essential: true, Subject: "New", Text: "{{.enrollment.firstName}}"}}}
	ns, err := enroll.NewNotifications(src, now)
	if err != nil || len(ns) != 1 {
		t.Fatalf("NewNotifications = %v, %v", ns, err)
	}
	n := ns[0]
	if n.Status != enroll.NotificationSkipped || !strings.Contains(n.Reason, "administrator") || strings.Contains(n.Reason, "enrollment") {
		t.Fatalf("notification to an invalid administrator address = %s, %q; want skipped, naming the administrator address", n.Status, n.Reason)
	}
}
