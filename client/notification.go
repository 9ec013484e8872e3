package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"

	"github.com/enrollhq/enroll"
)

// NotificationTemplateCreate is the body of CreateNotificationTemplate.
type NotificationTemplateCreate struct {
	// ProgramInstanceID is the instance the template is for; empty makes
	// it the workspace's default for instances without their own.
	ProgramInstanceID string `json:"programInstanceId,omitempty"`
	Name              string `json:"name"`
	// Status is the status whose reaching sends the message.
	Status enroll.Status `json:"status"`
	// Audience defaults to administrators for submitted, else the
	// participant.
	Audience enroll.NotificationAudience `json:"audience,omitempty"`
	// Essential defaults to true: sent even to addresses that
	// unsubscribed.
	Essential *bool `json:"essential,omitempty"`
	// Subject and Text are Go text/templates, HTML an html/template.
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html,omitempty"`
}

// NotificationTemplateQuery selects notification templates. Empty fields
// do not filter.
type NotificationTemplateQuery struct {
	// ProgramInstanceID keeps one instance's templates; "default" keeps
	// the workspace defaults.
	ProgramInstanceID string
	Status            enroll.Status
	ListOptions
}

func (q NotificationTemplateQuery) values() url.Values {
	v := q.ListOptions.values()
	setIf(v, "programInstanceId", q.ProgramInstanceID)
	setIf(v, "status", string(q.Status))
	return v
}

// NotificationRender is the body of RenderNotificationTemplate: an
// enrollment to render the template for, or overrides of the sample's
// members.
type NotificationRender struct {
	// EnrollmentID renders for this enrollment (the key needs
	// enrollments:read); empty uses a sample enrollment.
	EnrollmentID string `json:"enrollmentId,omitempty"`
	FirstName    string `json:"firstName,omitempty"`
	LastName     string `json:"lastName,omitempty"`
	Email        string `json:"email,omitempty"`
	Reason       string `json:"reason,omitempty"`
}

// NotificationSettingsPut is the body of PutNotificationSettings: the
// whole settings, replaced.
type NotificationSettingsPut struct {
	// Enabled off, the instance's status changes send no notifications.
	Enabled bool `json:"enabled"`
	// AdminEmails receive the administrators' messages.
	AdminEmails []string `json:"adminEmails,omitempty"`
	// LinkURL is the link messages offer; {enrollmentId} in it is
	// replaced by the enrollment's id.
	LinkURL string `json:"linkUrl,omitempty"`
}

// NotificationQuery selects an enrollment's notifications. An empty
// Status does not filter.
type NotificationQuery struct {
	Status enroll.NotificationStatus
	// ListOptions pages the list, newest first; Sort is refused (422).
	ListOptions
}

func (q NotificationQuery) values() url.Values {
	v := q.ListOptions.values()
	setIf(v, "status", string(q.Status))
	return v
}

// CreateNotificationTemplate creates a notification template.
func (c *Client) CreateNotificationTemplate(ctx context.Context, in *NotificationTemplateCreate) (*enroll.NotificationTemplate, error) {
	out, _, err := c.CreateNotificationTemplateETag(ctx, in)
	return out, err
}

// CreateNotificationTemplateETag is CreateNotificationTemplate that also returns the template's ETag, for the
// ifMatch of its first update or delete without reading it again.
func (c *Client) CreateNotificationTemplateETag(ctx context.Context, in *NotificationTemplateCreate) (*enroll.NotificationTemplate, string, error) {
	return postETag[enroll.NotificationTemplate](c, ctx, "/v1/notificationTemplates", in)
}

// GetNotificationTemplate returns a notification template.
func (c *Client) GetNotificationTemplate(ctx context.Context, id string) (*enroll.NotificationTemplate, error) {
	t, _, err := c.GetNotificationTemplateETag(ctx, id)
	return t, err
}

// GetNotificationTemplateETag returns a notification template and its
// ETag, for the ifMatch of UpdateNotificationTemplate and
// DeleteNotificationTemplate.
func (c *Client) GetNotificationTemplateETag(ctx context.Context, id string) (*enroll.NotificationTemplate, string, error) {
	return getETag[enroll.NotificationTemplate](c, ctx, "/v1/notificationTemplates/"+esc(id))
}

// ListNotificationTemplates returns a page of notification templates.
func (c *Client) ListNotificationTemplates(ctx context.Context, q NotificationTemplateQuery) (*enroll.Page[*enroll.NotificationTemplate], error) {
	return get[enroll.Page[*enroll.NotificationTemplate]](c, ctx, "/v1/notificationTemplates", q.values())
}

