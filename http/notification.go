package http

import (
	"context"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/enrollhq/enroll"
)

// NotificationTemplateCreate is the body of POST /v1/notificationTemplates.
type NotificationTemplateCreate struct {
	ProgramInstanceID string                      `json:"programInstanceId,omitempty" nullable:"true" maxLength:"64" doc:"The instance the template is for; absent makes it the workspace's default for instances without their own."`
	Name              string                      `json:"name" minLength:"1" maxLength:"256" doc:"Shown as the enrollment notification's template name, e.g. \"Successful Activation\"."`
	Status            enroll.Status               `json:"status" enum:"eligible,ineligible,submitted,needs_action,approved,rejected,paused,unenrolled" doc:"The status whose reaching sends the message."`
	Audience          enroll.NotificationAudience `json:"audience,omitempty" nullable:"true" enum:"participant,administrators" doc:"Who receives it: the enrollment's email, or the instance's adminEmails. Default: administrators for submitted, else participant."`
	Essential         *bool                       `json:"essential,omitempty" nullable:"true" default:"true" doc:"Essential messages are sent even to addresses that unsubscribed."`
	Subject           string                      `json:"subject" minLength:"1" maxLength:"1000" doc:"A Go text/template, folded onto one line, e.g. \"{{.program.name}}: you are {{.status}}\"."`
	Text              string                      `json:"text" minLength:"1" maxLength:"65536" doc:"The plain-text body: a Go text/template."`
	HTML              string                      `json:"html,omitempty" nullable:"true" maxLength:"65536" doc:"The HTML body: a Go html/template, which escapes every value."`
}

// NotificationTemplatePatch is the body of PATCH
// /v1/notificationTemplates/{templateId}, a JSON merge patch.
type NotificationTemplatePatch struct {
	Name      *string                      `json:"name,omitempty" minLength:"1" maxLength:"256"`
	Status    *enroll.Status               `json:"status,omitempty" enum:"eligible,ineligible,submitted,needs_action,approved,rejected,paused,unenrolled"`
	Audience  *enroll.NotificationAudience `json:"audience,omitempty" enum:"participant,administrators"`
	Essential *bool                        `json:"essential,omitempty"`
	Subject   *string                      `json:"subject,omitempty" minLength:"1" maxLength:"1000"`
	Text      *string                      `json:"text,omitempty" minLength:"1" maxLength:"65536"`
	HTML      *string                      `json:"html,omitempty" maxLength:"65536" nullable:"true"`
	ReadOnlyMembers
}

var templatePatchable = patchMembers{"name": false, "status": false, "audience": false, "essential": false,
	"subject": false, "text": false, "html": true}

// NotificationRender is the body of POST
// /v1/notificationTemplates/{templateId}/render.
type NotificationRender struct {
	EnrollmentID string `json:"enrollmentId,omitempty" nullable:"true" maxLength:"64" doc:"Render for this enrollment (needs enrollments:read); absent uses a sample enrollment. The overrides below apply to either."`
	FirstName    string `json:"firstName,omitempty" nullable:"true" maxLength:"256" doc:"Overrides the first name (of the enrollment named, or of the sample); the enrollment itself is not changed."`
	LastName     string `json:"lastName,omitempty" nullable:"true" maxLength:"256" doc:"Overrides the last name (of the enrollment named, or of the sample)."`
	Email        string `json:"email,omitempty" nullable:"true" maxLength:"254" doc:"Overrides the email (of the enrollment named, or of the sample)."`
	Reason       string `json:"reason,omitempty" nullable:"true" maxLength:"4096" doc:"Overrides the eligibility reason (of the enrollment named, or of the sample)."`
}

