package client_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
	enrollhttp "github.com/enrollhq/enroll/http"
)

// TestEnrollmentTemplate: the calls answering one enrollment carry its
// template, the one of its newest notification, as the API shows it:
// nil on create and before any notification, then the template's id,
// name and URL on a read and on each write.
func TestEnrollmentTemplate(t *testing.T) {
	t.Parallel()
	s := newServer(t, enrollhttp.Config{})
	c := s.client()
	ctx := context.Background()
	prog := must[*enroll.Program](t)(c.CreateProgram(ctx, &client.ProgramCreate{Slug: "tpl", Name: "Template"}))
	inst := must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, prog.ID, &client.InstanceCreate{Slug: "tpl", Name: "Template"}))
	tpl := must[*enroll.NotificationTemplate](t)(c.CreateNotificationTemplate(ctx, &client.NotificationTemplateCreate{ProgramInstanceID: inst.ID,
		Name: "Welcome", Status: enroll.StatusEligible, Subject: "Welcome", Text: "Hello {{.enrollment.firstName}}"}))
	e := must[*client.EnrollmentDetail](t)(c.CreateEnrollment(ctx, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: "Suzie", LastName: "Homeowner", Email: "suzie@example.com"}))
	if e.Template != nil || e.Eligibility.Status != enroll.StatusEligible {
		t.Fatalf("created: template %+v, status %s", e.Template, e.Eligibility.Status)
	}
	if _, err := s.db.DispatchEvents(ctx, 500, 0); err != nil {
		t.Fatal(err)
	}
	want := client.EnrollmentTemplate{ID: tpl.ID, Href: "/v1/notificationTemplates/" + tpl.ID, Name: "Welcome"}
	got, etag := must2(t)(c.GetEnrollmentETag(ctx, e.ID))
	for name, d := range map[string]*client.EnrollmentDetail{
		"GetEnrollmentETag": got,
		"GetEnrollment":     must[*client.EnrollmentDetail](t)(c.GetEnrollment(ctx, e.ID)),
		"UpdateEnrollment":  must[*client.EnrollmentDetail](t)(c.UpdateEnrollment(ctx, e.ID, map[string]any{"notes": "n"}, etag)),
		"EvaluateEnrollmentETag": func() *client.EnrollmentDetail {
			d, _ := must2(t)(c.EvaluateEnrollmentETag(ctx, e.ID, ""))
			return d
		}(),
		// After the evaluation, which a submitted enrollment refuses.
		"Transition": must[*client.EnrollmentDetail](t)(c.Transition(ctx, e.ID, enroll.StatusSubmitted, "applied", "")),
	} {
		if d.Template == nil || *d.Template != want || d.ID != e.ID {
			t.Errorf("%s: enrollment %s, template %+v, want %+v", name, d.ID, d.Template, want)
		}
	}
	// Encoded again, it is what the server answered: template included.
	var back client.EnrollmentDetail
	if b, err := json.Marshal(got); err != nil || json.Unmarshal(b, &back) != nil || back.Template == nil || *back.Template != want ||
		back.ID != e.ID || back.Email != "suzie@example.com" {
		t.Errorf("encoded and decoded: %+v (%v)", back, err)
	}
}

// must2 is must for a call that also returns an ETag.
func must2(t *testing.T) func(*client.EnrollmentDetail, string, error) (*client.EnrollmentDetail, string) {
	return func(d *client.EnrollmentDetail, etag string, err error) (*client.EnrollmentDetail, string) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return d, etag
	}
}
