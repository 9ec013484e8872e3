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

// conditionalWrite is a client call that takes an ifMatch. The ...ETag
// form of a write returns the answer's ETag, answersETag; the others "".
type conditionalWrite struct {
	name        string
	answersETag bool
	call        func(ctx context.Context, c *client.Client, id, ifMatch string) (etag string, err error)
}

// written makes the conditionalWrite of a call without an ETag.
func written(name string, call func(ctx context.Context, c *client.Client, id, ifMatch string) error) conditionalWrite {
	return conditionalWrite{name, false, func(ctx context.Context, c *client.Client, id, ifMatch string) (string, error) {
		return "", call(ctx, c, id, ifMatch)
	}}
}

// withETag makes the conditionalWrite of a call's ...ETag form.
func withETag[T any](name string, call func(ctx context.Context, c *client.Client, id, ifMatch string) (*T, string, error)) conditionalWrite {
	return conditionalWrite{name + " (ETag)", true, func(ctx context.Context, c *client.Client, id, ifMatch string) (string, error) {
		_, etag, err := call(ctx, c, id, ifMatch)
		return etag, err
	}}
}

// changed gives every update a value no earlier one gave, so that each
// changes the resource and its ETag.
var changed atomic.Int64

func newValue() string { return fmt.Sprintf("v%d", changed.Add(1)) }

// update is the conditionalWrite of an Update method that sets member
// to a new value.
func update[T any](member string, m func(*client.Client, context.Context, string, any, string) (*T, error)) conditionalWrite {
	return written("update", func(ctx context.Context, c *client.Client, id, ifMatch string) error {
		_, err := m(c, ctx, id, map[string]any{member: newValue()}, ifMatch)
		return err
	})
}

// updateETag is the conditionalWrite of an Update...ETag method that sets
// member to a new value.
func updateETag[T any](member string, m func(*client.Client, context.Context, string, any, string) (*T, string, error)) conditionalWrite {
	return withETag("update", func(ctx context.Context, c *client.Client, id, ifMatch string) (*T, string, error) {
		return m(c, ctx, id, map[string]any{member: newValue()}, ifMatch)
	})
}

// remove is the conditionalWrite of a Delete method.
func remove(m func(*client.Client, context.Context, string, string) error) conditionalWrite {
	return written("delete", func(ctx context.Context, c *client.Client, id, ifMatch string) error {
		return m(c, ctx, id, ifMatch)
	})
}