// NotificationSettingsPut is the body of PUT
// /v1/programInstances/{instanceId}/notificationSettings.
type NotificationSettingsPut struct {
	Enabled     bool     `json:"enabled" doc:"Off, the instance's status changes send no notifications."`
	AdminEmails []string `json:"adminEmails,omitempty" maxItems:"20" maxLength:"254" doc:"Receive the administrators' messages: new submissions, needs_action answered. Each listed once, case ignored (one mailbox, one copy), and ASCII, with a domain name that has a dot (not a@b, a@localhost nor an IP address), as mail relays commonly refuse others."`
	LinkURL     string   `json:"linkUrl,omitempty" nullable:"true" maxLength:"2048" doc:"The link messages offer ({{.link}}); {enrollmentId} in it is replaced by the enrollment's id. Spaces and the other characters a URL may not hold unencoded (such as < > { | } and the double quote) are refused: percent-encode them."`
	// The settings' read-only members, so that settings read can be put
	// back whole, as a representation read can be sent back as a PATCH.
	ProgramInstanceID string     `json:"programInstanceId,omitempty" nullable:"true" maxLength:"64" doc:"Read-only: may be sent back as read, the path's instance; another value is a 422."`
	UpdatedAt         *time.Time `json:"updatedAt,omitempty" nullable:"true" doc:"Read-only: may be sent back; its value is ignored (If-Match detects a concurrent put)."`
}

type createTemplateInput struct {
	Body NotificationTemplateCreate
}

type deleteNotificationTemplateInput struct {
	TemplateID string `path:"templateId" doc:"The notification template's id."`
	IfMatchHeader
}

type templateIDInput struct {
	TemplateID string `path:"templateId" doc:"The notification template's id."`
}

type updateTemplateInput struct {
	IfMatchHeader
	TemplateID string `path:"templateId" doc:"The notification template's id."`
	Body       NotificationTemplatePatch
	RawBody    []byte `contentType:"application/merge-patch+json"`
}

type renderTemplateInput struct {
	TemplateID string `path:"templateId" doc:"The notification template's id."`
	Body       NotificationRender
}

type listTemplatesInput struct {
	ProgramInstanceID string `query:"programInstanceId" maxLength:"64" doc:"Keep one instance's templates; \"default\" keeps the workspace defaults. An instance the key cannot see (of another workspace, or none) is a 422, as in GET /v1/enrollments."`
	Status            string `query:"status" enum:"candidate,eligible,ineligible,submitted,needs_action,approved,rejected,paused,unenrolled" doc:"Keep the templates for this status."`
	ListQuery
	SortQuery
}

type templateOutput struct {
	ETag string `header:"ETag" doc:"For If-Match on PATCH and DELETE."`
	Body *enroll.NotificationTemplate
}

type templateCreatedOutput struct {
	ETag     string `header:"ETag" doc:"For If-Match on PATCH and DELETE."`
	Location string `header:"Location" doc:"The new template's URL."`
	Body     *enroll.NotificationTemplate
}

type renderOutput struct {
	Body *renderedMessage
}

// renderedMessage is enroll.RenderedMessage as the API shows it, with a
// null html when the template has no HTML part.
type renderedMessage struct {
	Subject string  `json:"subject"`
	Text    string  `json:"text"`
	HTML    *string `json:"html" nullable:"true"`
}

type putSettingsInput struct {
	IfMatchHeader
	InstanceID string `path:"instanceId" doc:"The program instance's id."`
	Body       NotificationSettingsPut
}

type settingsOutput struct {
	ETag string `header:"ETag" doc:"For If-Match on PUT."`
	Body *enroll.NotificationSettings
}

type listNotificationsInput struct {
	EnrollmentID string `path:"enrollmentId" doc:"The enrollment's id."`
	Status       string `query:"status" enum:"pending,sent,failed,skipped" doc:"Keep notifications in this status."`
	ListQuery
}

// notifications returns the store's notification side (both stores have
// one).
func (s *Server) notifications() (enroll.NotificationStore, error) {
	ns, ok := s.store.(enroll.NotificationStore)
	if !ok {
		return nil, &enroll.Error{Code: enroll.EINTERNAL, Message: "This store keeps no notifications."}
	}
	return ns, nil
}

