package main

import (
	"io"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// inbox is a real SMTP server on 127.0.0.1 that keeps what it receives.
type inbox struct {
	mu   sync.Mutex
	msgs []string // "to: data"
}

type inboxSession struct {
	in *inbox
	to string
}

func (s *inboxSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *inboxSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = to
	return nil
}
func (s *inboxSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.in.mu.Lock()
	s.in.msgs = append(s.in.msgs, s.to+": "+string(b))
	s.in.mu.Unlock()
	return err
}
func (s *inboxSession) Reset()        {}
func (s *inboxSession) Logout() error { return nil }

// startInbox starts an inbox and returns it with its address.
func startInbox(t *testing.T) (*inbox, string) {
	t.Helper()
	in := &inbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &inboxSession{in: in}, nil }))
	srv.Domain = "localhost"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })
	return in, l.Addr().String()
}

// messages returns what the inbox received so far.
func (in *inbox) messages() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]string(nil), in.msgs...)
}

// TestNotificationsEndToEnd runs "enroll serve" with --smtp-url and
// --smtp-from given as ENROLL_* variables, and checks that an approval
// reaches the participant by email and is listed as sent.
func TestNotificationsEndToEnd(t *testing.T) {
	t.Parallel()
	in, addr := startInbox(t)
	c := startChild(t, filepath.Join(t.TempDir(), "notify.db"),
		"ENROLL_SMTP_URL=smtp://"+addr, "ENROLL_SMTP_FROM=Enroll <noreply@example.com>")
	key := secretIn(t, c.stdout)
	do(t, "POST", c.url+"/v1/programs", key, `{"slug": "rebate", "name": "Solar Rebate"}`)
	inst := decodeBody(t, do(t, "POST", c.url+"/v1/programs/rebate/instances", key, `{"slug": "2026", "name": "2026"}`))["id"].(string)
	res := do(t, "POST", c.url+"/v1/notificationTemplates", key, `{"programInstanceId": "`+inst+`", "name": "Successful Activation",
		"status": "approved", "subject": "Welcome to {{.program.name}}", "text": "Hello {{.enrollment.firstName}}: {{.reason}}"}`)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create template = %d", res.StatusCode)
	}
	enr := decodeBody(t, do(t, "POST", c.url+"/v1/programInstances/"+inst+"/enrollments", key,
		`{"identificationType": "customerInfo", "firstName": "Suzie", "lastName": "H", "email": "suzie@example.com", "eligibilityStatus": "submitted"}`))
	id := enr["id"].(string)
	if res := do(t, "PATCH", c.url+"/v1/enrollments/"+id, key, `{"eligibilityStatus": "approved", "eligibilityReason": "Verified"}`); res.StatusCode != http.StatusOK {
		t.Fatalf("approve = %d", res.StatusCode)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		page := decodeBody(t, do(t, "GET", c.url+"/v1/enrollments/"+id+"/notifications", key, ""))
		data := page["data"].([]any)
		if len(data) == 1 && data[0].(map[string]any)["status"] == "sent" {
			n := data[0].(map[string]any)
			if n["recipient"] != "suzie@example.com" || n["template"].(map[string]any)["name"] != "Successful Activation" {
				t.Fatalf("notification = %v", n)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("notifications = %v", data)
		}
		time.Sleep(50 * time.Millisecond)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.msgs) != 1 || !strings.HasPrefix(in.msgs[0], "suzie@example.com: ") || !strings.Contains(in.msgs[0], "Subject: Welcome to Solar Rebate") ||
		!strings.Contains(in.msgs[0], "Hello Suzie: Verified") {
		t.Fatalf("received %q", in.msgs)
	}
}

// TestUnsubscribeEndToEnd runs "enroll serve" with ENROLL_PUBLIC_URL and
// checks that a non-essential message arrives with its one-click
// List-Unsubscribe header, that a one-click POST to it (without key)
// unsubscribes the address, and that the enrollment names its template.
func TestUnsubscribeEndToEnd(t *testing.T) {
	t.Parallel()
	in, addr := startInbox(t)
	c := startChild(t, filepath.Join(t.TempDir(), "unsubscribe.db"), "ENROLL_SMTP_URL=smtp://"+addr,
		"ENROLL_SMTP_FROM=noreply@example.com", "ENROLL_PUBLIC_URL=https://enroll.example.com")
	key := secretIn(t, c.stdout)
	do(t, "POST", c.url+"/v1/programs", key, `{"slug": "rebate", "name": "Solar Rebate"}`)
	inst := decodeBody(t, do(t, "POST", c.url+"/v1/programs/rebate/instances", key, `{"slug": "2026", "name": "2026"}`))["id"].(string)
	tpl := decodeBody(t, do(t, "POST", c.url+"/v1/notificationTemplates", key, `{"programInstanceId": "`+inst+`", "name": "Tips",
		"status": "submitted", "audience": "participant", "essential": false, "subject": "Tips", "text": "Stop: {{.unsubscribeUrl}}"}`))
	id := decodeBody(t, do(t, "POST", c.url+"/v1/programInstances/"+inst+"/enrollments", key,
		`{"identificationType": "customerInfo", "firstName": "Ann", "lastName": "H", "email": "ann@example.com", "eligibilityStatus": "submitted"}`))["id"].(string)

	deadline := time.Now().Add(20 * time.Second)
	for len(in.messages()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no message arrived")
		}
		time.Sleep(50 * time.Millisecond)
	}
	msg := in.messages()[0]
	const prefix = "List-Unsubscribe: <https://enroll.example.com/unsubscribe?token="
	i := strings.Index(msg, prefix)
	if i < 0 || !strings.Contains(msg, "List-Unsubscribe-Post: List-Unsubscribe=One-Click") {
		t.Fatalf("message without one-click unsubscribe: %q", msg)
	}
	token, _, _ := strings.Cut(msg[i+len(prefix):], ">")
	m, err := mail.ReadMessage(strings.NewReader(msg[strings.Index(msg, ": ")+2:]))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
	if strings.TrimSpace(string(body)) != "Stop: https://enroll.example.com/unsubscribe?token="+token {
		t.Fatalf("the body does not carry the link: %q", msg)
	}
	res, err := http.Post(c.url+"/unsubscribe?token="+token, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "ann@example.com") || !strings.Contains(string(b), "You are unsubscribed") {
		t.Fatalf("one-click unsubscribe = %d %s", res.StatusCode, b)
	}
	enr := decodeBody(t, do(t, "GET", c.url+"/v1/enrollments/"+id, key, ""))
	if m, _ := enr["template"].(map[string]any); m == nil || m["id"] != tpl["id"] || m["name"] != "Tips" {
		t.Fatalf("enrollment.template = %v", enr["template"])
	}
}
