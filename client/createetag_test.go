package client_test

import (
	"context"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
)

// TestCreateETag: the Create...ETag form of each create whose answer
// carries an ETag returns it, the one a Get...ETag then reads, and the
// first update takes it as its ifMatch without a read in between.
func TestCreateETag(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ctx := context.Background()
	prog := must[*enroll.Program](t)(c.CreateProgram(ctx, &client.ProgramCreate{Slug: "created", Name: "Created"}))
	inst := must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, prog.ID, &client.InstanceCreate{Slug: "created", Name: "Created"}))
	for _, tc := range []struct {
		name   string
		create func() (id, etag string, err error)
		get    func(context.Context, *client.Client, string) (string, error)
		update conditionalWrite
	}{
		{"program", func() (string, string, error) {
			p, etag, err := c.CreateProgramETag(ctx, &client.ProgramCreate{Slug: "etag", Name: "ETag"})
			return idOf(p, func(p *enroll.Program) string { return p.ID }), etag, err
		}, etagOf((*client.Client).GetProgramETag), update("name", (*client.Client).UpdateProgram)},
		{"program instance", func() (string, string, error) {
			in, etag, err := c.CreateInstanceETag(ctx, prog.ID, &client.InstanceCreate{Slug: "etag", Name: "ETag"})
			return idOf(in, func(in *enroll.ProgramInstance) string { return in.ID }), etag, err
		}, etagOf((*client.Client).GetInstanceETag), update("name", (*client.Client).UpdateInstance)},
		{"customer", func() (string, string, error) {
			cu, etag, err := c.CreateCustomerETag(ctx, &client.CustomerCreate{FirstName: "E", LastName: "Tag", Email: "etag@example.com"})
			return idOf(cu, func(cu *enroll.Customer) string { return cu.ID }), etag, err
		}, etagOf((*client.Client).GetCustomerETag), update("phone", (*client.Client).UpdateCustomer)},
		{"lead", func() (string, string, error) {
			l, etag, err := c.CreateLeadETag(ctx, &client.LeadCreate{Email: "lead-etag@example.com"})
			return idOf(l, func(l *enroll.Lead) string { return l.ID }), etag, err
		}, etagOf((*client.Client).GetLeadETag), update("firstName", (*client.Client).UpdateLead)},
		{"enrollment", func() (string, string, error) {
			e, etag, err := c.CreateEnrollmentETag(ctx, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
				FirstName: "E", LastName: "Tag", Email: "enrollment-etag@example.com"})
			return idOf(e, func(e *client.EnrollmentDetail) string { return e.ID }), etag, err
		}, etagOf((*client.Client).GetEnrollmentETag), update("notes", (*client.Client).UpdateEnrollment)},
		{"webhook endpoint", func() (string, string, error) {
			ep, etag, err := c.CreateWebhookEndpointETag(ctx, &client.WebhookEndpointCreate{URL: "https://hooks.example.com/etag"})
			return idOf(ep, func(ep *enroll.WebhookEndpoint) string { return ep.ID }), etag, err
		}, etagOf((*client.Client).GetWebhookEndpointETag), update("description", (*client.Client).UpdateWebhookEndpoint)},
		{"notification template", func() (string, string, error) {
			tpl, etag, err := c.CreateNotificationTemplateETag(ctx, &client.NotificationTemplateCreate{ProgramInstanceID: inst.ID, Name: "ETag",
				Status: enroll.StatusApproved, Subject: "s", Text: "t"})
			return idOf(tpl, func(tpl *enroll.NotificationTemplate) string { return tpl.ID }), etag, err
		}, etagOf((*client.Client).GetNotificationTemplateETag), update("subject", (*client.Client).UpdateNotificationTemplate)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			id, etag, err := tc.create()
			if err != nil {
				t.Fatal(err)
			}
			if read := must[string](t)(tc.get(ctx, c, id)); etag == "" || etag != read {
				t.Fatalf("created with ETag %q; a GET reads %q", etag, read)
			}
			if _, err := tc.update.call(ctx, c, id, etag); err != nil {
				t.Fatalf("update with the created ETag: %v", err)
			}
		})
	}
}

// idOf returns the id of v, "" when the call returned none.
func idOf[T any](v *T, id func(*T) string) string {
	if v == nil {
		return ""
	}
	return id(v)
}
