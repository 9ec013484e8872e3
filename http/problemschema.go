package http

import (
	"github.com/danielgtaylor/huma/v2"

	"github.com/enrollhq/enroll"
)

// TransformSchema documents the extension members some problems carry
// (enroll.Error.Extra), so that a client generated from the OpenAPI
// document can read them: each is present only on the problems its
// description names.
func (p *Problem) TransformSchema(_ huma.Registry, s *huma.Schema) *huma.Schema {
	statuses := make([]any, len(enroll.Statuses))
	for i, st := range enroll.Statuses {
		statuses[i] = string(st)
	}
	str := func(doc string) *huma.Schema { return &huma.Schema{Type: huma.TypeString, Description: doc} }
	status := func(doc string) *huma.Schema {
		return &huma.Schema{Type: huma.TypeString, Enum: statuses, Description: doc}
	}
	strs := func(doc string, items *huma.Schema) *huma.Schema {
		return &huma.Schema{Type: huma.TypeArray, Items: items, Description: doc}
	}
	deliveryStatuses := make([]any, len(enroll.DeliveryStatuses))
	for i, st := range enroll.DeliveryStatuses {
		deliveryStatuses[i] = string(st)
	}
	num := func(doc string) *huma.Schema { return &huma.Schema{Type: huma.TypeInteger, Description: doc} }
	extensions := map[string]*huma.Schema{
		"existingId": str("409: the object in the way: the open enrollment of the same participant in the instance " +
			"(or, on an enrollment's PATCH, the one holding the email it gives), " +
			"the customer with that email, the enrollment holding a unique parameter's value (not named for a hidden parameter), " +
			"or the notification template already set for the same instance (or workspace default), status and audience."),
		"parameter": str("409: the externalId of the unique parameter whose value another enrollment holds, or, " +
			"for an instance update refused for making a parameter unique, the parameter whose value enrollments share."),
		"value": str("409 (an instance update making a parameter unique, refused): the value open enrollments share, " +
			"as text (JSON for a value that is not a string)."),
		"enrollmentIds": strs("409 (an instance update making a parameter unique, refused): the open enrollments sharing the value, "+
			"in order of id, at most 10.", &huma.Schema{Type: huma.TypeString}),
		"currentStatus":   status("409 (a transition the workflow does not allow, or an approval refused for missing or invalid parameters): the enrollment's status."),
		"requestedStatus": status("409 (a transition the workflow does not allow): the status asked for."),
		"allowedStatuses": strs("409 (a transition the workflow does not allow): the statuses the enrollment may move to.", status("")),
		"invalidParameters": strs("409 (an approval refused for missing or invalid parameters): the externalIds of the parameters at fault.",
			&huma.Schema{Type: huma.TypeString}),
		"parameters": strs("422 (parameter values refused): the request's parameters, each with its error {id, message}.",
			&huma.Schema{Ref: "#/components/schemas/ParameterValue"}),
		"capacity":       num("409 (an approval beyond the instance's capacity): the instance's capacity."),
		"approved":       num("409 (an approval beyond the instance's capacity): the enrollments holding a place, approved or paused."),
		"deliveryStatus": &huma.Schema{Type: huma.TypeString, Enum: deliveryStatuses, Description: "409 (a redelivery of a delivery still pending): its status."},
		"idempotencyKey": &huma.Schema{Type: huma.TypeString, Enum: []any{"in_progress"}, Description: "409: the first request with this Idempotency-Key is still running."},
		"objectId":       str("409 (an Idempotency-Key replay whose object was deleted since): the id of the object the first request made."),
		enroll.AfterMember: &huma.Schema{Type: huma.TypeString, Enum: []any{enroll.AfterUnpublishedValue, enroll.AfterExpired},
			Description: "422 (GET /v1/events?after=): unpublished when after= names an event not yet published, the one 422 that passes " +
				"when the same request is sent again, within moments, once the dispatcher has published the event; expired when the " +
				"server's event retention deleted events the poll would list after its cursor, which is still there: the poll would " +
				"skip them, so start again from GET /v1/events without after."},
	}
	for name, ext := range extensions {
		s.Properties[name] = ext
	}
	return s
}