// checkTemplateScope refuses a key limited to program instances changing
// what is not one of its instances: another instance's template (404, as
// if absent) or a workspace default, which every instance uses (403).
func checkTemplateScope(ctx context.Context, instanceID string) error {
	if instanceID == "" {
		if len(limitedInstances(ctx)) > 0 {
			return enroll.Errorf(enroll.EFORBIDDEN, "This API key is limited to program instances; workspace default templates apply to every instance.")
		}
		return nil
	}
	return checkInstance(ctx, instanceID)
}

// findTemplate loads a template the key may see: its instance's, or a
// workspace default, which applies to the key's instances too.
func (s *Server) findTemplate(ctx context.Context, id string) (enroll.NotificationStore, *enroll.NotificationTemplate, error) {
	ns, err := s.notifications()
	if err != nil {
		return nil, nil, err
	}
	if !enroll.ValidID(id) {
		return nil, nil, notFound("Notification template", id)
	}
	t, err := ns.FindNotificationTemplate(ctx, workspaceFrom(ctx), id)
	if err != nil {
		return nil, nil, err
	}
	if t.ProgramInstanceID != "" && checkInstance(ctx, t.ProgramInstanceID) != nil {
		return nil, nil, notFound("Notification template", id)
	}
	return ns, t, nil
}

func (s *Server) createNotificationTemplate(ctx context.Context, in *createTemplateInput) (*templateCreatedOutput, error) {
	ns, err := s.notifications()
	if err != nil {
		return nil, err
	}
	b := in.Body
	if b.ProgramInstanceID != "" && !enroll.ValidID(b.ProgramInstanceID) {
		return nil, notFound("Program instance", b.ProgramInstanceID)
	}
	if err := checkTemplateScope(ctx, b.ProgramInstanceID); err != nil {
		return nil, err
	}
	t := &enroll.NotificationTemplate{ProgramInstanceID: b.ProgramInstanceID, Name: b.Name, Status: b.Status, Audience: b.Audience,
		Essential: b.Essential == nil || *b.Essential, Subject: b.Subject, Text: b.Text, HTML: b.HTML}
	if err := ns.CreateNotificationTemplate(ctx, actorFrom(ctx), t); err != nil {
		return nil, err
	}
	return &templateCreatedOutput{ETag: etagOf(t), Location: "/v1/notificationTemplates/" + t.ID, Body: t}, nil
}

func (s *Server) listNotificationTemplates(ctx context.Context, in *listTemplatesInput) (*bodyPage[*enroll.NotificationTemplate], error) {
	ns, err := s.notifications()
	if err != nil {
		return nil, err
	}
	f := enroll.NotificationTemplateFilter{Status: enroll.Status(in.Status), ListParams: in.params(in.Sort)}
	switch in.ProgramInstanceID {
	case "":
	case "default":
		f.WorkspaceDefaults = true
	default:
		// As GET /v1/enrollments's: an instance the key cannot see, of
		// another workspace or none, is a 422, not an empty list.
		inst, err := s.filterInstance(ctx, in.ProgramInstanceID)
		if err != nil {
			return nil, err
		}
		f.ProgramInstanceID = inst.ID
	}
	if ids := limitedInstances(ctx); len(ids) > 0 {
		// The key's instances' templates, and the defaults they use.
		f.InstanceIDs = append(append([]string{}, ids...), "")
	}
	page, err := ns.ListNotificationTemplates(ctx, workspaceFrom(ctx), f)
	if err != nil {
		return nil, err
	}
	return &bodyPage[*enroll.NotificationTemplate]{Body: page}, nil
}

func (s *Server) getNotificationTemplate(ctx context.Context, in *templateIDInput) (*templateOutput, error) {
	_, t, err := s.findTemplate(ctx, in.TemplateID)
	if err != nil {
		return nil, err
	}
	return &templateOutput{ETag: etagOf(t), Body: t}, nil
}

