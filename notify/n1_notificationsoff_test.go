package notify_test

import (
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/notify"
)

// TestNotificationsOffAfterQueueing turns the instance's notifications
// off while its messages are queued, as happens between a failed attempt
// and its retry: they are skipped at their next attempt, with the reason,
// and none is sent.
func TestNotificationsOffAfterQueueing(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s store) {
		sc := newScenario(t, s)
		e := sc.enroll("Gil", "gil@example.com")
		settings, err := s.FindNotificationSettings(sc.ctx, sc.a.WorkspaceID, sc.inst.ID)
		if err != nil {
			t.Fatal(err)
		}
		settings.Enabled = false
		if err := s.PutNotificationSettings(sc.ctx, sc.a, settings, nil); err != nil {
			t.Fatal(err)
		}
		mb := newMailbox(t, 0)
		startSender(t, notify.Config{Store: s, SMTPURL: "smtp://" + mb.addr, From: "noreply@example.com", PublicURL: "https://enroll.example.com/"})
		for _, n := range sc.settle(e.ID, 2) {
			if n.Status != enroll.NotificationSkipped || !strings.Contains(n.Reason, "turned off") {
				t.Errorf("%s: status %s (%q), want skipped because notifications were turned off", n.Template.Name, n.Status, n.Reason)
			}
		}
		if got := len(mb.messages()); got != 0 {
			t.Errorf("messages received = %d, want none", got)
		}
	})
}
