package enroll

import (
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Notification limits.
const (
	// MaxNotificationSubjectLength bounds a template's subject source, in
	// characters, as the OpenAPI document's maxLength counts them.
	MaxNotificationSubjectLength = 1000
	// MaxNotificationBodyLength bounds each body source (text, HTML), in
	// characters.
	MaxNotificationBodyLength = 64 << 10
	// MaxAdminEmails bounds an instance's administrator addresses.
	MaxAdminEmails = 20
	// maxEmailLength bounds one address (RFC 5321's path limit).
	maxEmailLength = 254
)

// KindNotificationTemplate is the object POST /v1/notificationTemplates
// creates, for Idempotency-Key records.
const KindNotificationTemplate ObjectKind = "notificationTemplate"

// NotificationAudience says who receives a template's messages.
type NotificationAudience string

// The audiences.
const (
	// AudienceParticipant is the enrollment's own email address.
	AudienceParticipant NotificationAudience = "participant"
	// AudienceAdministrators are the instance's administrator addresses
	// (NotificationSettings.AdminEmails).
	AudienceAdministrators NotificationAudience = "administrators"
)

// DefaultAudience is the audience of a template for status s when none is
// given: a submission (new, or a needs_action answered) is news for the
// reviewers; every other status is news for the participant.
func DefaultAudience(s Status) NotificationAudience {
	if s == StatusSubmitted {
		return AudienceAdministrators
	}
	return AudienceParticipant
}

// NotificationTemplate is the message sent when an enrollment reaches a
// status: for one program instance, or, without ProgramInstanceID, the
// workspace's default for instances that have none for that status and
// audience. Sources are Go templates (text/template for Subject and Text,
// html/template, which escapes every value, for HTML) over NotificationData.
type NotificationTemplate struct {
	ID          string `json:"id"`
	WorkspaceID string `json:"-"`
	// ProgramInstanceID is empty for a workspace default.
	ProgramInstanceID string               `json:"programInstanceId" nullable:"true"`
	Name              string               `json:"name"`
	Status            Status               `json:"status"`
	Audience          NotificationAudience `json:"audience"`
	// Essential messages (decisions about the participant's enrollment) are
	// sent even to addresses that unsubscribed; the others carry an
	// unsubscribe link and honour it.
	Essential bool      `json:"essential"`
	Subject   string    `json:"subject"`
	Text      string    `json:"text"`
	HTML      string    `json:"html" nullable:"true"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// MarshalJSON writes the template's representation, with null for a
// member without a value (nulljson.go).
func (t NotificationTemplate) MarshalJSON() ([]byte, error) {
	return marshalMembers(struct {
		ID                string               `json:"id"`
		ProgramInstanceID *string              `json:"programInstanceId"`
		Name              string               `json:"name"`
		Status            Status               `json:"status"`
		Audience          NotificationAudience `json:"audience"`
		Essential         bool                 `json:"essential"`
		Subject           string               `json:"subject"`
		Text              string               `json:"text"`
		HTML              *string              `json:"html"`
		CreatedAt         time.Time            `json:"createdAt"`
		UpdatedAt         time.Time            `json:"updatedAt"`
	}{t.ID, orNull(t.ProgramInstanceID), t.Name, t.Status, t.Audience, t.Essential, t.Subject, t.Text, orNull(t.HTML),
		t.CreatedAt, t.UpdatedAt})
}

// NewNotificationTemplateID returns a new template id.
func NewNotificationTemplateID() string { return "ntt_" + NewID() }

// Validate checks the template's fields and that every source parses and
// names only known placeholders (see NotificationData). Locations are
// body members ("body.subject"). Returns EINVALID.
func (t *NotificationTemplate) Validate() error {
	var v Invalid
	checkName(&v, "body.name", t.Name, true)
	switch {
	case !t.Status.Valid():
		v.Add("body.status", "must be an enrollment status", string(t.Status))
	case t.Status == StatusCandidate:
		// Messages go out on a change of status, and none leads to
		// candidate (an enrollment starts there): such a template would
		// never be sent.
		v.Add("body.status", "must be a status an enrollment can move to; none moves to candidate", string(t.Status))
	}
	if t.Audience != AudienceParticipant && t.Audience != AudienceAdministrators {
		v.Add("body.audience", "must be participant or administrators", string(t.Audience))
	}
	switch {
	case strings.TrimSpace(t.Subject) == "":
		v.Add("body.subject", "is required", nil)
	case utf8.RuneCountInString(t.Subject) > MaxNotificationSubjectLength:
		v.Add("body.subject", "must be at most 1000 characters", nil)
	}
	if strings.TrimSpace(t.Text) == "" {
		v.Add("body.text", "is required: every message has a plain-text part", nil)
	}
	for _, f := range []struct{ loc, src string }{{"body.text", t.Text}, {"body.html", t.HTML}} {
		if utf8.RuneCountInString(f.src) > MaxNotificationBodyLength {
			v.Add(f.loc, "must be at most 65536 characters", nil)
		}
	}
	for _, f := range []struct {
		loc, src string
		html     bool
	}{{"body.subject", t.Subject, false}, {"body.text", t.Text, false}, {"body.html", t.HTML, true}} {
		if f.src == "" || hasNUL(f.src) {
			if hasNUL(f.src) {
				v.Add(f.loc, "must not contain NUL", nil)
			}
			continue
		}
		if err := checkTemplateSource(f.src, f.html); err != nil {
			v.Add(f.loc, err.Error(), nil)
		}
	}
	return v.Err()
}

// Prepare fills a template's defaults before validation: the audience
// its status calls for.
func (t *NotificationTemplate) Prepare() {
	if t.Audience == "" {
		t.Audience = DefaultAudience(t.Status)
	}
}

// TemplateConflict is the ECONFLICT of a template for an instance (or the
// workspace default), status and audience that already has one:
// existingID, when the store found it, is the problem's existingId.
func (t *NotificationTemplate) TemplateConflict(existingID string) error {
	where := "The workspace default"
	if t.ProgramInstanceID != "" {
		where = "Program instance " + t.ProgramInstanceID
	}
	e := Errorf(ECONFLICT, "%s already has a template for status %s and audience %s; change that one instead.", where, t.Status, t.Audience)
	if existingID != "" {
		e.Extra = map[string]any{"existingId": existingID}
	}
	return e
}

// NotificationTemplateFilter selects templates in a list, newest first.
type NotificationTemplateFilter struct {
	// ProgramInstanceID keeps one instance's templates; WorkspaceDefaults
	// keeps the workspace defaults instead.
	ProgramInstanceID string
	WorkspaceDefaults bool
	Status            Status
	// InstanceIDs, when set, keeps only these instances' templates (keys
	// limited to instances), never the workspace defaults.
	InstanceIDs []string
	ListParams
}

// NotificationSettings are a program instance's notification settings.
type NotificationSettings struct {
	ProgramInstanceID string `json:"programInstanceId"`
	// Enabled turns the instance's notifications on (the default) or off:
	// off, status changes queue none, and those queued are skipped at their
	// next attempt (notify.NotificationsOff).
	Enabled bool `json:"enabled"`
	// AdminEmails receive the administrators' messages (new submissions,
	// needs_action answered). None is listed twice, case ignored.
	AdminEmails []string `json:"adminEmails"`
	// LinkURL is the link messages offer ({{.link}}); "{enrollmentId}" in it
	// is replaced by the enrollment's id.
	LinkURL string `json:"linkUrl" nullable:"true"`
	// UpdatedAt is when the settings were last put; null for defaults.
	UpdatedAt *time.Time `json:"updatedAt"`
}

// MarshalJSON writes the settings, with a null link when they have none.
func (s NotificationSettings) MarshalJSON() ([]byte, error) {
	return marshalMembers(struct {
		ProgramInstanceID string     `json:"programInstanceId"`
		Enabled           bool       `json:"enabled"`
		AdminEmails       []string   `json:"adminEmails"`
		LinkURL           *string    `json:"linkUrl"`
		UpdatedAt         *time.Time `json:"updatedAt"`
	}{s.ProgramInstanceID, s.Enabled, s.AdminEmails, orNull(s.LinkURL), s.UpdatedAt})
}

// DefaultNotificationSettings are an instance's settings until changed.
func DefaultNotificationSettings(instanceID string) *NotificationSettings {
	return &NotificationSettings{ProgramInstanceID: instanceID, Enabled: true, AdminEmails: []string{}}
}

// Validate checks and normalizes the settings. Returns EINVALID.
func (s *NotificationSettings) Validate() error {
	return s.ValidateChange(nil)
}

// Replace makes s ready to replace old, the settings stored (or their
// defaults), at now, inside the store's write transaction: check (nil:
// none) sees old first, then s is checked as ValidateChange does and
// stamped with now. Returns check's error or EINVALID.
func (s *NotificationSettings) Replace(old *NotificationSettings, check func(*NotificationSettings) error, now time.Time) error {
	if check != nil {
		if err := check(old); err != nil {
			return err
		}
	}
	if err := s.ValidateChange(old); err != nil {
		return err
	}
	s.UpdatedAt = &now
	return nil
}

// ValidateChange checks settings that replace old (nil: none stored), as
// Validate does, except that an adminEmails list equal to old's is not
// checked for repeats, nor an address or a linkUrl old has for what only
// later checks refuse (mailboxProblem, linkUnsafe): settings saved before
// those checks stay savable as read. Returns EINVALID.
func (s *NotificationSettings) ValidateChange(old *NotificationSettings) error {
	var v Invalid
	if s.AdminEmails == nil {
		s.AdminEmails = []string{}
	}
	if len(s.AdminEmails) > MaxAdminEmails {
		v.Add("body.adminEmails", "must list at most 20 addresses", len(s.AdminEmails))
	}
	asStored := old != nil && slices.Equal(s.AdminEmails, old.AdminEmails)
	for i, a := range s.AdminEmails {
		// Compared as customers' emails are (NormalizeEmail): addresses
		// differing only in case are one mailbox, which would get two
		// copies of every message.
		first := slices.IndexFunc(s.AdminEmails, func(b string) bool { return NormalizeEmail(b) == NormalizeEmail(a) })
		// An address stored before mailboxProblem's stricter checks is
		// checked as it was then, so that settings sent back as read stay
		// savable.
		problem := mailboxProblem(a)
		if problem != "" && ValidEmailAddress(a) && old != nil && slices.Contains(old.AdminEmails, a) {
			problem = ""
		}
		switch {
		case problem != "":
			v.Add(loc("body.adminEmails", i), problem, a)
		case first == i, asStored: // the first of its mailbox, or as stored
		case s.AdminEmails[first] == a:
			v.Add(loc("body.adminEmails", i), "is listed twice", a)
		default:
			v.Add(loc("body.adminEmails", i), "is listed twice: "+s.AdminEmails[first]+" differs only in case, and case is ignored", a)
		}
	}
	if s.LinkURL != "" {
		// Checked with a stand-in for the placeholder, and refused with the
		// link as sent.
		var u Invalid
		link := strings.ReplaceAll(s.LinkURL, "{enrollmentId}", "x")
		checkWebhookURL(&u, "body.linkUrl", link, true,
			"must not carry credentials: every recipient of the message would see them")
		// A link stored before this check is left as it is.
		if len(u) == 0 && strings.ContainsAny(link, linkUnsafe) && (old == nil || s.LinkURL != old.LinkURL) {
			u.Add("body.linkUrl", "must not contain spaces or any of \" < > \\ ^ ` { | } but in {enrollmentId}: percent-encode them "+
				"(a space as %20), as a link in a message's text ends at the first space", s.LinkURL)
		}
		for _, f := range u {
			if f.Value != nil {
				f.Value = s.LinkURL
			}
			v = append(v, f)
		}
	}
	return v.Err()
}