func (s *Server) updateNotificationTemplate(ctx context.Context, in *updateTemplateInput) (*templateOutput, error) {
	ns, t, err := s.findTemplate(ctx, in.TemplateID)
	if err != nil {
		return nil, err
	}
	if err := checkTemplateScope(ctx, t.ProgramInstanceID); err != nil {
		return nil, err
	}
	patch, err := parsePatch(in.RawBody)
	if err != nil {
		return nil, err
	}
	out, err := ns.UpdateNotificationTemplate(ctx, actorFrom(ctx), in.TemplateID, func(t *enroll.NotificationTemplate) error {
		if err := checkIfMatch(in.IfMatch, etagOf(t)); err != nil {
			return err
		}
		return applyPatch(t, patch, templatePatchable)
	})
	if err != nil {
		return nil, err
	}
	return &templateOutput{ETag: etagOf(out), Body: out}, nil
}

func (s *Server) deleteNotificationTemplate(ctx context.Context, in *deleteNotificationTemplateInput) (*struct{}, error) {
	ns, t, err := s.findTemplate(ctx, in.TemplateID)
	if err != nil {
		return nil, err
	}
	if err := checkTemplateScope(ctx, t.ProgramInstanceID); err != nil {
		return nil, err
	}
	return nil, ns.DeleteNotificationTemplate(ctx, actorFrom(ctx), in.TemplateID, ifMatch[enroll.NotificationTemplate](in.IfMatch))
}

// renderNotificationTemplate previews a template: on an enrollment of the
// workspace when one is named, else on a sample (with the template's
// program and instance when it has one), either with the body's
// overrides of its names, email and reason.
func (s *Server) renderNotificationTemplate(ctx context.Context, in *renderTemplateInput) (*renderOutput, error) {
	_, t, err := s.findTemplate(ctx, in.TemplateID)
	if err != nil {
		return nil, err
	}
	d := enroll.SampleNotificationData()
	b := in.Body
	instanceID := t.ProgramInstanceID
	if b.EnrollmentID != "" {
		if err := requireScope(ctx, enroll.ScopeEnrollmentsRead, "render a template for an enrollment"); err != nil {
			return nil, err
		}
		e, err := s.findEnrollment(ctx, b.EnrollmentID)
		if err != nil {
			return nil, err
		}
		if err := s.hideParameters(ctx, e); err != nil {
			return nil, err
		}
		d.Enrollment, d.PreviousStatus, instanceID = e, "", e.ProgramInstanceID
	} else {
		d.Enrollment.Eligibility.Status = t.Status
	}
	// The overrides apply to the enrollment named as to the sample: to see
	// a real enrollment's message with another reason, say.
	e := d.Enrollment
	for _, o := range []struct {
		dst *string
		v   string
	}{{&e.FirstName, b.FirstName}, {&e.LastName, b.LastName}, {&e.Email, b.Email}, {&e.Eligibility.Reason, b.Reason}} {
		if o.v != "" {
			*o.dst = o.v
		}
	}
	if instanceID != "" {
		inst, err := s.store.FindInstance(ctx, workspaceFrom(ctx), instanceID)
		if err != nil {
			return nil, err
		}
		prog, err := s.store.FindProgram(ctx, workspaceFrom(ctx), inst.ProgramID)
		if err != nil {
			return nil, err
		}
		d.Instance, d.Program = inst, prog
		// The instance's link, empty without a linkUrl, as messages have.
		d.Link = ""
		if ns, err := s.notifications(); err == nil {
			if st, err := ns.FindNotificationSettings(ctx, workspaceFrom(ctx), instanceID); err == nil && st.LinkURL != "" {
				d.Link = st.Link(d.Enrollment.ID)
			}
		}
	}
	switch {
	case t.Essential:
		d.UnsubscribeURL = "" // essential messages carry no unsubscribe link
	case s.cfg.PublicURL != "":
		// On the host the messages sent link to, as {{.link}} is the
		// instance's own.
		d.UnsubscribeURL = enroll.UnsubscribeURL(s.cfg.PublicURL, "uns_sample")
	}
	msg, err := t.Render(d)
	if err != nil {
		return nil, err
	}
	out := &renderedMessage{Subject: msg.Subject, Text: msg.Text}
	if msg.HTML != "" {
		out.HTML = &msg.HTML
	}
	return &renderOutput{Body: out}, nil
}

