package enroll

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// NotificationStatus is where a notification stands.
type NotificationStatus string

// The notification statuses.
const (
	// NotificationPending waits for its next attempt.
	NotificationPending NotificationStatus = "pending"
	// NotificationSent was accepted by the SMTP server.
	NotificationSent NotificationStatus = "sent"
	// NotificationFailed gave up: the server refused it for good, or
	// kept refusing for NotificationRetryWindow.
	NotificationFailed NotificationStatus = "failed"
	// NotificationSkipped was not sent, on purpose: no SMTP server is
	// configured, no valid recipient, or the recipient unsubscribed.
	// Reason says which.
	NotificationSkipped NotificationStatus = "skipped"
)

// NotificationRetryWindow is how long a notification the server refuses
// for now (4xx, or no connection) is retried, with DeliveryBackoff.
const NotificationRetryWindow = 24 * time.Hour

// Notification is one message to one recipient about one status change:
// the queue entry and the record of what was sent.
type Notification struct {
	ID          string `json:"id"`
	WorkspaceID string `json:"-"`
	// LeaseUntil is set on a claimed notification: when the claim's lease
	// ends, and which lease it is (a finish records only under it; see
	// WebhookJob.LeaseUntil). It is not part of the record.
	LeaseUntil time.Time `json:"-"`
	// Withheld marks a notification shown without its rendered subject
	// and bodies (null in JSON): see WithheldFrom. Never stored.
	Withheld          bool   `json:"-"`
	EnrollmentID      string `json:"enrollmentId"`
	ProgramInstanceID string `json:"programInstanceId"`
	// EventID is the enrollment.status_changed event that called for it.
	EventID          string               `json:"eventId"`
	EnrollmentStatus Status               `json:"enrollmentStatus" doc:"The status the enrollment reached."`
	Template         NotificationRef      `json:"template"`
	Audience         NotificationAudience `json:"audience"`
	Essential        bool                 `json:"essential"`
	// Recipient is one address; empty when there was none to send to.
	Recipient string             `json:"recipient"`
	Status    NotificationStatus `json:"status"`
	// Reason says why a notification was skipped or failed.
	Reason string `json:"reason" nullable:"true"`
	RenderedMessage
	// UnsubscribeToken is the recipient's unsubscribe token, set on
	// non-essential messages: the sender puts the link it makes in place
	// of UnsubscribeLinkMarker and in the List-Unsubscribe header. Kept in
	// the record, never shown by the API (see Public).
	UnsubscribeToken string                `json:"unsubscribeToken,omitempty" hidden:"true"`
	AttemptCount     int                   `json:"attemptCount"`
	NextAttemptAt    *time.Time            `json:"nextAttemptAt"`
	Attempts         []NotificationAttempt `json:"attempts"`
	SentAt           *time.Time            `json:"sentAt"`
	CreatedAt        time.Time             `json:"createdAt"`
	UpdatedAt        time.Time             `json:"updatedAt"`
}

// NotificationRef names the template a notification was made from, as
// the marketplace seed's enrollment.template does.
type NotificationRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// MarshalJSON writes the notification's representation, with null for a
// member without a value (nulljson.go). The unsubscribe token appears
// only in the stored record (see Public).
func (n Notification) MarshalJSON() ([]byte, error) {
	return marshalMembers(struct {
		ID                string                `json:"id"`
		EnrollmentID      string                `json:"enrollmentId"`
		ProgramInstanceID string                `json:"programInstanceId"`
		EventID           string                `json:"eventId"`
		EnrollmentStatus  Status                `json:"enrollmentStatus"`
		Template          NotificationRef       `json:"template"`
		Audience          NotificationAudience  `json:"audience"`
		Essential         bool                  `json:"essential"`
		Recipient         string                `json:"recipient"`
		Status            NotificationStatus    `json:"status"`
		Reason            *string               `json:"reason"`
		Subject           *string               `json:"subject"`
		Text              *string               `json:"text"`
		HTML              *string               `json:"html"`
		UnsubscribeToken  string                `json:"unsubscribeToken,omitempty"`
		AttemptCount      int                   `json:"attemptCount"`
		NextAttemptAt     *time.Time            `json:"nextAttemptAt"`
		Attempts          []NotificationAttempt `json:"attempts"`
		SentAt            *time.Time            `json:"sentAt"`
		CreatedAt         time.Time             `json:"createdAt"`
		UpdatedAt         time.Time             `json:"updatedAt"`
	}{n.ID, n.EnrollmentID, n.ProgramInstanceID, n.EventID, n.EnrollmentStatus, n.Template, n.Audience, n.Essential,
		n.Recipient, n.Status, orNull(n.Reason), n.withheldOr(&n.Subject), n.withheldOr(&n.Text), orNull(n.HTML),
		n.UnsubscribeToken, n.AttemptCount, n.NextAttemptAt, n.Attempts, n.SentAt, n.CreatedAt, n.UpdatedAt})
}

