package notify_test

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/notify"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/postgres/pgtest"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
)

// store is what the tests need of a store: the notification side, and the
// dispatch that queues notifications.
type store interface {
	enroll.NotificationStore
	enroll.WebhookStore
}

// stores runs test on SQLite and on PostgreSQL.
func stores(t *testing.T, test func(t *testing.T, s store)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		db, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(t.TempDir(), "enroll.db"), Engine: rules.New()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		test(t, db)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		db, err := postgres.Open(context.Background(), postgres.Config{URL: pgtest.NewDatabase(t), Engine: rules.New()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		test(t, db)
	})
}

// mailbox is a real SMTP server on 127.0.0.1 (github.com/emersion/go-smtp)
// that records what it accepts.
type mailbox struct {
	addr string
	mu   sync.Mutex
	// refuse is how many MAIL commands to refuse with 451 first.
	refuse int
	tries  int
	logins []string
	msgs   []received
}

type received struct {
	from string
	to   []string
	data []byte
}

func newMailbox(t *testing.T, refuse int) *mailbox {
	t.Helper()
	mb := &mailbox{refuse: refuse}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{mb: mb}, nil }))
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mb.addr = l.Addr().String()
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() { s.Close() })
	return mb
}

func (mb *mailbox) messages() []received {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return append([]received(nil), mb.msgs...)
}

type session struct {
	mb  *mailbox
	cur received
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != "enroll" || password != "s3cret" {
			return errors.New("bad credentials")
		}
		s.mb.mu.Lock()
		s.mb.logins = append(s.mb.logins, username)
		s.mb.mu.Unlock()
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.mb.mu.Lock()
	defer s.mb.mu.Unlock()
	s.mb.tries++
	if s.mb.tries <= s.mb.refuse {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	s.cur = received{from: from}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasPrefix(to, "bounce") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
	}
	s.cur.to = append(s.cur.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	s.mb.mu.Lock()
	s.mb.msgs = append(s.mb.msgs, s.cur)
	s.mb.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }

// scenario is a workspace with an instance whose changes are notified.
type scenario struct {
	t    *testing.T
	ctx  context.Context
	s    store
	a    enroll.Actor
	inst *enroll.ProgramInstance
}

func newScenario(t *testing.T, s store) *scenario {
	t.Helper()
	ctx := context.Background()
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "ws-" + enroll.NewID()}
	key, _ := enroll.NewAPIKey(ws.ID, "test", nil, nil, time.Now())
	if err := s.CreateWorkspace(ctx, ws, key); err != nil {
		t.Fatal(err)
	}
	sc := &scenario{t: t, ctx: ctx, s: s, a: enroll.Actor{WorkspaceID: ws.ID}}
	p := &enroll.Program{Slug: "solar", Name: "Solar Rebate", Active: true}
	if err := s.CreateProgram(ctx, sc.a, p); err != nil {
		t.Fatal(err)
	}
	sc.inst = &enroll.ProgramInstance{ProgramID: p.ID, Slug: "2026", Name: "Solar Rebate 2026", Status: enroll.InstanceActive, AutoEvaluate: true}
	if err := s.CreateInstance(ctx, sc.a, sc.inst); err != nil {
		t.Fatal(err)
	}
	if err := s.PutNotificationSettings(ctx, sc.a, &enroll.NotificationSettings{ProgramInstanceID: sc.inst.ID, Enabled: true,
		AdminEmails: []string{"review@example.com"}, LinkURL: "https://portal.example.com/enrollments/{enrollmentId}"}, nil); err != nil {
		t.Fatal(err)
	}
	for _, tpl := range []*enroll.NotificationTemplate{
		{ProgramInstanceID: sc.inst.ID, Name: "You are eligible", Status: enroll.StatusEligible, Essential: true,
			Subject: "{{.program.name}}: good news, {{.enrollment.firstName}}",
			Text:    "Hello {{.enrollment.firstName}} {{.enrollment.lastName}},\nyou are eligible for {{.instance.name}}.\n{{.link}}\n",
			HTML:    `<p>Hello <b>{{.enrollment.firstName}}</b>, you are eligible.</p><p><a href="{{.link}}">Continue</a></p>`},
		{Name: "New submission", Status: enroll.StatusSubmitted, Essential: true, Subject: "New submission from {{.enrollment.email}}",
			Text: "{{.enrollment.firstName}} moved from {{.previousStatus}} to {{.status}}."},
	} {
		if err := s.CreateNotificationTemplate(ctx, sc.a, tpl); err != nil {
			t.Fatal(err)
		}
	}
	return sc
}

