package enroll

import (
	"math/rand/v2"
	"strings"
	"time"
)

// DeliveryStatus is where a webhook delivery stands.
type DeliveryStatus string

// The delivery statuses.
const (
	// DeliveryPending waits for its next attempt (or for an earlier event
	// of its stream to be delivered first).
	DeliveryPending DeliveryStatus = "pending"
	// DeliverySucceeded got a 2xx answer.
	DeliverySucceeded DeliveryStatus = "succeeded"
	// DeliveryFailed gave up: retried for DeliveryRetryWindow, or the
	// endpoint answered 410 Gone.
	DeliveryFailed DeliveryStatus = "failed"
)

// DeliveryStatuses lists every delivery status, in the order a delivery
// goes through them; the API's enums of a delivery status follow it.
var DeliveryStatuses = []DeliveryStatus{DeliveryPending, DeliverySucceeded, DeliveryFailed}

// Delivery retry policy (SPEC §6): exponential backoff with jitter, the
// first retry after about a second, doubling, at most an hour apart, for up
// to three days after the first attempt.
const (
	DeliveryFirstRetry  = time.Second
	DeliveryMaxBackoff  = time.Hour
	DeliveryRetryWindow = 72 * time.Hour
	// DeliveryTimeout bounds one attempt: connecting, sending and reading
	// the answer's status.
	DeliveryTimeout = 10 * time.Second
	// MaxDeliveryAttemptsKept bounds the attempts a delivery lists; the
	// oldest are dropped first (about 80 fit in three days).
	MaxDeliveryAttemptsKept = 100
	// maxDeliveryErrorLength bounds a stored attempt error.
	maxDeliveryErrorLength = 512
)

// WebhookDelivery is one event on its way to one endpoint, with every
// attempt made.
type WebhookDelivery struct {
	ID          string         `json:"id"`
	WorkspaceID string         `json:"-"`
	EndpointID  string         `json:"endpointId"`
	EventID     string         `json:"eventId"`
	EventType   EventType      `json:"eventType"`
	Status      DeliveryStatus `json:"status" enum:"pending,succeeded,failed"`
	// AttemptCount counts attempts, including ones no longer listed.
	AttemptCount int `json:"attemptCount"`
	// NextAttemptAt is, while pending, the earliest time of the next
	// attempt (see NotBefore); null once succeeded or failed.
	NextAttemptAt *time.Time `json:"nextAttemptAt" doc:"While pending, the earliest time of the next attempt: for a delivery queued behind an earlier one of the same object (ordered delivery), not before that one's next attempt. A time past means it is due and waits for a sender, for the earlier delivery's attempt under way, or for its endpoint to be enabled. Null once succeeded or failed."`
	// RedeliveryOf names the delivery this one sends again.
	RedeliveryOf string            `json:"redeliveryOf" nullable:"true"`
	Attempts     []DeliveryAttempt `json:"attempts"`
	CreatedAt    time.Time         `json:"createdAt"`
	UpdatedAt    time.Time         `json:"updatedAt"`
	// Stream orders deliveries: an endpoint gets the events of one stream
	// (one enrollment, program or instance) one at a time, in EventSeq
	// order. A redelivery is a stream of its own.
	Stream   string `json:"-"`
	EventSeq int64  `json:"-"`
}

// DeliveryAttempt is one POST of an event to an endpoint.
type DeliveryAttempt struct {
	At time.Time `json:"at"`
	// StatusCode is the receiver's HTTP status; 0, and null in the JSON,
	// when none came back (a timeout, a refused connection).
	StatusCode int `json:"statusCode" nullable:"true"`
	// DurationMs is how long the attempt took, in milliseconds.
	DurationMs int64 `json:"durationMs"`
	// Error says what went wrong: a timeout, a refused address, or the
	// start of a non-2xx answer's body.
	Error string `json:"error" nullable:"true"`
}

// MarshalJSON writes the delivery's representation, with null for a
// member without a value (nulljson.go).
func (d WebhookDelivery) MarshalJSON() ([]byte, error) {
	return marshalMembers(struct {
		ID            string            `json:"id"`
		EndpointID    string            `json:"endpointId"`
		EventID       string            `json:"eventId"`
		EventType     EventType         `json:"eventType"`
		Status        DeliveryStatus    `json:"status"`
		AttemptCount  int               `json:"attemptCount"`
		NextAttemptAt *time.Time        `json:"nextAttemptAt"`
		RedeliveryOf  *string           `json:"redeliveryOf"`
		Attempts      []DeliveryAttempt `json:"attempts"`
		CreatedAt     time.Time         `json:"createdAt"`
		UpdatedAt     time.Time         `json:"updatedAt"`
	}{d.ID, d.EndpointID, d.EventID, d.EventType, d.Status, d.AttemptCount, d.NextAttemptAt, orNull(d.RedeliveryOf),
		d.Attempts, d.CreatedAt, d.UpdatedAt})
}