// withheldOr returns s, or nil (null) when n's bodies are withheld.
func (n *Notification) withheldOr(s *string) *string {
	if n.Withheld {
		return nil
	}
	return s
}

// MarshalJSON writes the attempt with a null error when the message was
// accepted.
func (at NotificationAttempt) MarshalJSON() ([]byte, error) {
	return marshalMembers(struct {
		At         time.Time `json:"at"`
		DurationMs int64     `json:"durationMs"`
		Error      *string   `json:"error"`
		Permanent  bool      `json:"permanent"`
	}{at.At, at.DurationMs, orNull(at.Error), at.Permanent})
}

// Public returns n as the API shows it: without its unsubscribe token,
// which would let any reader unsubscribe the recipient.
func (n *Notification) Public() *Notification {
	c := *n
	c.UnsubscribeToken = ""
	return &c
}

// renderFailedReason begins the reason of a notification whose template
// failed to render; the template package's error follows.
const renderFailedReason = "The template failed to render: "

// WithheldRenderFailure is the reason a failed render shows when
// WithheldFrom withholds its error.
const WithheldRenderFailure = "The template failed to render; the error is withheld, as it may quote hidden parameter values (they need programs:write)."

// WithheldFrom returns n as a key that may not read hidden parameter
// values sees it: when inst, n's instance, declares hidden parameters, or
// is gone (nil: which were hidden is no longer known), without its
// rendered subject and bodies (null) and without a failed render's error
// (which can quote a value, "range can't iterate over 999"). The text was
// rendered from the whole enrollment, and which of its parts came from a
// hidden value cannot be told. Otherwise n itself.
func (n *Notification) WithheldFrom(inst *ProgramInstance) *Notification {
	if inst != nil && !inst.HidesParameters() {
		return n
	}
	c := *n
	c.Withheld, c.RenderedMessage = true, RenderedMessage{}
	if strings.HasPrefix(c.Reason, renderFailedReason) {
		c.Reason = WithheldRenderFailure
	}
	return &c
}

// NotificationAttempt is one try at handing a message to the SMTP server.
type NotificationAttempt struct {
	At         time.Time `json:"at"`
	DurationMs int64     `json:"durationMs"`
	// Error is the server's refusal or the connection's failure; empty
	// when the message was accepted.
	Error string `json:"error" nullable:"true"`
	// Permanent marks a refusal not worth retrying (SMTP 5xx).
	Permanent bool `json:"permanent"`
}

// NotificationOutcome is what an attempt means for its notification.
type NotificationOutcome struct {
	Attempt NotificationAttempt
	Status  NotificationStatus
	// NextAttemptAt is set when Status is pending.
	NextAttemptAt *time.Time
	// Reason is set when Status is skipped or failed.
	Reason string
}

// DecideNotificationOutcome applies the retry policy of webhooks to an
// attempt of n: sent; failed at once on a permanent refusal; else retried
// after DeliveryBackoff until NotificationRetryWindow has passed. As for
// webhooks (DecideOutcome), the wait runs from the attempt's end (at.At
// plus at.DurationMs): from its start, an SMTP server that stalls until
// the 30-second timeout was tried again the moment each attempt ended.
// jitter returns a float in [0, 1); nil means math/rand.
func DecideNotificationOutcome(n *Notification, at NotificationAttempt, jitter func() float64) NotificationOutcome {
	// The error quotes the SMTP server's reply, foreign text: a NUL in it,
	// which PostgreSQL's jsonb refuses, failed the record at every try,
	// and the message was sent again at each lease's end, forever.
	at.Error = messageText(at.Error)
	if len(at.Error) > maxDeliveryErrorLength {
		at.Error = strings.ToValidUTF8(at.Error[:maxDeliveryErrorLength], "")
	}
	o := NotificationOutcome{Attempt: at}
	switch {
	case at.Error == "":
		o.Status = NotificationSent
	case at.Permanent:
		o.Status, o.Reason = NotificationFailed, at.Error
	default:
		ended := at.At.Add(time.Duration(max(at.DurationMs, 0)) * time.Millisecond)
		next := ended.Add(DeliveryBackoff(n.AttemptCount+1, jitter))
		if next.Sub(n.CreatedAt) > NotificationRetryWindow {
			o.Status, o.Reason = NotificationFailed, "Gave up after retrying for 24 hours: "+at.Error
		} else {
			o.Status, o.NextAttemptAt = NotificationPending, &next
		}
	}
	return o
}

