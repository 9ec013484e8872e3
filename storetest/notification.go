package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// notificationFixture is a fixture on a store that keeps notifications.
type notificationFixture struct {
	*webhookFixture
	ns enroll.NotificationStore
}

func newNotificationFixture(t *testing.T, newStore Factory) *notificationFixture {
	t.Helper()
	f := newWebhookFixture(t, newStore)
	ns, ok := f.s.(enroll.NotificationStore)
	if !ok {
		t.Fatalf("%T does not implement enroll.NotificationStore", f.s)
	}
	return &notificationFixture{webhookFixture: f, ns: ns}
}

func (f *notificationFixture) template(instanceID string, status enroll.Status, mutate ...func(*enroll.NotificationTemplate)) *enroll.NotificationTemplate {
	f.t.Helper()
	t := &enroll.NotificationTemplate{ProgramInstanceID: instanceID, Name: "Status " + string(status), Status: status, Essential: true,
		Subject: "{{.program.name}}: you are {{.status}}", Text: "Hello {{.enrollment.firstName}}, {{.reason}} {{.link}}",
		HTML: "<p>Hello {{.enrollment.firstName}}</p>"}
	for _, m := range mutate {
		m(t)
	}
	if err := f.ns.CreateNotificationTemplate(f.ctx, f.a, t); err != nil {
		f.t.Fatalf("CreateNotificationTemplate: %v", err)
	}
	return t
}

func (f *notificationFixture) notifications(enrollmentID string) []*enroll.Notification {
	f.t.Helper()
	pg := must(f.ns.ListNotifications(f.ctx, f.a.WorkspaceID, enroll.NotificationFilter{EnrollmentID: enrollmentID, ListParams: enroll.ListParams{PerPage: 100}}))
	return pg.Data
}