// MarshalJSON writes the attempt with a null status code when no answer
// came back and a null error when it succeeded.
func (at DeliveryAttempt) MarshalJSON() ([]byte, error) {
	var code *int
	if at.StatusCode != 0 {
		code = &at.StatusCode
	}
	return marshalMembers(struct {
		At         time.Time `json:"at"`
		StatusCode *int      `json:"statusCode"`
		DurationMs int64     `json:"durationMs"`
		Error      *string   `json:"error"`
	}{at.At, code, at.DurationMs, orNull(at.Error)})
}

// Succeeded reports whether the attempt got a 2xx answer.
func (at DeliveryAttempt) Succeeded() bool { return at.StatusCode >= 200 && at.StatusCode < 300 }

// WebhookJob is a claimed delivery with what sending it needs.
type WebhookJob struct {
	Delivery *WebhookDelivery
	// URL and Secrets are the endpoint's at claim time.
	URL     string
	Secrets []string
	// EndpointUpdatedAt is the endpoint's UpdatedAt at claim time: a 410
	// disables the endpoint only if it has not changed since
	// (WebhookEndpoint.DisableGone).
	EndpointUpdatedAt time.Time
	// SecretsError, when set, says why the endpoint's secrets could not
	// be read (sealed under a key not configured, or damaged): the
	// attempt fails with it, sending nothing, and is retried as others.
	SecretsError string
	// Body is the event as GET /v1/events/{id} shows it.
	Body []byte
	// EventCreatedAt is when the event committed, for latency metrics.
	EventCreatedAt time.Time
	// LeaseUntil is when the claim's lease ends, to the microsecond. It
	// also names the lease: a finish records the attempt only while the
	// delivery still holds this one, so an attempt whose lease expired and
	// was claimed again, or that was recorded already, is not recorded
	// (again) over the new holder's.
	LeaseUntil time.Time
}

// DeliveryOutcome is what an attempt means for its delivery.
type DeliveryOutcome struct {
	Attempt DeliveryAttempt
	Status  DeliveryStatus
	// NextAttemptAt is set when Status is pending.
	NextAttemptAt *time.Time
	// DisableEndpoint is set when the receiver answered 410 Gone.
	DisableEndpoint bool
}

// DecideOutcome applies the retry policy to an attempt of d made at
// at.At: success, retry later with backoff and jitter, or give up (after
// DeliveryRetryWindow, or on 410 Gone, which also disables the endpoint).
// The wait runs from the attempt's end (at.At plus at.DurationMs): from
// its start, a receiver that times out after 10 s would be sent the next
// attempts back to back, the first waits having passed while it stalled.
// jitter returns a float in [0, 1); nil means math/rand.
func DecideOutcome(d *WebhookDelivery, at DeliveryAttempt, jitter func() float64) DeliveryOutcome {
	// The error quotes the receiver's answer, foreign text: a NUL in it,
	// which PostgreSQL's jsonb refuses, failed the record at every try.
	at.Error = messageText(at.Error)
	// To the microsecond, as every time the API writes (and PostgreSQL
	// keeps): the sender's clock reading has nanoseconds.
	at.At = at.At.Truncate(time.Microsecond)
	if len(at.Error) > maxDeliveryErrorLength {
		at.Error = strings.ToValidUTF8(at.Error[:maxDeliveryErrorLength], "")
	}
	o := DeliveryOutcome{Attempt: at}
	switch {
	case at.Succeeded():
		o.Status = DeliverySucceeded
	case at.StatusCode == 410:
		o.Status, o.DisableEndpoint = DeliveryFailed, true
	default:
		ended := at.At.Add(time.Duration(max(at.DurationMs, 0)) * time.Millisecond)
		next := ended.Add(DeliveryBackoff(d.AttemptCount+1, jitter)).Truncate(time.Microsecond)
		if next.Sub(d.CreatedAt) > DeliveryRetryWindow {
			o.Status = DeliveryFailed
		} else {
			o.Status, o.NextAttemptAt = DeliveryPending, &next
		}
	}
	return o
}

// DeliveryBackoff returns the wait after the n-th failed attempt (n ≥ 1):
// DeliveryFirstRetry doubling, capped at DeliveryMaxBackoff, scaled by a
// jitter factor in [0.75, 1.25) so receivers that failed together do not
// get their retries together.
func DeliveryBackoff(n int, jitter func() float64) time.Duration {
	if jitter == nil {
		jitter = rand.Float64
	}
	d := DeliveryMaxBackoff
	if n < 1 {
		n = 1
	}
	if n <= 30 {
		d = min(DeliveryFirstRetry<<(n-1), DeliveryMaxBackoff)
	}
	return time.Duration(float64(d) * (0.75 + jitter()/2))
}

// Apply records the outcome on d at now.
func (d *WebhookDelivery) Apply(o DeliveryOutcome, now time.Time) {
	d.AttemptCount++
	d.Attempts = append(d.Attempts, o.Attempt)
	if n := len(d.Attempts) - MaxDeliveryAttemptsKept; n > 0 {
		d.Attempts = append([]DeliveryAttempt(nil), d.Attempts[n:]...)
	}
	if d.Status == DeliveryPending {
		d.Status, d.NextAttemptAt = o.Status, o.NextAttemptAt
	}
	d.UpdatedAt = now
}