// UnsubscribedReason is why a non-essential notification was not sent to
// an address that unsubscribed, whether before it was queued or before
// an attempt to send it.
const UnsubscribedReason = "The recipient unsubscribed from non-essential messages."

// SkipNotification is the outcome of a notification not sent on purpose,
// at at, for reason.
func SkipNotification(at time.Time, reason string) NotificationOutcome {
	return NotificationOutcome{Attempt: NotificationAttempt{At: at, Error: reason}, Status: NotificationSkipped, Reason: reason}
}

// Apply records the outcome on n at now. A notification no longer pending
// (finished by another sender whose lease expired) keeps its status.
func (n *Notification) Apply(o NotificationOutcome, now time.Time) {
	n.AttemptCount++
	n.Attempts = append(n.Attempts, o.Attempt)
	if k := len(n.Attempts) - MaxDeliveryAttemptsKept; k > 0 {
		n.Attempts = slices.Clone(n.Attempts[k:])
	}
	if n.Status == NotificationPending {
		n.Status, n.NextAttemptAt, n.Reason = o.Status, o.NextAttemptAt, o.Reason
		if o.Status == NotificationSent {
			at := o.Attempt.At
			n.SentAt = &at
		}
	}
	n.UpdatedAt = now
}

// NotificationSource is what a status change needs to become notifications.
type NotificationSource struct {
	// Event is the enrollment.status_changed event.
	Event    *Event
	Program  *Program
	Instance *ProgramInstance
	// Settings are the instance's; nil means the defaults.
	Settings *NotificationSettings
	// Templates are the candidates for the event's status: the instance's
	// and the workspace defaults. The instance's win.
	Templates []*NotificationTemplate
	// Unsubscribed reports whether an address unsubscribed from
	// non-essential messages; nil means none did.
	Unsubscribed func(email string) (bool, error)
	// UnsubscribeToken returns the token of an address's unsubscribe
	// links, made on first use; nil leaves non-essential messages without
	// one.
	UnsubscribeToken func(email string) (string, error)
}

// StatusChangeOf returns the enrollment an enrollment.status_changed
// event recorded and the status it left.
func StatusChangeOf(e *Event) (*Enrollment, Status, error) {
	var enr Enrollment
	if err := json.Unmarshal(e.Data.Object, &enr); err != nil {
		return nil, "", fmt.Errorf("decoding event %s: %w", e.ID, err)
	}
	enr.WorkspaceID = e.WorkspaceID
	var prev struct {
		Status Status `json:"status"`
	}
	if b, err := json.Marshal(e.Data.PreviousAttributes["eligibility"]); err == nil {
		_ = json.Unmarshal(b, &prev)
	}
	return &enr, prev.Status, nil
}

// NewNotifications returns the notifications a status change calls for, at
// now: for each audience, the template for the new status (the instance's,
// else the workspace default) addressed to each recipient. It renders each
// template at most twice, with and without the unsubscribe link's marker,
// whatever the number of recipients: each recipient's own link replaces
// the marker when the message is sent. A change with nowhere to go is recorded as skipped with its
// reason, so nothing is silently dropped; an instance with notifications
// off queues none.
func NewNotifications(src NotificationSource, now time.Time) ([]*Notification, error) {
	settings := src.Settings
	if settings == nil {
		settings = DefaultNotificationSettings(src.Instance.ID)
	}
	if !settings.Enabled || src.Event.Type != EventEnrollmentStatusChanged {
		return nil, nil
	}
	enr, prev, err := StatusChangeOf(src.Event)
	if err != nil {
		return nil, err
	}
	var out []*Notification
	for _, aud := range []NotificationAudience{AudienceParticipant, AudienceAdministrators} {
		t := pickTemplate(src.Templates, src.Instance.ID, enr.Eligibility.Status, aud)
		if t == nil {
			continue
		}
		renders := renderCache{t: t}
		recipients := []string{enr.Email}
		if aud == AudienceAdministrators {
			recipients = distinctEmails(settings.AdminEmails)
		}
		if len(recipients) == 0 {
			recipients = []string{""}
		}
		for _, r := range recipients {
			n := &Notification{ID: "ntf_" + NewID(), WorkspaceID: src.Event.WorkspaceID, EnrollmentID: enr.ID,
				ProgramInstanceID: src.Instance.ID, EventID: src.Event.ID, EnrollmentStatus: enr.Eligibility.Status,
				Template: NotificationRef{ID: t.ID, Name: t.Name}, Audience: aud, Essential: t.Essential, Recipient: r,
				Status: NotificationPending, NextAttemptAt: &now, Attempts: []NotificationAttempt{}, CreatedAt: now, UpdatedAt: now}
			if err := prepareNotification(n, src, &renders, enr, prev, settings); err != nil {
				return nil, err
			}
			out = append(out, n)
		}
	}
	return out, nil
}

