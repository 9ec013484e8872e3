package http

import (
	"context"
	"errors"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/enrollhq/enroll"
)

// WebhookEndpointCreate is the body of POST /v1/webhookEndpoints.
type WebhookEndpointCreate struct {
	URL         string             `json:"url" minLength:"1" maxLength:"2048" format:"uri" doc:"Receives a signed POST per event. http or https; private and loopback addresses are refused when sending unless the server runs with --webhook-allow-private."`
	EventTypes  []enroll.EventType `json:"eventTypes,omitempty" maxItems:"10" doc:"The event types to send; empty or absent means every type."`
	Description string             `json:"description,omitempty" nullable:"true" maxLength:"4096"`
	Enabled     *bool              `json:"enabled,omitempty" nullable:"true" default:"true"`
}

// WebhookEndpointPatch is the body of PATCH /v1/webhookEndpoints/{id}, a
// JSON merge patch.
type WebhookEndpointPatch struct {
	URL         *string            `json:"url,omitempty" minLength:"1" maxLength:"2048" format:"uri"`
	EventTypes  []enroll.EventType `json:"eventTypes,omitempty" maxItems:"10" nullable:"true" doc:"Empty or null means every type."`
	Description *string            `json:"description,omitempty" maxLength:"4096" nullable:"true"`
	Enabled     *bool              `json:"enabled,omitempty" doc:"Enabling an endpoint the service disabled (after a 410) resumes its queued deliveries."`
	// Members a client may echo back from a GET; they change nothing.
	DisabledReason          any `json:"disabledReason,omitempty" hidden:"true"`
	PreviousSecretExpiresAt any `json:"previousSecretExpiresAt,omitempty" hidden:"true"`
	ReadOnlyMembers
}

var webhookPatchable = patchMembers{"url": false, "eventTypes": true, "description": true, "enabled": false}

type createWebhookEndpointInput struct {
	Body WebhookEndpointCreate
}

type deleteWebhookEndpointInput struct {
	EndpointID string `path:"endpointId" doc:"The webhook endpoint's id."`
	IfMatchHeader
}

type webhookEndpointIDInput struct {
	EndpointID string `path:"endpointId" doc:"The webhook endpoint's id."`
}

type updateWebhookEndpointInput struct {
	IfMatchHeader
	EndpointID string `path:"endpointId" doc:"The webhook endpoint's id."`
	Body       WebhookEndpointPatch
	RawBody    []byte `contentType:"application/merge-patch+json"`
}

type listWebhookEndpointsInput struct {
	ListQuery
}

type webhookEndpointOutput struct {
	ETag string `header:"ETag" doc:"For If-Match on PATCH and DELETE."`
	Body *enroll.WebhookEndpoint
}

type webhookEndpointCreatedOutput struct {
	ETag     string `header:"ETag" doc:"For If-Match on PATCH and DELETE."`
	Location string `header:"Location" doc:"The new endpoint's URL."`
	Body     *enroll.WebhookEndpoint
}

type listDeliveriesInput struct {
	EndpointID string `path:"endpointId" doc:"The webhook endpoint's id."`
	Status     string `query:"status" enum:"pending,succeeded,failed" doc:"Keep deliveries in this status."`
	EventID    string `query:"eventId" maxLength:"64" doc:"Keep deliveries of this event."`
	ListQuery
}

type deliveryIDInput struct {
	EndpointID string `path:"endpointId" doc:"The webhook endpoint's id."`
	DeliveryID string `path:"deliveryId" doc:"The delivery's id."`
}

type deliveryOutput struct {
	Body *enroll.WebhookDelivery
}

type deliveryCreatedOutput struct {
	Location string `header:"Location" doc:"The new delivery's URL."`
	Body     *enroll.WebhookDelivery
}