// NotBefore moves d's NextAttemptAt, while pending, to at when at is
// later. A delivery waits while an earlier one of its stream to the same
// endpoint is pending, so it cannot be attempted before that one's next
// attempt: the stores pass that time when they show a queued delivery,
// since its own due time, its creation until it heads its stream, would
// read as overdue while it waits for a retry hours away.
func (d *WebhookDelivery) NotBefore(at time.Time) {
	if d.Status == DeliveryPending && (d.NextAttemptAt == nil || at.After(*d.NextAttemptAt)) {
		d.NextAttemptAt = &at
	}
}

// NewDeliveries returns the deliveries of an event to the endpoints that
// want it: enabled, created no later than the event, and taking its type.
func NewDeliveries(e *Event, endpoints []*WebhookEndpoint, now time.Time) []*WebhookDelivery {
	var out []*WebhookDelivery
	for _, ep := range endpoints {
		if !ep.wantsEvent(e) {
			continue
		}
		out = append(out, &WebhookDelivery{ID: "whd_" + NewID(), WorkspaceID: e.WorkspaceID, EndpointID: ep.ID,
			EventID: e.ID, EventType: e.Type, Status: DeliveryPending, NextAttemptAt: &now,
			Attempts: []DeliveryAttempt{}, CreatedAt: now, UpdatedAt: now, Stream: e.ObjectID, EventSeq: e.Seq})
	}
	return out
}

// wantsEvent reports whether ep gets a delivery of e (NewDeliveries).
func (ep *WebhookEndpoint) wantsEvent(e *Event) bool {
	return ep.Enabled && ep.WorkspaceID == e.WorkspaceID && !ep.CreatedAt.After(e.CreatedAt) && ep.Wants(e.Type)
}

// DispatchDeliveryBudget bounds the deliveries one dispatch writes
// (DispatchDeliveries). A dispatch runs in a write transaction, on SQLite
// the one every workspace's writes wait for: taking its 500 events
// whatever their deliveries, a workspace with a thousand endpoints wrote
// half a million rows in one, and an import of 50 rows (48,500
// deliveries) held another workspace's write for 2.6 s. 5,000 take about
// a quarter of a second there.
const DispatchDeliveryBudget = 5000

// DispatchDeliveries returns how many of events, in order, one dispatch
// takes so that their deliveries to endpoints (by workspace, as
// NewDeliveries makes them) stay within budget: always at least one
// event, since the next dispatch would face the same first event.
func DispatchDeliveries(events []*Event, endpoints map[string][]*WebhookEndpoint, budget int) int {
	n := 0
	for i, e := range events {
		for _, ep := range endpoints[e.WorkspaceID] {
			if ep.wantsEvent(e) {
				n++
			}
		}
		if n > budget && i > 0 {
			return i
		}
	}
	return len(events)
}

// Redelivery returns a new delivery that sends d's event again to ep, its
// endpoint, at once and outside d's stream. It is refused (ECONFLICT) when
// ep is disabled, since nothing would be sent until it is enabled again
// (perhaps never, or past the retry window), against the "now" the
// redelivery promises; and when d is still pending: it will be attempted
// in its stream's order, and a copy sent at once could reach the endpoint
// before an earlier event of the same object that is still being retried.
func (d *WebhookDelivery) Redelivery(ep *WebhookEndpoint, now time.Time) (*WebhookDelivery, error) {
	if !ep.Enabled {
		return nil, &Error{Code: ECONFLICT, Message: "Webhook endpoint " + ep.ID + " is disabled, so a redelivery would not be sent: " +
			"enable it first, then redeliver."}
	}
	if d.Status == DeliveryPending {
		return nil, &Error{Code: ECONFLICT, Message: "Delivery " + d.ID + " is still pending: it is sent in order with the " +
			"other events of its object; redeliver it once it has succeeded or failed.", Extra: map[string]any{"deliveryStatus": d.Status}}
	}
	id := "whd_" + NewID()
	return &WebhookDelivery{ID: id, WorkspaceID: d.WorkspaceID, EndpointID: d.EndpointID, EventID: d.EventID,
		EventType: d.EventType, Status: DeliveryPending, NextAttemptAt: &now, RedeliveryOf: d.ID,
		Attempts: []DeliveryAttempt{}, CreatedAt: now, UpdatedAt: now, Stream: "redelivery:" + id, EventSeq: d.EventSeq}, nil
}

// DeliveryFilter selects an endpoint's deliveries, newest first.
type DeliveryFilter struct {
	Status  DeliveryStatus
	EventID string
	ListParams
}

// Hash is what the page tokens of the deliveries of endpointID that f
// selects are bound to (Normalize): the endpoint too, so that a token of
// one endpoint's list is refused by another's instead of starting it
// where the first endpoint's page ended.
func (f DeliveryFilter) Hash(endpointID string) uint64 {
	return HashFilter(struct{ S, E, Endpoint string }{string(f.Status), f.EventID, endpointID})
}