// linkUnsafe are the characters a link may not hold unencoded: a space,
// which ends a link in a message's text, and the others RFC 3986 allows
// nowhere in a URI (url.Parse accepts them, and control characters not).
const linkUnsafe = " \"<>\\^`{|}"

// Link returns the settings' link for enrollment id, or "".
func (s *NotificationSettings) Link(enrollmentID string) string {
	return strings.ReplaceAll(s.LinkURL, "{enrollmentId}", enrollmentID)
}

// ValidEmailAddress reports whether s is one bare address (no display name,
// no line breaks) a message may be sent to.
func ValidEmailAddress(s string) bool {
	if s == "" || len(s) > maxEmailLength || strings.ContainsAny(s, "\r\n<>, ") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && bareAddress(s, a)
}

// bareAddress reports whether s, parsed as a, is what ValidEmailAddress
// accepts: the address alone, no longer than an email may be.
func bareAddress(s string, a *mail.Address) bool {
	return len(s) <= maxEmailLength && !strings.ContainsAny(s, "\r\n<>, ") && a.Address == s && a.Name == ""
}

// UpdateNotificationTemplate applies fn to a copy of old at now and returns
// the template to store: its id, workspace, instance and creation time
// kept, and its updatedAt too when fn changes nothing. Returns EINVALID or
// fn's error.
func UpdateNotificationTemplate(old *NotificationTemplate, fn func(*NotificationTemplate) error, now time.Time) (*NotificationTemplate, error) {
	t := *old
	if err := fn(&t); err != nil {
		return nil, err
	}
	t.ID, t.WorkspaceID, t.ProgramInstanceID, t.CreatedAt = old.ID, old.WorkspaceID, old.ProgramInstanceID, old.CreatedAt
	t.Prepare()
	if err := t.Validate(); err != nil {
		return nil, err
	}
	// A patch that changes nothing keeps updatedAt, and so the ETag, as
	// other resources' patches do.
	if t.UpdatedAt = old.UpdatedAt; t != *old {
		t.UpdatedAt = now
	}
	return &t, nil
}