// enroll creates an enrollment (eligible at once), submits it and
// dispatches its events, which queues its notifications.
func (sc *scenario) enroll(firstName, email string) *enroll.Enrollment {
	sc.t.Helper()
	e, err := sc.s.CreateEnrollment(sc.ctx, sc.a, sc.inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: firstName, LastName: "Homeowner", Email: email, EligibilityStatus: enroll.StatusSubmitted})
	if err != nil {
		sc.t.Fatal(err)
	}
	if e.Eligibility.Status != enroll.StatusSubmitted {
		sc.t.Fatalf("status = %s, want submitted", e.Eligibility.Status)
	}
	for {
		n, err := sc.s.DispatchEvents(sc.ctx, 100, 0)
		if err != nil {
			sc.t.Fatal(err)
		}
		if n == 0 {
			return e
		}
	}
}

// settle waits until none of the enrollment's notifications is pending.
func (sc *scenario) settle(enrollmentID string, want int) []*enroll.Notification {
	sc.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		pg, err := sc.s.ListNotifications(sc.ctx, sc.a.WorkspaceID, enroll.NotificationFilter{EnrollmentID: enrollmentID})
		if err != nil {
			sc.t.Fatal(err)
		}
		pending := 0
		for _, n := range pg.Data {
			if n.Status == enroll.NotificationPending {
				pending++
			}
		}
		if len(pg.Data) == want && pending == 0 {
			return pg.Data
		}
		if time.Now().After(deadline) {
			sc.t.Fatalf("notifications did not settle: %d of %d, %d pending", len(pg.Data), want, pending)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func startSender(t *testing.T, cfg notify.Config) {
	t.Helper()
	cfg.PollInterval = 10 * time.Millisecond
	cfg.Timeout = 5 * time.Second
	cfg.Jitter = func() float64 { return 0 } // retries after 0.75 s, then 1.5 s
	s, err := notify.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(func() { s.Close() })
}

// parts returns a message's headers and its text and HTML parts, decoded.
func parts(t *testing.T, data []byte) (mail.Header, string, string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	if mt == "text/plain" {
		b, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
		return m.Header, strings.ReplaceAll(string(b), "\r\n", "\n"), ""
	}
	var text, html string
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		b = []byte(strings.ReplaceAll(string(b), "\r\n", "\n")) // SMTP sends lines with CRLF
		switch {
		case strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain"):
			text = string(b)
		case strings.HasPrefix(p.Header.Get("Content-Type"), "text/html"):
			html = string(b)
		}
	}
	return m.Header, text, html
}

func TestSend(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s store) {
		sc := newScenario(t, s)
		// The server refuses the first two attempts; the sender retries.
		mb := newMailbox(t, 2)
		startSender(t, notify.Config{Store: s, SMTPURL: "smtp://enroll:s3cret@" + mb.addr, From: "Enroll <noreply@example.com>"})
		hostile := `<script>alert("x")</script>`
		e := sc.enroll(hostile, "suzie@example.com")
		ns := sc.settle(e.ID, 2)

		msgs := mb.messages()
		if len(msgs) != 2 {
			t.Fatalf("the server accepted %d messages, want 2", len(msgs))
		}
		byTo := map[string]received{}
		for _, m := range msgs {
			if m.from != "noreply@example.com" || len(m.to) != 1 {
				t.Errorf("envelope = %s → %v", m.from, m.to)
			}
			byTo[m.to[0]] = m
		}
		if len(mb.logins) == 0 {
			t.Error("the sender never authenticated")
		}

		h, text, html := parts(t, byTo["suzie@example.com"].data)
		subject, _ := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
		if subject != "Solar Rebate: good news, "+hostile {
			t.Errorf("subject = %q", subject)
		}
		if h.Get("From") != `"Enroll" <noreply@example.com>` || h.Get("To") != "<suzie@example.com>" {
			t.Errorf("From = %q, To = %q", h.Get("From"), h.Get("To"))
		}
		link := "https://portal.example.com/enrollments/" + e.ID
		if text != "Hello "+hostile+" Homeowner,\nyou are eligible for Solar Rebate 2026.\n"+link+"\n" {
			t.Errorf("text part = %q", text)
		}
		if strings.Contains(html, "<script>") || !strings.Contains(html, "<b>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</b>") ||
			!strings.Contains(html, `<a href="`+link+`">`) {
			t.Errorf("html part = %q: values must be escaped", html)
		}

		h, text, _ = parts(t, byTo["review@example.com"].data)
		if h.Get("Subject") != "New submission from suzie@example.com" || strings.TrimSpace(text) != hostile+" moved from eligible to submitted." {
			t.Errorf("administrators' message: subject %q, text %q", h.Get("Subject"), text)
		}

		retried := 0
		for _, n := range ns {
			if n.Status != enroll.NotificationSent || n.SentAt == nil {
				t.Errorf("notification = %+v", n)
			}
			if n.AttemptCount > 1 {
				retried++
				if !strings.HasPrefix(n.Attempts[0].Error, "SMTP 451") {
					t.Errorf("first attempt error = %q", n.Attempts[0].Error)
				}
			}
		}
		if retried == 0 {
			t.Error("no notification records the refused attempts")
		}
	})
}

