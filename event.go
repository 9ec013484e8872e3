package enroll

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// EventType names what happened.
type EventType string

// The event types. Each change writes its events in the same transaction.
const (
	EventEnrollmentCreated       EventType = "enrollment.created"
	EventEnrollmentUpdated       EventType = "enrollment.updated"
	EventEnrollmentStatusChanged EventType = "enrollment.status_changed"
	EventEnrollmentDeleted       EventType = "enrollment.deleted"
	EventProgramCreated          EventType = "program.created"
	EventProgramUpdated          EventType = "program.updated"
	EventProgramDeleted          EventType = "program.deleted"
	EventInstanceCreated         EventType = "programInstance.created"
	EventInstanceUpdated         EventType = "programInstance.updated"
	EventInstanceDeleted         EventType = "programInstance.deleted"
)

// EventTypes lists every event type.
var EventTypes = []EventType{
	EventEnrollmentCreated, EventEnrollmentUpdated, EventEnrollmentStatusChanged, EventEnrollmentDeleted,
	EventProgramCreated, EventProgramUpdated, EventProgramDeleted,
	EventInstanceCreated, EventInstanceUpdated, EventInstanceDeleted,
}

// Event records a change for other systems: the transactional outbox.
type Event struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"-"`
	Type        EventType `json:"type"`
	CreatedAt   time.Time `json:"createdAt"`
	Data        EventData `json:"data"`
	RequestID   string    `json:"requestId" nullable:"true"`
	// ActorKeyID is the API key that made the change; empty for the CLI
	// and the system. With the history it answers "who changed what".
	ActorKeyID string `json:"actorKeyId" nullable:"true"`
	// ObjectID is the id of the object the event is about, for filtering.
	ObjectID string `json:"-"`
	// InstanceID is the program instance the event belongs to, for keys
	// limited to instances (EventFilter.InstanceIDs): an enrollment's or
	// an instance's own; empty for program events.
	InstanceID string `json:"-"`
	// Seq orders events in their store; assigned on insert.
	Seq int64 `json:"-"`
}

// EventData holds the object as it is after the change and, for updates,
// the previous values of the fields that changed.
type EventData struct {
	Object             json.RawMessage `json:"object"`
	PreviousAttributes map[string]any  `json:"previousAttributes" nullable:"true"`
}

// NewEvent returns an event of type t about obj (whose id is objectID),
// caused by a.
func NewEvent(a Actor, t EventType, objectID string, obj any, prev map[string]any, now time.Time) *Event {
	b, err := json.Marshal(obj)
	if err != nil {
		b = []byte("null")
	}
	var inst string
	switch o := obj.(type) {
	case *Enrollment:
		inst = o.ProgramInstanceID
	case *ProgramInstance:
		inst = o.ID
	}
	return &Event{ID: "evt_" + NewID(), WorkspaceID: a.WorkspaceID, Type: t, CreatedAt: now,
		Data: EventData{Object: b, PreviousAttributes: prev}, RequestID: a.RequestID, ActorKeyID: a.KeyID, ObjectID: objectID,
		InstanceID: inst}
}

// Enrollment returns the enrollment an enrollment event carries, or nil
// for an event of another kind.
func (ev *Event) Enrollment() (*Enrollment, error) {
	if !strings.HasPrefix(string(ev.Type), "enrollment.") {
		return nil, nil
	}
	e := new(Enrollment)
	if err := json.Unmarshal(ev.Data.Object, e); err != nil {
		return nil, fmt.Errorf("event %s: %w", ev.ID, err)
	}
	return e, nil
}

// HideParameters removes the values of inst's hidden parameters from an
// enrollment event whose enrollment is e (ev.Enrollment()): from its
// object, as Enrollment.HideParameters does, and from its previous
// attributes. A nil inst, for an instance deleted since, removes every
// parameter value.
func (ev *Event) HideParameters(e *Enrollment, inst *ProgramInstance) error {
	n, evaluation := len(e.Parameters), e.Evaluation
	e.HideParameters(inst)
	if len(e.Parameters) != n || e.Evaluation != evaluation {
		b, err := e.JSON()
		if err != nil {
			return fmt.Errorf("event %s: %w", ev.ID, err)
		}
		ev.Data.Object = b
	}
	if prev, ok := ev.Data.PreviousAttributes["parameters"].([]any); ok {
		ev.Data.PreviousAttributes["parameters"] = slices.DeleteFunc(prev, func(v any) bool {
			p, _ := v.(map[string]any)
			id, _ := p["externalId"].(string)
			return inst.hides(id)
		})
	}
	// The evaluation before, with its trace, when the event changed it.
	if prev, ok := ev.Data.PreviousAttributes["evaluation"].(map[string]any); ok && inst.hidesAny() {
		if trace, ok := prev["trace"].([]any); ok {
			for _, r := range trace {
				if r, ok := r.(map[string]any); ok && r["outcome"] == string(RuleError) && r["message"] != nil {
					r["message"] = HiddenRuleError
				}
			}
		}
	}
	return nil
}

// EventFilter selects events in a list, newest first.
type EventFilter struct {
	Types    []EventType
	ObjectID string
	// After, an event id, lists the events committed after that one,
	// oldest first, for consumers that poll: pass the last id received.
	// Each poll is a page 0: Page and PageToken are refused
	// (CheckAfterPaging), Sort is ignored.
	After string
	// InstanceIDs, when not nil, keeps only the events that belong to one
	// of these instances or to none (Event.InstanceID): what a key limited
	// to them sees.
	InstanceIDs []string
	ListParams
}

// CheckAfterPaging refuses offset and token paging with After: a poll
// goes on with After the last id received, so a page past 0 would answer
// the first page again under another number, and a client walking
// totalPages would read the same events on every page. Returns EINVALID.
func (f EventFilter) CheckAfterPaging() error {
	if f.After == "" {
		return nil
	}
	var v Invalid
	if f.Page != 0 {
		v.Add("query.page", "must be 0 with after: a poll goes on with after= the last event id received", f.Page)
	}
	if f.PageToken != "" {
		v.Add("query.pageToken", "cannot be used with after: a poll goes on with after= the last event id received", f.PageToken)
	}
	return v.Err()
}

// ErrAfterUnknown is the EINVALID of an After that names no event the
// caller sees, with the id as sent.
func (f EventFilter) ErrAfterUnknown() error {
	return &Error{Code: EINVALID, Message: "after names no event of this workspace.",
		Fields: []FieldError{{Location: "query.after", Message: "names no event", Value: f.After}}}
}

// AfterUnpublished is the message at query.after of ErrAfterUnpublished:
// the one 422 that passes when sent again. Clients tell it by its
// extension member (AfterMember), which older servers do not
// send; by this message then.
const AfterUnpublished = "not yet published"

// AfterMember is the extension member of the problems of
// ErrAfterUnpublished and ErrAfterExpired, and AfterUnpublishedValue its
// value in the first ("after": "unpublished"), for clients to tell those
// 422s from the others without reading a message's words.
const (
	AfterMember           = "after"
	AfterUnpublishedValue = "unpublished"
)

// ErrAfterUnpublished is the EINVALID of an After that names an event
// not yet published (taken by DispatchEvents), with the id as sent.
func (f EventFilter) ErrAfterUnpublished() error {
	return &Error{Code: EINVALID, Message: "after names an event not yet published; retry in a moment.",
		Fields: []FieldError{{Location: "query.after", Message: AfterUnpublished, Value: f.After}},
		Extra:  map[string]any{AfterMember: AfterUnpublishedValue}}
}

// AfterExpired is the value of the member AfterMember of
// ErrAfterExpired's problem, by which clients tell it from the other 422s of after.
const AfterExpired = "expired"

// ErrAfterExpired is the EINVALID of an After whose event is still there
// but past which the event retention deleted events f may list: a page
// after it would skip them, so the poller starts again from a list
// without After. It carries the member after: AfterExpired.
func (f EventFilter) ErrAfterExpired() error {
	return &Error{Code: EINVALID,
		Message: "events after this one were deleted by the server's event retention; start again from GET /v1/events without after.",
		Fields:  []FieldError{{Location: "query.after", Message: "events after it were deleted by the event retention; start again without after", Value: f.After}},
		Extra:   map[string]any{AfterMember: AfterExpired}}
}

// ExpiryTypes returns the event types whose deletions by the retention an
// After poll of f must look for (ErrAfterExpired): f's types, or every
// type. An ObjectID is not looked at: every event of those types counts.
func (f EventFilter) ExpiryTypes() []EventType {
	if len(f.Types) > 0 {
		return f.Types
	}
	return EventTypes
}

// ByInstance reports whether a store should read f's events instance by
// instance, from an index of each instance's events: a key limited to
// instances lists them, and no one object's events, which the object's
// own index finds faster. Walking the workspace's events instead,
// skipping other instances', costs a quiet instance's list every event
// of the busy ones.
func (f EventFilter) ByInstance() bool {
	return f.InstanceIDs != nil && f.ObjectID == ""
}

// Sees reports whether the filter keeps events of instance id ("" for
// events of none): whether a key limited to InstanceIDs sees them.
func (f EventFilter) Sees(id string) bool {
	return f.InstanceIDs == nil || id == "" || slices.Contains(f.InstanceIDs, id)
}
