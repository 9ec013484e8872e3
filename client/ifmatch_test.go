package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
)

// conditionalWrite is a client call that takes an ifMatch.
type conditionalWrite struct {
	name string
	call func(ctx context.Context, c *client.Client, id, ifMatch string) error
}

// changed gives every update a value no earlier one gave, so that each
// changes the resource and its ETag.
var changed atomic.Int64

func newValue() string { return fmt.Sprintf("v%d", changed.Add(1)) }

// update is the conditionalWrite of an Update method that sets member
// to a new value.
func update[T any](member string, m func(*client.Client, context.Context, string, any, string) (*T, error)) conditionalWrite {
	return conditionalWrite{"update", func(ctx context.Context, c *client.Client, id, ifMatch string) error {
		_, err := m(c, ctx, id, map[string]any{member: newValue()}, ifMatch)
		return err
	}}
}

// remove is the conditionalWrite of a Delete method.
func remove(m func(*client.Client, context.Context, string, string) error) conditionalWrite {
	return conditionalWrite{"delete", func(ctx context.Context, c *client.Client, id, ifMatch string) error {
		return m(c, ctx, id, ifMatch)
	}}
}

// etagOf adapts a Get...ETag method to return the ETag alone.
func etagOf[T any](m func(*client.Client, context.Context, string) (*T, string, error)) func(context.Context, *client.Client, string) (string, error) {
	return func(ctx context.Context, c *client.Client, id string) (string, error) {
		_, etag, err := m(c, ctx, id)
		return etag, err
	}
}

