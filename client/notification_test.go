package client_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
	enrollhttp "github.com/enrollhq/enroll/http"
)

func TestNotifications(t *testing.T) {
	t.Parallel()
	s := newServer(t, enrollhttp.Config{})
	c := s.client()
	ctx := context.Background()
	must[*enroll.Program](t)(c.CreateProgram(ctx, &client.ProgramCreate{Slug: "nt", Name: "Solar"}))
	inst := must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, "nt", &client.InstanceCreate{Slug: "i", Name: "I"}))

	st := must[*enroll.NotificationSettings](t)(c.GetNotificationSettings(ctx, inst.ID))
	if !st.Enabled || len(st.AdminEmails) != 0 || st.UpdatedAt != nil {
		t.Fatalf("default settings = %+v", st)
	}
	st = must[*enroll.NotificationSettings](t)(c.PutNotificationSettings(ctx, inst.ID, &client.NotificationSettingsPut{Enabled: true,
		AdminEmails: []string{"review@example.com"}, LinkURL: "https://portal.example.com/e/{enrollmentId}"}, ""))
	if st.UpdatedAt == nil || st.AdminEmails[0] != "review@example.com" {
		t.Fatalf("PutNotificationSettings = %+v", st)
	}

	tpl := must[*enroll.NotificationTemplate](t)(c.CreateNotificationTemplate(ctx, &client.NotificationTemplateCreate{ProgramInstanceID: inst.ID,
		Name: "Welcome", Status: enroll.StatusEligible, Subject: "Welcome to {{.program.name}}", Text: "Hello {{.enrollment.firstName}}, see {{.link}}",
		HTML: "<p>Hello {{.enrollment.firstName}}</p>"}))
	if tpl.Audience != enroll.AudienceParticipant || !tpl.Essential {
		t.Fatalf("created %+v", tpl)
	}
	def := must[*enroll.NotificationTemplate](t)(c.CreateNotificationTemplate(ctx, &client.NotificationTemplateCreate{Name: "Review",
		Status: enroll.StatusSubmitted, Subject: "New submission", Text: "{{.enrollment.email}}"}))
	if _, err := c.CreateNotificationTemplate(ctx, &client.NotificationTemplateCreate{Name: "Bad", Status: enroll.StatusRejected,
		Subject: "s", Text: "{{if}}"}); !client.IsStatus(err, http.StatusUnprocessableEntity) {
		t.Fatalf("a template that does not parse: %v", err)
	}
	if got := must[*enroll.NotificationTemplate](t)(c.GetNotificationTemplate(ctx, tpl.ID)); got.Name != "Welcome" {
		t.Fatalf("GetNotificationTemplate = %+v", got)
	}
	if pg := must[*enroll.Page[*enroll.NotificationTemplate]](t)(c.ListNotificationTemplates(ctx,
		client.NotificationTemplateQuery{ProgramInstanceID: "default"})); pg.TotalItems != 1 || pg.Data[0].ID != def.ID {
		t.Fatalf("workspace defaults = %+v", pg)
	}
	if pg := must[*enroll.Page[*enroll.NotificationTemplate]](t)(c.ListNotificationTemplates(ctx,
		client.NotificationTemplateQuery{Status: enroll.StatusEligible})); pg.TotalItems != 1 || pg.Data[0].ID != tpl.ID {
		t.Fatalf("eligible templates = %+v", pg)
	}
	if all := collect(t, c.AllNotificationTemplates(ctx, client.NotificationTemplateQuery{ListOptions: client.ListOptions{PerPage: 1}})); len(all) != 2 {
		t.Fatalf("AllNotificationTemplates = %+v", all)
	}
	r := must[*enroll.RenderedMessage](t)(c.RenderNotificationTemplate(ctx, tpl.ID, &client.NotificationRender{FirstName: "<b>Ann</b>"}))
	if r.Subject != "Welcome to Solar" || !strings.HasPrefix(r.Text, "Hello <b>Ann</b>, see https://portal.example.com/e/") ||
		r.HTML != "<p>Hello &lt;b&gt;Ann&lt;/b&gt;</p>" {
		t.Fatalf("RenderNotificationTemplate = %+v", r)
	}
	up := must[*enroll.NotificationTemplate](t)(c.UpdateNotificationTemplate(ctx, def.ID, map[string]any{"audience": "participant", "html": nil}, ""))
	if up.Audience != enroll.AudienceParticipant {
		t.Fatalf("UpdateNotificationTemplate = %+v", up)
	}
	if r := must[*enroll.RenderedMessage](t)(c.RenderNotificationTemplate(ctx, def.ID, nil)); r.Subject != "New submission" || r.HTML != "" {
		t.Fatalf("render without a body = %+v", r)
	}

	// An enrollment reaching eligible, then submitted: a message each,
	// queued when its status change is dispatched.
	e := must[*client.EnrollmentDetail](t)(c.CreateEnrollment(ctx, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: "Ann", LastName: "Lee", Email: "ann@example.com", EligibilityStatus: enroll.StatusSubmitted}))
	if _, err := s.db.DispatchEvents(ctx, 500, 0); err != nil {
		t.Fatal(err)
	}
	all := collect(t, c.AllEnrollmentNotifications(ctx, e.ID, client.NotificationQuery{ListOptions: client.ListOptions{PerPage: 1}}))
	if len(all) != 2 || all[0].Template.ID != def.ID || all[1].Template.ID != tpl.ID || all[1].Text != "Hello Ann, see https://portal.example.com/e/"+e.ID {
		t.Fatalf("AllEnrollmentNotifications = %+v", all)
	}
	pg := must[*enroll.Page[*enroll.Notification]](t)(c.ListEnrollmentNotifications(ctx, e.ID, client.NotificationQuery{Status: all[0].Status}))
	if pg.TotalItems != 2 {
		t.Fatalf("ListEnrollmentNotifications of status %s = %+v", all[0].Status, pg)
	}
	if pg := must[*enroll.Page[*enroll.Notification]](t)(c.ListEnrollmentNotifications(ctx, e.ID, client.NotificationQuery{Status: enroll.NotificationSent})); pg.TotalItems != 0 {
		t.Fatalf("sent = %+v", pg)
	}

	if err := c.DeleteNotificationTemplate(ctx, tpl.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetNotificationTemplate(ctx, tpl.ID); !client.IsStatus(err, http.StatusNotFound) {
		t.Fatalf("deleted template: %v", err)
	}
}