func testNotificationTemplates(t *testing.T, newStore Factory) {
	f := newNotificationFixture(t, newStore)
	inst := f.instance()
	tpl := f.template(inst.ID, enroll.StatusApproved, func(t *enroll.NotificationTemplate) { t.Name = "Successful Activation" })
	if !strings.HasPrefix(tpl.ID, "ntt_") || tpl.Audience != enroll.AudienceParticipant || tpl.CreatedAt.IsZero() {
		t.Fatalf("created template = %+v", tpl)
	}
	def := f.template("", enroll.StatusSubmitted)
	if def.Audience != enroll.AudienceAdministrators {
		t.Fatalf("a submitted template's default audience = %q, want administrators", def.Audience)
	}
	got := must(f.ns.FindNotificationTemplate(f.ctx, f.a.WorkspaceID, tpl.ID))
	if got.Name != "Successful Activation" || got.ProgramInstanceID != inst.ID || got.Subject != tpl.Subject {
		t.Fatalf("found template = %+v", got)
	}

	// One template per instance, status and audience.
	dup := &enroll.NotificationTemplate{ProgramInstanceID: inst.ID, Name: "again", Status: enroll.StatusApproved, Subject: "s", Text: "t"}
	wantCode(t, f.ns.CreateNotificationTemplate(f.ctx, f.a, dup), enroll.ECONFLICT)
	missing := &enroll.NotificationTemplate{ProgramInstanceID: "nope", Name: "x", Status: enroll.StatusApproved, Subject: "s", Text: "t"}
	wantCode(t, f.ns.CreateNotificationTemplate(f.ctx, f.a, missing), enroll.ENOTFOUND)

	// Sources must parse and name known placeholders; errors point at the field.
	for loc, bad := range map[string]*enroll.NotificationTemplate{
		"body.text":    {Name: "x", Status: enroll.StatusRejected, Subject: "s", Text: "{{.enrollment.firstName"},
		"body.subject": {Name: "x", Status: enroll.StatusRejected, Subject: "{{.enrollment.shoeSize}}", Text: "t"},
		"body.html":    {Name: "x", Status: enroll.StatusRejected, Subject: "s", Text: "t", HTML: "{{.nope}}"},
	} {
		err := f.ns.CreateNotificationTemplate(f.ctx, f.a, bad)
		wantCode(t, err, enroll.EINVALID)
		var de *enroll.Error
		if !errors.As(err, &de) || len(de.Fields) == 0 || de.Fields[0].Location != loc {
			t.Errorf("invalid %s: fields = %+v", loc, de)
		}
	}

	up, err := f.ns.UpdateNotificationTemplate(f.ctx, f.a, tpl.ID, func(t *enroll.NotificationTemplate) error {
		t.Subject, t.ProgramInstanceID = "Welcome, {{.enrollment.firstName}}", "elsewhere"
		return nil
	})
	if err != nil || up.Subject != "Welcome, {{.enrollment.firstName}}" || up.ProgramInstanceID != inst.ID || up.UpdatedAt.Before(up.CreatedAt) {
		t.Fatalf("updated = %+v, %v", up, err)
	}
	_, err = f.ns.UpdateNotificationTemplate(f.ctx, f.a, tpl.ID, func(t *enroll.NotificationTemplate) error { t.Text = "{{"; return nil })
	wantCode(t, err, enroll.EINVALID)

	pg := must(f.ns.ListNotificationTemplates(f.ctx, f.a.WorkspaceID, enroll.NotificationTemplateFilter{ProgramInstanceID: inst.ID}))
	if len(pg.Data) != 1 || pg.Data[0].ID != tpl.ID {
		t.Fatalf("instance templates = %+v", pg.Data)
	}
	pg = must(f.ns.ListNotificationTemplates(f.ctx, f.a.WorkspaceID, enroll.NotificationTemplateFilter{WorkspaceDefaults: true}))
	if len(pg.Data) != 1 || pg.Data[0].ID != def.ID {
		t.Fatalf("workspace defaults = %+v", pg.Data)
	}
	pg = must(f.ns.ListNotificationTemplates(f.ctx, f.a.WorkspaceID, enroll.NotificationTemplateFilter{}))
	if pg.TotalItems != 2 {
		t.Fatalf("all templates: total = %d, want 2", pg.TotalItems)
	}

	// Another workspace sees none of them.
	other := newFixtureOn(t, f.s)
	_, err = f.ns.FindNotificationTemplate(f.ctx, other.a.WorkspaceID, tpl.ID)
	wantCode(t, err, enroll.ENOTFOUND)
	wantCode(t, f.ns.DeleteNotificationTemplate(f.ctx, other.a, tpl.ID, nil), enroll.ENOTFOUND)

	if err := f.ns.DeleteNotificationTemplate(f.ctx, f.a, tpl.ID, nil); err != nil {
		t.Fatal(err)
	}
	_, err = f.ns.FindNotificationTemplate(f.ctx, f.a.WorkspaceID, tpl.ID)
	wantCode(t, err, enroll.ENOTFOUND)
}

func testNotificationSettings(t *testing.T, newStore Factory) {
	f := newNotificationFixture(t, newStore)
	inst := f.instance()
	s := must(f.ns.FindNotificationSettings(f.ctx, f.a.WorkspaceID, inst.ID))
	if !s.Enabled || len(s.AdminEmails) != 0 || s.ProgramInstanceID != inst.ID {
		t.Fatalf("default settings = %+v", s)
	}
	put := &enroll.NotificationSettings{ProgramInstanceID: inst.ID, Enabled: false, AdminEmails: []string{"ops@example.com"},
		LinkURL: "https://portal.example.com/e/{enrollmentId}"}
	if err := f.ns.PutNotificationSettings(f.ctx, f.a, put, nil); err != nil {
		t.Fatal(err)
	}
	s = must(f.ns.FindNotificationSettings(f.ctx, f.a.WorkspaceID, inst.ID))
	if s.Enabled || len(s.AdminEmails) != 1 || s.Link("enr_1") != "https://portal.example.com/e/enr_1" || s.UpdatedAt == nil {
		t.Fatalf("stored settings = %+v", s)
	}
	bad := &enroll.NotificationSettings{ProgramInstanceID: inst.ID, Enabled: true, AdminEmails: []string{"not an address"}}
	wantCode(t, f.ns.PutNotificationSettings(f.ctx, f.a, bad, nil), enroll.EINVALID)
	_, err := f.ns.FindNotificationSettings(f.ctx, f.a.WorkspaceID, "nope")
	wantCode(t, err, enroll.ENOTFOUND)
	other := newFixtureOn(t, f.s)
	wantCode(t, f.ns.PutNotificationSettings(f.ctx, other.a, put, nil), enroll.ENOTFOUND)
}