// AllNotificationTemplates returns every notification template q selects,
// page after page, from the page q names on.
func (c *Client) AllNotificationTemplates(ctx context.Context, q NotificationTemplateQuery) iter.Seq2[*enroll.NotificationTemplate, error] {
	return pages(q.ListOptions, func(o ListOptions) (*enroll.Page[*enroll.NotificationTemplate], error) {
		q := q
		q.ListOptions = o
		return c.ListNotificationTemplates(ctx, q)
	})
}

// UpdateNotificationTemplate applies a JSON merge patch to a notification
// template. A non-empty ifMatch makes a stale ETag a 412.
func (c *Client) UpdateNotificationTemplate(ctx context.Context, id string, p any, ifMatch string) (*enroll.NotificationTemplate, error) {
	out, _, err := c.UpdateNotificationTemplateETag(ctx, id, p, ifMatch)
	return out, err
}

// UpdateNotificationTemplateETag is UpdateNotificationTemplate that also returns the template's new
// ETag, for the ifMatch of the next write without reading it again.
func (c *Client) UpdateNotificationTemplateETag(ctx context.Context, id string, p any, ifMatch string) (*enroll.NotificationTemplate, string, error) {
	return patchETag[enroll.NotificationTemplate](c, ctx, "/v1/notificationTemplates/"+esc(id), p, ifMatch)
}

// DeleteNotificationTemplate deletes a notification template. A non-empty
// ifMatch makes a stale ETag a 412.
func (c *Client) DeleteNotificationTemplate(ctx context.Context, id, ifMatch string) error {
	return c.del(ctx, "/v1/notificationTemplates/"+esc(id), ifMatch)
}

// RenderNotificationTemplate previews a template on an enrollment or on a
// sample, sending nothing. HTML is empty when the template has none.
func (c *Client) RenderNotificationTemplate(ctx context.Context, id string, in *NotificationRender) (*enroll.RenderedMessage, error) {
	if in == nil {
		in = &NotificationRender{}
	}
	return send[enroll.RenderedMessage](c, ctx, http.MethodPost, "/v1/notificationTemplates/"+esc(id)+"/render", in)
}

// GetNotificationSettings returns a program instance's notification
// settings: the defaults (on, no administrators, no link) until put.
func (c *Client) GetNotificationSettings(ctx context.Context, instanceID string) (*enroll.NotificationSettings, error) {
	st, _, err := c.GetNotificationSettingsETag(ctx, instanceID)
	return st, err
}

// GetNotificationSettingsETag returns a program instance's notification
// settings and their ETag, for the ifMatch of PutNotificationSettings.
// The defaults have one too, so a first put can be conditional.
func (c *Client) GetNotificationSettingsETag(ctx context.Context, instanceID string) (*enroll.NotificationSettings, string, error) {
	return getETag[enroll.NotificationSettings](c, ctx, "/v1/programInstances/"+esc(instanceID)+"/notificationSettings")
}

// PutNotificationSettings replaces a program instance's notification
// settings and returns them as stored. A non-empty ifMatch makes a stale
// ETag a 412: the put, which replaces the settings whole, does not undo
// a change made since they were read.
func (c *Client) PutNotificationSettings(ctx context.Context, instanceID string, in *NotificationSettingsPut, ifMatch string) (*enroll.NotificationSettings, error) {
	out, _, err := c.PutNotificationSettingsETag(ctx, instanceID, in, ifMatch)
	return out, err
}

// PutNotificationSettingsETag is PutNotificationSettings that also
// returns the settings' new ETag, for the ifMatch of the next put without
// reading them again.
func (c *Client) PutNotificationSettingsETag(ctx context.Context, instanceID string, in *NotificationSettingsPut, ifMatch string) (*enroll.NotificationSettings, string, error) {
	return callETag[enroll.NotificationSettings](c, ctx, request{method: http.MethodPut,
		path: "/v1/programInstances/" + esc(instanceID) + "/notificationSettings", json: in, header: ifMatchHeader(ifMatch)})
}

// ListEnrollmentNotifications returns a page of the notifications an
// enrollment's status changes made, newest first: sent, skipped, failed
// or pending.
func (c *Client) ListEnrollmentNotifications(ctx context.Context, enrollmentID string, q NotificationQuery) (*enroll.Page[*enroll.Notification], error) {
	return get[enroll.Page[*enroll.Notification]](c, ctx, "/v1/enrollments/"+esc(enrollmentID)+"/notifications", q.values())
}

// AllEnrollmentNotifications returns every notification of an enrollment
// q selects, page after page, from the page q names on.
func (c *Client) AllEnrollmentNotifications(ctx context.Context, enrollmentID string, q NotificationQuery) iter.Seq2[*enroll.Notification, error] {
	return pages(q.ListOptions, func(o ListOptions) (*enroll.Page[*enroll.Notification], error) {
		q := q
		q.ListOptions = o
		return c.ListEnrollmentNotifications(ctx, enrollmentID, q)
	})
}