// webhooks returns the store's webhook side (both stores have one) for a
// key that may manage webhooks. An endpoint receives every event of the
// workspace, so a key limited to some program instances may not (as
// authenticate refuses it first, by wholeWorkspace).
func (s *Server) webhooks(ctx context.Context) (enroll.WebhookStore, error) {
	if len(limitedInstances(ctx)) > 0 {
		return nil, &enroll.Error{Code: enroll.EFORBIDDEN, Message: limitedWebhooksWhy}
	}
	ws, ok := s.store.(enroll.WebhookStore)
	if !ok {
		return nil, &enroll.Error{Code: enroll.EINTERNAL, Message: "This store keeps no webhooks."}
	}
	return ws, nil
}

// webhookEndpoint is webhooks for a route about endpoint id: an id no
// store could hold is a 404 at once.
func (s *Server) webhookEndpoint(ctx context.Context, id string) (enroll.WebhookStore, error) {
	ws, err := s.webhooks(ctx)
	if err != nil {
		return nil, err
	}
	if !enroll.ValidID(id) {
		return nil, notFound("Webhook endpoint", id)
	}
	return ws, nil
}

func (s *Server) createWebhookEndpoint(ctx context.Context, in *createWebhookEndpointInput) (*webhookEndpointCreatedOutput, error) {
	ws, err := s.webhooks(ctx)
	if err != nil {
		return nil, err
	}
	b := in.Body
	ep := &enroll.WebhookEndpoint{URL: b.URL, EventTypes: b.EventTypes, Description: b.Description, Enabled: b.Enabled == nil || *b.Enabled}
	if err := ws.CreateWebhookEndpoint(ctx, actorFrom(ctx), ep); err != nil {
		return nil, err
	}
	s.wakeWebhooks()
	return &webhookEndpointCreatedOutput{ETag: etagOf(ep), Location: "/v1/webhookEndpoints/" + ep.ID, Body: ep}, nil
}

func (s *Server) listWebhookEndpoints(ctx context.Context, in *listWebhookEndpointsInput) (*bodyPage[*enroll.WebhookEndpoint], error) {
	ws, err := s.webhooks(ctx)
	if err != nil {
		return nil, err
	}
	page, err := ws.ListWebhookEndpoints(ctx, workspaceFrom(ctx), in.params(""))
	if err != nil {
		return nil, err
	}
	return &bodyPage[*enroll.WebhookEndpoint]{Body: page}, nil
}

func (s *Server) getWebhookEndpoint(ctx context.Context, in *webhookEndpointIDInput) (*webhookEndpointOutput, error) {
	ws, err := s.webhookEndpoint(ctx, in.EndpointID)
	if err != nil {
		return nil, err
	}
	ep, err := ws.FindWebhookEndpoint(ctx, workspaceFrom(ctx), in.EndpointID)
	if err != nil {
		return nil, err
	}
	return &webhookEndpointOutput{ETag: etagOf(ep), Body: ep}, nil
}

func (s *Server) updateWebhookEndpoint(ctx context.Context, in *updateWebhookEndpointInput) (*webhookEndpointOutput, error) {
	ws, err := s.webhookEndpoint(ctx, in.EndpointID)
	if err != nil {
		return nil, err
	}
	patch, err := parsePatch(in.RawBody)
	if err != nil {
		return nil, err
	}
	ep, err := ws.UpdateWebhookEndpoint(ctx, actorFrom(ctx), in.EndpointID, func(ep *enroll.WebhookEndpoint) error {
		if err := checkIfMatch(in.IfMatch, etagOf(ep)); err != nil {
			return err
		}
		return applyPatch(ep, patch, webhookPatchable)
	})
	if err != nil {
		return nil, err
	}
	s.wakeWebhooks()
	return &webhookEndpointOutput{ETag: etagOf(ep), Body: ep}, nil
}