// distinctEmails returns emails without the repeats of an address, case
// ignored (NormalizeEmail), the first of each kept: settings saved before
// Validate ignored case may list a mailbox twice, and it gets one copy.
func distinctEmails(emails []string) []string {
	var out []string
	seen := make(map[string]bool, len(emails))
	for _, e := range emails {
		if k := NormalizeEmail(e); !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}

// renderCache holds one template's renders for one status change: the
// data differs between recipients only by whether the message carries the
// unsubscribe link's marker.
type renderCache struct {
	t    *NotificationTemplate
	done [2]bool
	msg  [2]*RenderedMessage
	err  [2]error
}

// render renders d once per value of whether it carries the marker.
func (c *renderCache) render(d NotificationData) (*RenderedMessage, error) {
	i := 0
	if d.UnsubscribeURL != "" {
		i = 1
	}
	if !c.done[i] {
		c.msg[i], c.err[i] = c.t.Render(d)
		c.done[i] = true
	}
	return c.msg[i], c.err[i]
}

// prepareNotification decides whether n goes to its recipient (skipped,
// with the reason, when it cannot or may not) and renders it.
func prepareNotification(n *Notification, src NotificationSource, renders *renderCache, enr *Enrollment, prev Status, settings *NotificationSettings) error {
	skip := func(reason string) { n.Status, n.NextAttemptAt, n.Reason = NotificationSkipped, nil, reason }
	switch {
	case n.Recipient == "" && n.Audience == AudienceAdministrators:
		skip("The program instance has no administrator emails.")
	case !ValidEmailAddress(n.Recipient) && n.Audience == AudienceAdministrators:
		// Settings saved before addresses were validated may hold one.
		skip("The administrator email address is not a valid email address; correct the instance's adminEmails.")
	case !ValidEmailAddress(n.Recipient):
		skip("The enrollment has no valid email address.")
	case !n.Essential && src.Unsubscribed != nil:
		gone, err := src.Unsubscribed(n.Recipient)
		if err != nil {
			return err
		}
		if gone {
			skip(UnsubscribedReason)
		}
	}
	data := NotificationData{Enrollment: enr, Program: src.Program, Instance: src.Instance, PreviousStatus: prev, Link: settings.Link(enr.ID)}
	if !n.Essential && n.Status == NotificationPending && src.UnsubscribeToken != nil {
		tok, err := src.UnsubscribeToken(n.Recipient)
		if err != nil {
			return err
		}
		n.UnsubscribeToken, data.UnsubscribeURL = tok, UnsubscribeLinkMarker
	}
	msg, err := renders.render(data)
	switch {
	case err != nil && n.Status == NotificationPending:
		n.Status, n.NextAttemptAt, n.Reason = NotificationFailed, nil, renderFailedReason+ErrorMessage(err)
	case err == nil:
		n.RenderedMessage = *msg
	}
	return nil
}

// pickTemplate returns the instance's template for status and audience,
// else the workspace default, else nil.
func pickTemplate(ts []*NotificationTemplate, instanceID string, s Status, aud NotificationAudience) *NotificationTemplate {
	var def *NotificationTemplate
	for _, t := range ts {
		if t.Status != s || t.Audience != aud {
			continue
		}
		switch t.ProgramInstanceID {
		case instanceID:
			return t
		case "":
			def = t
		}
	}
	return def
}

// NotificationFilter selects notifications in a list, newest first.
type NotificationFilter struct {
	EnrollmentID string
	Status       NotificationStatus
	ListParams
}

// RenderClock adds up the time one dispatch spends making notifications,
// which is mostly rendering, so that the dispatch can stop taking events
// once they have taken its budget (WebhookStore.DispatchEvents): each
// render is bounded, but a dispatch takes hundreds of events inside one
// write transaction.
type RenderClock struct {
	budget, spent time.Duration
}

// NewRenderClock returns a clock for a dispatch with budget; 0 is no bound.
func NewRenderClock(budget time.Duration) *RenderClock {
	return &RenderClock{budget: budget}
}

// NewNotifications calls NewNotifications and adds its time to the clock.
func (c *RenderClock) NewNotifications(src NotificationSource, now time.Time) ([]*Notification, error) {
	start := time.Now()
	defer func() { c.spent += time.Since(start) }()
	return NewNotifications(src, now)
}

// Spent reports whether the budget is used up; never for no bound.
func (c *RenderClock) Spent() bool {
	return c.budget > 0 && c.spent >= c.budget
}