// putSettings is the conditionalWrite of PutNotificationSettings, or of
// its ETag form, with new administrators.
func putSettings(etag bool) conditionalWrite {
	put := func(ctx context.Context, c *client.Client, id, ifMatch string) (*enroll.NotificationSettings, string, error) {
		return c.PutNotificationSettingsETag(ctx, id, &client.NotificationSettingsPut{Enabled: true,
			AdminEmails: []string{newValue() + "@example.com"}}, ifMatch)
	}
	if etag {
		return withETag("put", put)
	}
	return written("put", func(ctx context.Context, c *client.Client, id, ifMatch string) error {
		_, err := c.PutNotificationSettings(ctx, id, &client.NotificationSettingsPut{Enabled: true,
			AdminEmails: []string{newValue() + "@example.com"}}, ifMatch)
		return err
	})
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
// where there is one, last. The ...ETag form of a write returns the ETag
// a Get...ETag then reads, and the next write sends it as its If-Match.
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
			[]conditionalWrite{update("name", (*client.Client).UpdateProgram), updateETag("name", (*client.Client).UpdateProgramETag),
				remove((*client.Client).DeleteProgram)}},
		{"program instance", func(t *testing.T) string {
			return must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, prog.ID, &client.InstanceCreate{Slug: "doomed", Name: "Doomed"})).ID
		}, etagOf((*client.Client).GetInstanceETag),
			[]conditionalWrite{update("name", (*client.Client).UpdateInstance), updateETag("name", (*client.Client).UpdateInstanceETag),
				remove((*client.Client).DeleteInstance)}},
		{"customer", func(t *testing.T) string {
			return must[*enroll.Customer](t)(c.CreateCustomer(ctx, &client.CustomerCreate{FirstName: "If", LastName: "Match", Email: "customer@example.com"})).ID
		}, etagOf((*client.Client).GetCustomerETag),
			[]conditionalWrite{update("phone", (*client.Client).UpdateCustomer), updateETag("phone", (*client.Client).UpdateCustomerETag),
				remove((*client.Client).DeleteCustomer)}},
		{"lead", func(t *testing.T) string {
			return must[*enroll.Lead](t)(c.CreateLead(ctx, &client.LeadCreate{Email: "lead@example.com"})).ID
		}, etagOf((*client.Client).GetLeadETag),
			[]conditionalWrite{update("firstName", (*client.Client).UpdateLead), updateETag("firstName", (*client.Client).UpdateLeadETag),
				remove((*client.Client).DeleteLead)}},
		{"enrollment", func(t *testing.T) string {
			return must[*client.EnrollmentDetail](t)(c.CreateEnrollment(ctx, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
				FirstName: "If", LastName: "Match", Email: "enrollment@example.com"})).ID
		}, etagOf((*client.Client).GetEnrollmentETag),
			[]conditionalWrite{
				update("notes", (*client.Client).UpdateEnrollment),
				updateETag("notes", (*client.Client).UpdateEnrollmentETag),
				written("evaluate", func(ctx context.Context, c *client.Client, id, ifMatch string) error {
					_, err := c.EvaluateEnrollment(ctx, id, ifMatch)
					return err
				}),
				withETag("evaluate", func(ctx context.Context, c *client.Client, id, ifMatch string) (*client.EnrollmentDetail, string, error) {
					return c.EvaluateEnrollmentETag(ctx, id, ifMatch)
				}),
				written("transition", func(ctx context.Context, c *client.Client, id, ifMatch string) error {
					_, err := c.Transition(ctx, id, enroll.StatusSubmitted, "applied", ifMatch)
					return err
				}),
				withETag("transition", func(ctx context.Context, c *client.Client, id, ifMatch string) (*client.EnrollmentDetail, string, error) {
					return c.TransitionETag(ctx, id, enroll.StatusNeedsAction, "a document is missing", ifMatch)
				}),
				remove((*client.Client).DeleteEnrollment),
			}},
		{"webhook endpoint", func(t *testing.T) string {
			return must[*enroll.WebhookEndpoint](t)(c.CreateWebhookEndpoint(ctx, &client.WebhookEndpointCreate{URL: "https://hooks.example.com/ifmatch"})).ID
		}, etagOf((*client.Client).GetWebhookEndpointETag),
			[]conditionalWrite{update("description", (*client.Client).UpdateWebhookEndpoint),
				updateETag("description", (*client.Client).UpdateWebhookEndpointETag), remove((*client.Client).DeleteWebhookEndpoint)}},
		{"notification template", func(t *testing.T) string {
			return must[*enroll.NotificationTemplate](t)(c.CreateNotificationTemplate(ctx, &client.NotificationTemplateCreate{ProgramInstanceID: inst.ID, Name: "T",
				Status: enroll.StatusApproved, Subject: "s", Text: "t"})).ID
		}, etagOf((*client.Client).GetNotificationTemplateETag),
			[]conditionalWrite{update("subject", (*client.Client).UpdateNotificationTemplate),
				updateETag("subject", (*client.Client).UpdateNotificationTemplateETag), remove((*client.Client).DeleteNotificationTemplate)}},
		// An instance's settings, read and put by the instance's id, are
		// replaced, never deleted.
		{"notification settings", func(t *testing.T) string {
			return must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, prog.ID, &client.InstanceCreate{Slug: "settings", Name: "Settings"})).ID
		}, etagOf((*client.Client).GetNotificationSettingsETag),
			[]conditionalWrite{putSettings(false), putSettings(true), putSettings(false)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			id := tc.create(t)
			stale := must[string](t)(tc.etag(ctx, c, id))
			// Another writer changes it, without If-Match.
			if _, err := tc.writes[0].call(ctx, c, id, ""); err != nil {
				t.Fatal(err)
			}
			current := must[string](t)(tc.etag(ctx, c, id))
			if stale == "" || current == stale {
				t.Fatalf("ETag %q before a change, %q after", stale, current)
			}
			for i, w := range tc.writes {
				if w.answersETag && i == len(tc.writes)-1 {
					t.Fatalf("%s is last: no write sends its ETag", w.name)
				}
				_, err := w.call(ctx, c, id, stale)
				var p *client.Problem
				if !errors.As(err, &p) || p.Status != http.StatusPreconditionFailed || !client.IsStatus(err, http.StatusPreconditionFailed) {
					t.Fatalf("%s with a stale ETag: %v", w.name, err)
				}
				if now := must[string](t)(tc.etag(ctx, c, id)); now != current {
					t.Fatalf("%s refused changed the ETag from %q to %q", w.name, current, now)
				}
				etag, err := w.call(ctx, c, id, current)
				if err != nil {
					t.Fatalf("%s with the current ETag: %v", w.name, err)
				}
				if w.name == "delete" {
					continue
				}
				current = must[string](t)(tc.etag(ctx, c, id))
				if w.answersETag {
					if etag != current {
						t.Fatalf("%s answered ETag %q; a GET after it reads %q", w.name, etag, current)
					}
					// The next write's If-Match is the one answered, not
					// read again.
					current = etag
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