func (s *Server) deleteWebhookEndpoint(ctx context.Context, in *deleteWebhookEndpointInput) (*struct{}, error) {
	ws, err := s.webhookEndpoint(ctx, in.EndpointID)
	if err != nil {
		return nil, err
	}
	err = ws.DeleteWebhookEndpoint(ctx, actorFrom(ctx), in.EndpointID, ifMatch[enroll.WebhookEndpoint](in.IfMatch))
	if errors.Is(err, enroll.ErrDeliveriesLeft) {
		// The endpoint is gone, and a retry would get a 404: what is
		// left is inert, for the sweep to delete.
		s.logger.Warn("webhook endpoint deleted, some of its deliveries left for the next sweep", "err", err, "requestId", requestID(ctx))
		s.SweepOrphanedDeliveries()
		return nil, nil
	}
	return nil, err
}

func (s *Server) rotateWebhookSecret(ctx context.Context, in *webhookEndpointIDInput) (*webhookEndpointOutput, error) {
	ws, err := s.webhookEndpoint(ctx, in.EndpointID)
	if err != nil {
		return nil, err
	}
	ep, err := ws.UpdateWebhookEndpoint(ctx, actorFrom(ctx), in.EndpointID, func(ep *enroll.WebhookEndpoint) error {
		ep.RotateOnUpdate()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &webhookEndpointOutput{ETag: etagOf(ep), Body: ep}, nil
}

// documentRotate says how many secrets sign at once (docs/webhooks.md).
func documentRotate(op *huma.Operation) {
	op.Description += " The answer shows the new secret, once. Deliveries are then signed with it and with each earlier secret " +
		"still within its 24 hours, at most " + strconv.Itoa(enroll.MaxEarlierSecrets) + " of them, the most recent: " +
		"a rotation beyond stops the oldest earlier secret at once, so that a delivery carries at most " +
		strconv.Itoa(1+enroll.MaxEarlierSecrets) + " signatures. On an endpoint whose secret does not open (secretError set), " +
		"the new secret replaces it and signs alone: secretError and previousSecretExpiresAt are then null."
}

func (s *Server) listWebhookDeliveries(ctx context.Context, in *listDeliveriesInput) (*bodyPage[*enroll.WebhookDelivery], error) {
	ws, err := s.webhookEndpoint(ctx, in.EndpointID)
	if err != nil {
		return nil, err
	}
	f := enroll.DeliveryFilter{Status: enroll.DeliveryStatus(in.Status), EventID: in.EventID, ListParams: in.params("")}
	page, err := ws.ListWebhookDeliveries(ctx, workspaceFrom(ctx), in.EndpointID, f)
	if err != nil {
		return nil, err
	}
	return &bodyPage[*enroll.WebhookDelivery]{Body: page}, nil
}

func (s *Server) getWebhookDelivery(ctx context.Context, in *deliveryIDInput) (*deliveryOutput, error) {
	ws, err := s.webhookEndpoint(ctx, in.EndpointID)
	if err != nil {
		return nil, err
	}
	if !enroll.ValidID(in.DeliveryID) {
		return nil, notFound("Webhook delivery", in.DeliveryID)
	}
	d, err := ws.FindWebhookDelivery(ctx, workspaceFrom(ctx), in.EndpointID, in.DeliveryID)
	if err != nil {
		return nil, err
	}
	return &deliveryOutput{Body: d}, nil
}

func (s *Server) redeliverWebhook(ctx context.Context, in *deliveryIDInput) (*deliveryCreatedOutput, error) {
	ws, err := s.webhookEndpoint(ctx, in.EndpointID)
	if err != nil {
		return nil, err
	}
	if !enroll.ValidID(in.DeliveryID) {
		return nil, notFound("Webhook delivery", in.DeliveryID)
	}
	d, err := ws.RedeliverWebhook(ctx, actorFrom(ctx), in.EndpointID, in.DeliveryID)
	if err != nil {
		return nil, err
	}
	s.wakeWebhooks()
	return &deliveryCreatedOutput{Location: "/v1/webhookEndpoints/" + d.EndpointID + "/deliveries/" + d.ID, Body: d}, nil
}

// wakeWebhooks tells the deliverer, when the server has one, that there is
// work now rather than at its next poll.
func (s *Server) wakeWebhooks() {
	if s.cfg.WakeWebhooks != nil {
		s.cfg.WakeWebhooks()
	}
}