// TestIfMatch: every write of the client that the server makes
// conditional on If-Match sends its ifMatch. With the ETag of a
// Get...ETag from before another change, each is a 412 *Problem that
// changes nothing; with the current one it goes through; the deletion,
// where there is one, last.
func TestIfMatch(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ctx := context.Background()
	prog := must[*enroll.Program](t)(c.CreateProgram(ctx, &client.ProgramCreate{Slug: "ifmatch", Name: "If-Match"}))
	inst := must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, prog.ID, &client.InstanceCreate{Slug: "enrollments", Name: "Enrollments"}))

	for _, tc := range []struct {
		name   string
		create func(t *testing.T) string
		etag   func(context.Context, *client.Client, string) (string, error)
		// writes are the conditional calls, each with the current ETag
		// after its try with the stale one; the last deletes, when the
		// resource can be deleted.
		writes []conditionalWrite
	}{
		{"program", func(t *testing.T) string {
			return must[*enroll.Program](t)(c.CreateProgram(ctx, &client.ProgramCreate{Slug: "doomed", Name: "Doomed"})).ID
		}, etagOf((*client.Client).GetProgramETag),
			[]conditionalWrite{update("name", (*client.Client).UpdateProgram), remove((*client.Client).DeleteProgram)}},
		{"program instance", func(t *testing.T) string {
			return must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, prog.ID, &client.InstanceCreate{Slug: "doomed", Name: "Doomed"})).ID
		}, etagOf((*client.Client).GetInstanceETag),
			[]conditionalWrite{update("name", (*client.Client).UpdateInstance), remove((*client.Client).DeleteInstance)}},
		{"customer", func(t *testing.T) string {
			return must[*enroll.Customer](t)(c.CreateCustomer(ctx, &client.CustomerCreate{FirstName: "If", LastName: "Match", Email: "customer@example.com"})).ID
		}, etagOf((*client.Client).GetCustomerETag),
			[]conditionalWrite{update("phone", (*client.Client).UpdateCustomer), remove((*client.Client).DeleteCustomer)}},
		{"lead", func(t *testing.T) string {
			return must[*enroll.Lead](t)(c.CreateLead(ctx, &client.LeadCreate{Email: "lead@example.com"})).ID
		}, etagOf((*client.Client).GetLeadETag),
			[]conditionalWrite{update("firstName", (*client.Client).UpdateLead), remove((*client.Client).DeleteLead)}},
		{"enrollment", func(t *testing.T) string {
			return must[*enroll.Enrollment](t)(c.CreateEnrollment(ctx, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
				FirstName: "If", LastName: "Match", Email: "enrollment@example.com"})).ID
		}, etagOf((*client.Client).GetEnrollmentETag),
			[]conditionalWrite{
				update("notes", (*client.Client).UpdateEnrollment),
				{"evaluate", func(ctx context.Context, c *client.Client, id, ifMatch string) error {
					_, err := c.EvaluateEnrollment(ctx, id, ifMatch)
					return err
				}},
				{"transition", func(ctx context.Context, c *client.Client, id, ifMatch string) error {
					_, err := c.Transition(ctx, id, enroll.StatusSubmitted, "applied", ifMatch)
					return err
				}},
				remove((*client.Client).DeleteEnrollment),
			}},
		{"webhook endpoint", func(t *testing.T) string {
			return must[*enroll.WebhookEndpoint](t)(c.CreateWebhookEndpoint(ctx, &client.WebhookEndpointCreate{URL: "https://hooks.example.com/ifmatch"})).ID
		}, etagOf((*client.Client).GetWebhookEndpointETag),
			[]conditionalWrite{update("description", (*client.Client).UpdateWebhookEndpoint), remove((*client.Client).DeleteWebhookEndpoint)}},
		{"notification template", func(t *testing.T) string {
			return must[*enroll.NotificationTemplate](t)(c.CreateNotificationTemplate(ctx, &client.NotificationTemplateCreate{ProgramInstanceID: inst.ID, Name: "T",
				Status: enroll.StatusApproved, Subject: "s", Text: "t"})).ID
		}, etagOf((*client.Client).GetNotificationTemplateETag),
			[]conditionalWrite{update("subject", (*client.Client).UpdateNotificationTemplate), remove((*client.Client).DeleteNotificationTemplate)}},
		// An instance's settings, read and put by the instance's id, are
		// replaced, never deleted.
		{"notification settings", func(t *testing.T) string {
			return must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, prog.ID, &client.InstanceCreate{Slug: "settings", Name: "Settings"})).ID
		}, etagOf((*client.Client).GetNotificationSettingsETag),
			[]conditionalWrite{{"put", func(ctx context.Context, c *client.Client, id, ifMatch string) error {
				_, err := c.PutNotificationSettings(ctx, id, &client.NotificationSettingsPut{Enabled: true,
					AdminEmails: []string{newValue() + "@example.com"}}, ifMatch)
				return err
			}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			id := tc.create(t)
			stale := must[string](t)(tc.etag(ctx, c, id))
			// Another writer changes it, without If-Match.
			if err := tc.writes[0].call(ctx, c, id, ""); err != nil {
				t.Fatal(err)
			}
			current := must[string](t)(tc.etag(ctx, c, id))
			if stale == "" || current == stale {
				t.Fatalf("ETag %q before a change, %q after", stale, current)
			}
			for _, w := range tc.writes {
				err := w.call(ctx, c, id, stale)
				var p *client.Problem
				if !errors.As(err, &p) || p.Status != http.StatusPreconditionFailed || !client.IsStatus(err, http.StatusPreconditionFailed) {
					t.Fatalf("%s with a stale ETag: %v", w.name, err)
				}
				if now := must[string](t)(tc.etag(ctx, c, id)); now != current {
					t.Fatalf("%s refused changed the ETag from %q to %q", w.name, current, now)
				}
				if err := w.call(ctx, c, id, current); err != nil {
					t.Fatalf("%s with the current ETag: %v", w.name, err)
				}
				if w.name != "delete" {
					current = must[string](t)(tc.etag(ctx, c, id))
				}
			}
			if tc.writes[len(tc.writes)-1].name != "delete" {
				return
			}
			if _, err := tc.etag(ctx, c, id); !client.IsStatus(err, http.StatusNotFound) {
				t.Fatalf("after the delete: %v", err)
			}
		})
	}
}