// documentRender says what a preview renders on, and that the overrides
// apply to an enrollment named as to the sample (docs/notifications.md).
func documentRender(op *huma.Operation) {
	op.Description += " Renders on the enrollment `enrollmentId` names (which also needs `enrollments:read`), or else on a " +
		"sample enrollment in the template's status. Either way `firstName`, `lastName`, `email` and `reason`, when given, " +
		"replace that enrollment's values in the preview; nothing is stored."
}

func (s *Server) getNotificationSettings(ctx context.Context, in *instanceIDInput) (*settingsOutput, error) {
	ns, err := s.notifications()
	if err != nil {
		return nil, err
	}
	if !enroll.ValidID(in.InstanceID) || checkInstance(ctx, in.InstanceID) != nil {
		return nil, notFound("Program instance", in.InstanceID)
	}
	st, err := ns.FindNotificationSettings(ctx, workspaceFrom(ctx), in.InstanceID)
	if err != nil {
		return nil, err
	}
	return &settingsOutput{ETag: etagOf(st), Body: st}, nil
}

// putNotificationSettings replaces an instance's settings, checking
// If-Match against the settings held, in the store's transaction. The
// defaults, never stored, have an ETag too, so a first PUT can be
// conditional.
func (s *Server) putNotificationSettings(ctx context.Context, in *putSettingsInput) (*settingsOutput, error) {
	ns, err := s.notifications()
	if err != nil {
		return nil, err
	}
	if !enroll.ValidID(in.InstanceID) || checkInstance(ctx, in.InstanceID) != nil {
		return nil, notFound("Program instance", in.InstanceID)
	}
	if id := in.Body.ProgramInstanceID; id != "" && id != in.InstanceID {
		var v enroll.Invalid
		v.Add("body.programInstanceId", "is read-only: the settings are those of the instance in the path", id)
		return nil, v.Err()
	}
	st := &enroll.NotificationSettings{ProgramInstanceID: in.InstanceID, Enabled: in.Body.Enabled,
		AdminEmails: in.Body.AdminEmails, LinkURL: in.Body.LinkURL}
	if err := ns.PutNotificationSettings(ctx, actorFrom(ctx), st, ifMatch[enroll.NotificationSettings](in.IfMatch)); err != nil {
		return nil, err
	}
	return &settingsOutput{ETag: etagOf(st), Body: st}, nil
}

// listEnrollmentNotifications lists the messages an enrollment's status
// changes sent; the newest one's template is the enrollment's template
// (the marketplace seed's enrollment.template). A key that may not read
// hidden parameter values gets them without their rendered texts when the
// instance declares some (enroll.Notification.WithheldFrom).
func (s *Server) listEnrollmentNotifications(ctx context.Context, in *listNotificationsInput) (*bodyPage[*enroll.Notification], error) {
	ns, err := s.notifications()
	if err != nil {
		return nil, err
	}
	if _, err := s.findEnrollment(ctx, in.EnrollmentID); err != nil {
		return nil, err
	}
	page, err := ns.ListNotifications(ctx, workspaceFrom(ctx), enroll.NotificationFilter{EnrollmentID: in.EnrollmentID,
		Status: enroll.NotificationStatus(in.Status), ListParams: in.params("")})
	if err != nil {
		return nil, err
	}
	hide := !seesHiddenParameters(ctx)
	insts := map[string]*enroll.ProgramInstance{}
	for i, n := range page.Data {
		page.Data[i] = n.Public()
		if !hide {
			continue
		}
		// Rendered from the whole enrollment, hidden values too.
		inst, ok := insts[n.ProgramInstanceID]
		if !ok {
			// An instance deleted since leaves inst nil: withheld.
			inst, err = s.store.FindInstance(ctx, workspaceFrom(ctx), n.ProgramInstanceID)
			if err != nil && enroll.ErrorCode(err) != enroll.ENOTFOUND {
				return nil, err
			}
			insts[n.ProgramInstanceID] = inst
		}
		page.Data[i] = page.Data[i].WithheldFrom(inst)
	}
	return &bodyPage[*enroll.Notification]{Body: page}, nil
}