func TestSendRefusedForGood(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s store) {
		sc := newScenario(t, s)
		mb := newMailbox(t, 0)
		startSender(t, notify.Config{Store: s, SMTPURL: "smtp://" + mb.addr, From: "noreply@example.com"})
		e := sc.enroll("Bob", "bounce@example.com")
		for _, n := range sc.settle(e.ID, 2) {
			switch n.Recipient {
			case "bounce@example.com":
				if n.Status != enroll.NotificationFailed || n.AttemptCount != 1 || !strings.Contains(n.Reason, "550") {
					t.Errorf("refused notification = %+v", n)
				}
			default:
				if n.Status != enroll.NotificationSent {
					t.Errorf("notification = %+v", n)
				}
			}
		}
	})
}

// TestUnresolvedServerHidesResolver checks that an attempt to an SMTP
// server whose name does not resolve records the failed look-up without
// the address of the service's DNS resolver, which Go's error quotes: the
// API shows attempts to its users, and the resolver is the service's
// internal network.
func TestUnresolvedServerHidesResolver(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s store) {
		sc := newScenario(t, s)
		// .invalid never resolves (RFC 6761), and needs no internet to fail.
		startSender(t, notify.Config{Store: s, SMTPURL: "smtp://smtp.invalid", From: "noreply@example.com"})
		e := sc.enroll("Dan", "dan@example.com")
		deadline := time.Now().Add(20 * time.Second)
		for {
			pg, err := s.ListNotifications(sc.ctx, sc.a.WorkspaceID, enroll.NotificationFilter{EnrollmentID: e.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(pg.Data) > 0 && len(pg.Data[0].Attempts) > 0 {
				if got := pg.Data[0].Attempts[0].Error; !strings.HasPrefix(got, "lookup smtp.invalid: ") ||
					strings.Contains(got, " on ") || strings.Contains(got, ":53") {
					t.Errorf("attempt error = %q, want the failed look-up without the resolver", got)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no attempt recorded: %+v", pg.Data)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func TestSkippedWithoutSMTP(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s store) {
		sc := newScenario(t, s)
		startSender(t, notify.Config{Store: s})
		e := sc.enroll("Carol", "carol@example.com")
		for _, n := range sc.settle(e.ID, 2) {
			if n.Status != enroll.NotificationSkipped || n.Reason != notify.NotConfigured || n.SentAt != nil {
				t.Errorf("notification = %+v", n)
			}
		}
	})
}

func TestConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []notify.Config{
		{SMTPURL: "http://mail.example.com", From: "a@example.com"},
		{SMTPURL: "smtp://mail.example.com", From: ""},
		{SMTPURL: "smtp://mail.example.com", From: "not an address"},
	} {
		cfg.Store = struct{ store }{}
		if _, err := notify.New(cfg); err == nil {
			t.Errorf("New(%q, %q) accepted", cfg.SMTPURL, cfg.From)
		}
	}
}

// TestConfigSMTPURL: an --smtp-url that could never deliver, or with
// parts it would silently ignore, stops the server at start with a
// message naming what is wrong, rather than retrying every message for
// 24 hours ("invalid port") or dropping the options it seems to set.
func TestConfigSMTPURL(t *testing.T) {
	t.Parallel()
	for url, want := range map[string]string{
		"smtp://mail.example.com:99999":             "port 99999 must be a number from 1 to 65535",
		"smtps://mail.example.com:0":                "port 0 must be a number from 1 to 65535",
		"smtp://127.0.0.1:18111?x=1":                "must not have a query string",
		"smtp://mail.example.com?":                  "must not have a query string",
		"smtp://mail.example.com:587#tls":           "must not have a fragment",
		"smtp://mail.example.com#":                  "must not have a fragment",
		"smtp://mail.example.com:65535":             "",
		"smtp://u:p%3Fw%23x@mail.example.com:25":    "",
		"smtps://mail.example.com":                  "",
		"smtp://[::1]:2525":                         "",
		"smtp://mail.example.com:587/":              "",
		"smtp://enroll:s3cret@mail.example.com:587": "",
	} {
		_, err := notify.New(notify.Config{Store: struct{ store }{}, SMTPURL: url, From: "noreply@example.com"})
		switch {
		case want == "" && err != nil:
			t.Errorf("New(%q) = %v, want it accepted", url, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("New(%q) = %v, want an error saying %q", url, err, want)
		}
	}
}
