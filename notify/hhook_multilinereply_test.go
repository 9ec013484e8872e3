package notify_test

import (
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/notify"
)

// multilineReplyServer refuses every recipient for good with a reply of
// three lines, as Gmail's 550 5.1.1 ("550-5.1.1 The email account that
// you tried to reach does not exist", then two more lines) is.
func multilineReplyServer(t *testing.T) string {
	return refusingSMTPServer(t, "550-5.1.1 The account does not exist.\r\n550-5.1.1 Check the address\r\n550 5.1.1 https://support.example.com/?p=NoSuchUser\r\n")
}

// TestSMTPMultilineReplyOneLine checks that a refusal the SMTP server
// writes on several lines is recorded on one, as a webhook attempt's
// answer is: the reason and the attempt's error held the reply's line
// breaks, which the API showed as "\n" inside the text and a log line
// split in two.
func TestSMTPMultilineReplyOneLine(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s store) {
		sc := newScenario(t, s)
		startSender(t, notify.Config{Store: s, SMTPURL: "smtp://" + multilineReplyServer(t), From: "noreply@example.com"})
		e := sc.enroll("Suzie", "suzie@example.com")
		want := "SMTP 550 5.1.1 The account does not exist. 5.1.1 Check the address 5.1.1 https://support.example.com/?p=NoSuchUser"
		for _, n := range sc.settle(e.ID, 2) {
			if n.Status != enroll.NotificationFailed || len(n.Attempts) != 1 {
				t.Errorf("notification = %s %q %+v, want failed after one attempt", n.Status, n.Reason, n.Attempts)
				continue
			}
			if n.Reason != want || n.Attempts[0].Error != want {
				t.Errorf("reason = %q, attempt error = %q, want %q", n.Reason, n.Attempts[0].Error, want)
			}
		}
	})
}