func testNotificationQueue(t *testing.T, newStore Factory) {
	f := newNotificationFixture(t, newStore)
	inst := f.instance()
	if err := f.ns.PutNotificationSettings(f.ctx, f.a, &enroll.NotificationSettings{ProgramInstanceID: inst.ID, Enabled: true,
		AdminEmails: []string{"review@example.com", "lead@example.com"}, LinkURL: "https://portal.example.com/e/{enrollmentId}"}, nil); err != nil {
		t.Fatal(err)
	}
	f.template(inst.ID, enroll.StatusEligible)
	f.template("", enroll.StatusSubmitted, func(t *enroll.NotificationTemplate) {
		t.Subject, t.Text = "New submission: {{.enrollment.lastName}}", "{{.previousStatus}} → {{.status}}"
	})
	// A workspace default for eligible loses to the instance's template.
	f.template("", enroll.StatusEligible, func(t *enroll.NotificationTemplate) { t.Name = "Default eligible" })

	e := f.enroll(inst, "suzie@example.com", func(c *enroll.EnrollmentCreate) { c.FirstName = "<script>alert(1)</script>" })
	if e.Eligibility.Status != enroll.StatusEligible {
		t.Fatalf("status = %s", e.Eligibility.Status)
	}
	f.move(e, enroll.StatusSubmitted)
	if len(f.notifications(e.ID)) != 0 {
		t.Fatal("notifications queued before dispatch")
	}
	f.dispatchAll()
	ns := f.notifications(e.ID)
	if len(ns) != 3 {
		t.Fatalf("notifications = %d, want 1 participant + 2 administrators: %+v", len(ns), ns)
	}
	byRecipient := map[string]*enroll.Notification{}
	for _, n := range ns {
		byRecipient[n.Recipient] = n
		if n.Status != enroll.NotificationPending || n.NextAttemptAt == nil || n.EnrollmentID != e.ID || n.EventID == "" {
			t.Errorf("queued notification = %+v", n)
		}
	}
	p := byRecipient["suzie@example.com"]
	if p == nil || p.Audience != enroll.AudienceParticipant || p.EnrollmentStatus != enroll.StatusEligible || p.Template.Name != "Status eligible" {
		t.Fatalf("participant notification = %+v", p)
	}
	if !strings.HasPrefix(p.Subject, "Program p-") || !strings.HasSuffix(p.Subject, ": you are eligible") {
		t.Errorf("subject = %q", p.Subject)
	}
	if !strings.Contains(p.Text, "<script>alert(1)</script>") || !strings.Contains(p.Text, "https://portal.example.com/e/"+e.ID) {
		t.Errorf("text = %q: plain text shows values as they are, with the link", p.Text)
	}
	if strings.Contains(p.HTML, "<script>") || !strings.Contains(p.HTML, "&lt;script&gt;") {
		t.Errorf("html = %q: values must be escaped", p.HTML)
	}
	a := byRecipient["review@example.com"]
	if a == nil || a.Audience != enroll.AudienceAdministrators || a.EnrollmentStatus != enroll.StatusSubmitted ||
		a.Subject != "New submission: Homeowner" || a.Text != "eligible → submitted" || byRecipient["lead@example.com"] == nil {
		t.Fatalf("administrator notifications = %+v", byRecipient)
	}

	// Dispatch is once: nothing new.
	f.dispatchAll()
	if n := len(f.notifications(e.ID)); n != 3 {
		t.Fatalf("after a second dispatch: %d notifications", n)
	}

	// Claim leases; a claimed notification is not claimed again.
	jobs := must(f.ns.ClaimNotifications(f.ctx, time.Minute, 10))
	if len(jobs) != 3 {
		t.Fatalf("claimed %d, want 3", len(jobs))
	}
	if again := must(f.ns.ClaimNotifications(f.ctx, time.Minute, 10)); len(again) != 0 {
		t.Fatalf("claimed %d leased notifications again", len(again))
	}
	now := time.Now().UTC()
	var sent, retried, skipped *enroll.Notification
	for _, j := range jobs {
		switch j.Recipient {
		case "suzie@example.com":
			sent = must(f.ns.FinishNotification(f.ctx, j, enroll.DecideNotificationOutcome(j, enroll.NotificationAttempt{At: now}, nil)))
		case "review@example.com":
			retried = must(f.ns.FinishNotification(f.ctx, j, enroll.DecideNotificationOutcome(j, enroll.NotificationAttempt{At: now, Error: "421 busy"}, nil)))
		default:
			skipped = must(f.ns.FinishNotification(f.ctx, j, enroll.SkipNotification(now, "SMTP is not configured.")))
		}
	}
	if sent.Status != enroll.NotificationSent || sent.SentAt == nil || sent.AttemptCount != 1 {
		t.Errorf("sent = %+v", sent)
	}
	if retried.Status != enroll.NotificationPending || retried.NextAttemptAt == nil || !retried.NextAttemptAt.After(now) || retried.Attempts[0].Error != "421 busy" {
		t.Errorf("retried = %+v", retried)
	}
	if skipped.Status != enroll.NotificationSkipped || skipped.Reason != "SMTP is not configured." {
		t.Errorf("skipped = %+v", skipped)
	}
	// The retry is not due yet.
	if again := must(f.ns.ClaimNotifications(f.ctx, time.Minute, 10)); len(again) != 0 {
		t.Fatalf("claimed %d before the retry was due", len(again))
	}
	pg := must(f.ns.ListNotifications(f.ctx, f.a.WorkspaceID, enroll.NotificationFilter{Status: enroll.NotificationSent}))
	if len(pg.Data) != 1 || pg.Data[0].ID != sent.ID {
		t.Fatalf("sent list = %+v", pg.Data)
	}

	// No participant address, and no administrators: recorded as skipped.
	bare := f.instance()
	f.template(bare.ID, enroll.StatusSubmitted)
	e2 := f.enroll(bare, "bob@example.com")
	f.move(e2, enroll.StatusSubmitted)
	f.dispatchAll()
	// The workspace's default eligible template applies here too.
	ns = f.notifications(e2.ID)
	if len(ns) != 2 || ns[1].Template.Name != "Default eligible" || ns[1].Recipient != "bob@example.com" {
		t.Fatalf("with the workspace default: %+v", ns)
	}
	if a := ns[0]; a.Audience != enroll.AudienceAdministrators || a.Status != enroll.NotificationSkipped || a.Recipient != "" || a.Reason == "" {
		t.Fatalf("without administrators: %+v", a)
	}

	// Notifications off: nothing is queued.
	off := f.instance()
	f.template(off.ID, enroll.StatusSubmitted)
	if err := f.ns.PutNotificationSettings(f.ctx, f.a, &enroll.NotificationSettings{ProgramInstanceID: off.ID, Enabled: false,
		AdminEmails: []string{"ops@example.com"}}, nil); err != nil {
		t.Fatal(err)
	}
	e3 := f.enroll(off, "carol@example.com")
	f.move(e3, enroll.StatusSubmitted)
	f.dispatchAll()
	if ns := f.notifications(e3.ID); len(ns) != 0 {
		t.Fatalf("notifications off, yet queued: %+v", ns)
	}
}
