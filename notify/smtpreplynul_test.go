package notify_test

import (
	"bufio"
	"net"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/notify"
)

// refusingSMTPServer is an SMTP server on 127.0.0.1 that refuses every
// recipient with rcptReply (CRLF-terminated lines, as sent).
func refusingSMTPServer(t *testing.T, rcptReply string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				_, _ = c.Write([]byte("220 localhost\r\n"))
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
					case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"), strings.HasPrefix(cmd, "MAIL"), cmd == "RSET":
						_, _ = c.Write([]byte("250 ok\r\n"))
					case strings.HasPrefix(cmd, "RCPT"):
						_, _ = c.Write([]byte(rcptReply))
					default:
						_, _ = c.Write([]byte("221 bye\r\n"))
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

// nulReplyServer refuses every recipient for good with a reply holding a
// NUL and a byte that is not UTF-8, as a broken or hostile relay may.
func nulReplyServer(t *testing.T) string {
	return refusingSMTPServer(t, "550 5.1.1 no\x00such \xffuser\r\n")
}

// TestSMTPReplyWithNULRecorded checks that an attempt whose SMTP reply
// holds a NUL is recorded (failed, quoting the reply without it) rather
// than refused by PostgreSQL's jsonb at every try: the notification then
// stayed pending with no attempt shown, and was sent again at each lease's
// end, forever.
func TestSMTPReplyWithNULRecorded(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s store) {
		sc := newScenario(t, s)
		startSender(t, notify.Config{Store: s, SMTPURL: "smtp://" + nulReplyServer(t), From: "noreply@example.com"})
		e := sc.enroll("Suzie", "suzie@example.com")
		for _, n := range sc.settle(e.ID, 2) {
			if n.Status != enroll.NotificationFailed || len(n.Attempts) != 1 {
				t.Errorf("notification = %s %q %+v, want failed after one attempt", n.Status, n.Reason, n.Attempts)
				continue
			}
			if strings.ContainsRune(n.Reason, 0) || !strings.Contains(n.Reason, "SMTP 550") {
				t.Errorf("reason = %q", n.Reason)
			}
		}
	})
}
