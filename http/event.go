package http

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/enrollhq/enroll"
)

type listEventsInput struct {
	Type         []string `query:"type,explode" doc:"Keep events of these types (repeatable or comma-separated), each one of enrollment.created, enrollment.updated, enrollment.status_changed, enrollment.deleted, program.created, program.updated, program.deleted, programInstance.created, programInstance.updated, programInstance.deleted; any other is a 422."`
	EnrollmentID string   `query:"enrollmentId" maxLength:"64" doc:"Keep the events of this enrollment (enrollment.* events: the id of a program or an instance lists none)."`
	After        string   `query:"after" maxLength:"64" doc:"An event id: list the events published after it, oldest first, for consumers that poll (pass the last id received): each poll is page 0 of the backlog after it, and page other than 0, or pageToken, is a 422. Events appear in commit order, so a poll never skips one that committed late. With the server's --event-retention, the newest event of each instance and type stays, so the cursor of a poller that polls within the retention does: an id of an event deleted is a 422, as an unknown one, and so is an id past which events this poll would list were deleted (with the member after \"expired\"; a poll by enrollmentId counts every enrollment event of the instances it sees): start again without after."`
	ListQuery
}

// Resolve lists unknown event types along with Huma's parameter errors.
func (in *listEventsInput) Resolve(huma.Context) []error {
	return checkValues("type", in.Type, func(t string) bool { return slices.Contains(enroll.EventTypes, enroll.EventType(t)) },
		"unknown event type")
}

type eventIDInput struct {
	EventID string `path:"eventId" doc:"The event's id."`
}

type eventOutput struct {
	Body *enroll.Event
}

func (s *Server) listEvents(ctx context.Context, in *listEventsInput) (*bodyPage[*enroll.Event], error) {
	f := enroll.EventFilter{ObjectID: in.EnrollmentID, After: in.After, InstanceIDs: limitedInstances(ctx), ListParams: in.params("")}
	var v enroll.Invalid
	for i, t := range splitValues(in.Type) {
		if !slices.Contains(enroll.EventTypes, enroll.EventType(t)) {
			v.Add("query.type["+strconv.Itoa(i)+"]", "unknown event type", t)
		}
		f.Types = append(f.Types, enroll.EventType(t))
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	// enrollmentId names an enrollment: given a program's or an instance's
	// id, which look the same, it must not list that object's own events.
	none := false
	if f.ObjectID != "" {
		if types := enrollmentEventTypes(f.Types); len(types) > 0 {
			f.Types = types
		} else {
			none = true // the store still checks after and pageToken
		}
	}
	page, err := s.store.ListEvents(ctx, workspaceFrom(ctx), f)
	if none && afterExpired(err) {
		// It lists nothing, so the retention deleted nothing it lists.
		err = nil
	}
	if err != nil {
		return nil, err
	}
	if none {
		page = enroll.NewPage[*enroll.Event](nil, f.ListParams, 0, nil)
	}
	return &bodyPage[*enroll.Event]{Body: page}, s.hideEventParameters(ctx, page.Data...)
}

// afterExpired reports whether err is a poll's ErrAfterExpired.
func afterExpired(err error) bool {
	var e *enroll.Error
	return errors.As(err, &e) && e.Extra[enroll.AfterMember] == enroll.AfterExpired
}

// enrollmentEventTypes returns the enrollment event types among types,
// or all of them when types is empty (no type filter): what a filter by
// enrollment may list. Empty when types names none of them.
func enrollmentEventTypes(types []enroll.EventType) []enroll.EventType {
	var out []enroll.EventType
	for _, t := range enroll.EventTypes {
		if strings.HasPrefix(string(t), "enrollment.") && (len(types) == 0 || slices.Contains(types, t)) {
			out = append(out, t)
		}
	}
	return out
}

func (s *Server) getEvent(ctx context.Context, in *eventIDInput) (*eventOutput, error) {
	if !enroll.ValidID(in.EventID) {
		return nil, notFound("Event", in.EventID)
	}
	e, err := s.store.FindEvent(ctx, workspaceFrom(ctx), in.EventID)
	if err != nil {
		return nil, err
	}
	if !eventVisible(ctx, e) {
		return nil, notFound("Event", in.EventID)
	}
	return &eventOutput{Body: e}, s.hideEventParameters(ctx, e)
}

// eventVisible reports whether the key may see an event: events about
// enrollments and instances belong to an instance; program events to all.
func eventVisible(ctx context.Context, e *enroll.Event) bool {
	key := keyFrom(ctx)
	if len(key.ProgramInstanceIDs) == 0 {
		return true
	}
	var obj struct {
		ID                string `json:"id"`
		ProgramInstanceID string `json:"programInstanceId"`
	}
	_ = json.Unmarshal(e.Data.Object, &obj)
	switch {
	case strings.HasPrefix(string(e.Type), "enrollment."):
		return key.SeesInstance(obj.ProgramInstanceID)
	case strings.HasPrefix(string(e.Type), "programInstance."):
		return key.SeesInstance(obj.ID)
	}
	return true
}

// eventTypeSchema stands for enroll.EventType in the OpenAPI document
// (documentEventTypes): a string, one of enroll.EventTypes.
type eventTypeSchema string

// Schema implements huma.SchemaProvider: the domain's list of event
// types, the one the server checks them against, so the document never
// lags behind it.
func (eventTypeSchema) Schema(huma.Registry) *huma.Schema {
	values := make([]any, len(enroll.EventTypes))
	for i, t := range enroll.EventTypes {
		values[i] = string(t)
	}
	return &huma.Schema{Type: huma.TypeString, Enum: values}
}

// documentEventTypes has every enroll.EventType in the document (an
// event's type, a delivery's eventType, an endpoint's eventTypes in its
// representation, create and patch bodies) declare the enum of event
// types, so that generated clients and validators know them. Registered
// before the routes, whose schemas it applies to; Huma then refuses an
// unknown type in a body, at the item, before the handler.
func documentEventTypes(schemas huma.Registry) {
	schemas.RegisterTypeAlias(reflect.TypeFor[enroll.EventType](), reflect.TypeFor[eventTypeSchema]())
}

// documentEventObject describes an event's data.object as the
// representation it carries, which Huma documents only as "any JSON" (a
// json.RawMessage): an enrollment for enrollment.* events, a program for
// program.*, a program instance for programInstance.*.
func documentEventObject(schemas huma.Registry) {
	data := schemas.Map()["EventData"]
	if data == nil || data.Properties["object"] == nil {
		panic("documentEventObject: no EventData.object")
	}
	object := &huma.Schema{Description: "The object as it is after the change (as it was, for a deletion): " +
		"an Enrollment for enrollment.* events, a Program for program.*, a ProgramInstance for programInstance.*."}
	for _, t := range []any{enroll.Enrollment{}, enroll.Program{}, enroll.ProgramInstance{}} {
		object.AnyOf = append(object.AnyOf, schemas.Schema(reflect.TypeOf(t), true, ""))
	}
	data.Properties["object"] = object
	data.PrecomputeMessages()
}
