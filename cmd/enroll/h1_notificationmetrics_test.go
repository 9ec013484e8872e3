package main

import (
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// busyInbox refuses its first recipient for now (451), as a relay that is
// busy or greylists does, then accepts.
type busyInbox struct {
	mu      sync.Mutex
	refused bool
}

type busySession struct{ in *busyInbox }

func (s *busySession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *busySession) Rcpt(string, *smtp.RcptOptions) error {
	s.in.mu.Lock()
	defer s.in.mu.Unlock()
	if !s.in.refused {
		s.in.refused = true
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Greylisted, try again later"}
	}
	return nil
}
func (s *busySession) Data(r io.Reader) error { _, err := io.Copy(io.Discard, r); return err }
func (s *busySession) Reset()                 {}
func (s *busySession) Logout() error          { return nil }

// TestNotificationAttemptsInMetrics runs "enroll serve" against a relay
// that refuses the first attempt for now and takes the retry, and checks
// that /metrics counts both attempts by outcome, as it counts webhook
// attempts: a relay refusing every message (a wrong password, a full
// queue) otherwise went unseen for the 24 hours of retries, since a retry
// is not logged either.
func TestNotificationAttemptsInMetrics(t *testing.T) {
	t.Parallel()
	in := &busyInbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &busySession{in: in}, nil }))
	srv.Domain = "localhost"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })

	c := startChild(t, filepath.Join(t.TempDir(), "metrics.db"),
		"ENROLL_SMTP_URL=smtp://"+l.Addr().String(), "ENROLL_SMTP_FROM=noreply@example.com")
	key := secretIn(t, c.stdout)
	do(t, "POST", c.url+"/v1/programs", key, `{"slug": "rebate", "name": "Solar Rebate"}`)
	inst := decodeBody(t, do(t, "POST", c.url+"/v1/programs/rebate/instances", key, `{"slug": "2026", "name": "2026"}`))["id"].(string)
	if res := do(t, "POST", c.url+"/v1/notificationTemplates", key, `{"programInstanceId": "`+inst+`", "name": "Received",
		"status": "submitted", "audience": "participant", "subject": "Received", "text": "Thanks"}`); res.StatusCode != http.StatusCreated {
		t.Fatalf("create template = %d", res.StatusCode)
	}
	id := decodeBody(t, do(t, "POST", c.url+"/v1/programInstances/"+inst+"/enrollments", key,
		`{"identificationType": "customerInfo", "firstName": "Ann", "lastName": "H", "email": "ann@example.com", "eligibilityStatus": "submitted"}`))["id"].(string)

	deadline := time.Now().Add(30 * time.Second)
	for {
		data := decodeBody(t, do(t, "GET", c.url+"/v1/enrollments/"+id+"/notifications?status=sent", key, ""))["data"].([]any)
		if len(data) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the notification was not sent")
		}
		time.Sleep(100 * time.Millisecond)
	}
	res := do(t, "GET", c.url+"/metrics", "", "")
	b, _ := io.ReadAll(res.Body)
	metrics := string(b)
	for _, want := range []string{`enroll_notification_attempts_total{outcome="retrying"} 1`, `enroll_notification_attempts_total{outcome="sent"} 1`} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(want) + `$`).MatchString(metrics) {
			t.Errorf("/metrics lacks %s:\n%s", want, grepLines(metrics, "enroll_notification"))
		}
	}
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
