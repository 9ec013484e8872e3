package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"

	"github.com/enrollhq/enroll"
)

// WebhookEndpointCreate is the body of CreateWebhookEndpoint.
type WebhookEndpointCreate struct {
	// URL receives a signed POST per event: http or https.
	URL string `json:"url"`
	// EventTypes are the types to send; empty means every type.
	EventTypes  []enroll.EventType `json:"eventTypes,omitempty"`
	Description string             `json:"description,omitempty"`
	// Enabled defaults to true.
	Enabled *bool `json:"enabled,omitempty"`
}

// DeliveryQuery selects an endpoint's deliveries. Empty fields do not
// filter.
type DeliveryQuery struct {
	Status enroll.DeliveryStatus
	// EventID keeps the deliveries of this event.
	EventID string
	// ListOptions pages the list, newest first; Sort is refused (422).
	ListOptions
}

func (q DeliveryQuery) values() url.Values {
	v := q.ListOptions.values()
	setIf(v, "status", string(q.Status))
	setIf(v, "eventId", q.EventID)
	return v
}

// CreateWebhookEndpoint creates a webhook endpoint. The answer is the only
// one that holds its signing secret (Secret).
func (c *Client) CreateWebhookEndpoint(ctx context.Context, in *WebhookEndpointCreate) (*enroll.WebhookEndpoint, error) {
	out, _, err := c.CreateWebhookEndpointETag(ctx, in)
	return out, err
}

// CreateWebhookEndpointETag is CreateWebhookEndpoint that also returns the endpoint's ETag, for the
// ifMatch of its first update or delete without reading it again.
func (c *Client) CreateWebhookEndpointETag(ctx context.Context, in *WebhookEndpointCreate) (*enroll.WebhookEndpoint, string, error) {
	return postETag[enroll.WebhookEndpoint](c, ctx, "/v1/webhookEndpoints", in)
}

// GetWebhookEndpoint returns a webhook endpoint, without its secret.
func (c *Client) GetWebhookEndpoint(ctx context.Context, id string) (*enroll.WebhookEndpoint, error) {
	ep, _, err := c.GetWebhookEndpointETag(ctx, id)
	return ep, err
}

// GetWebhookEndpointETag returns a webhook endpoint, without its secret,
// and its ETag, for the ifMatch of UpdateWebhookEndpoint and
// DeleteWebhookEndpoint. Rotating the secret changes it.
func (c *Client) GetWebhookEndpointETag(ctx context.Context, id string) (*enroll.WebhookEndpoint, string, error) {
	return getETag[enroll.WebhookEndpoint](c, ctx, "/v1/webhookEndpoints/"+esc(id))
}

// ListWebhookEndpoints returns a page of webhook endpoints, without their
// secrets. Endpoints have one order: o.Sort is refused (422).
func (c *Client) ListWebhookEndpoints(ctx context.Context, o ListOptions) (*enroll.Page[*enroll.WebhookEndpoint], error) {
	return get[enroll.Page[*enroll.WebhookEndpoint]](c, ctx, "/v1/webhookEndpoints", o.values())
}

// AllWebhookEndpoints returns every webhook endpoint, page after page,
// from the page o names on.
func (c *Client) AllWebhookEndpoints(ctx context.Context, o ListOptions) iter.Seq2[*enroll.WebhookEndpoint, error] {
	return pages(o, func(o ListOptions) (*enroll.Page[*enroll.WebhookEndpoint], error) {
		return c.ListWebhookEndpoints(ctx, o)
	})
}

// UpdateWebhookEndpoint applies a JSON merge patch to a webhook endpoint:
// enabling one the service disabled resumes its queued deliveries. A
// non-empty ifMatch makes a stale ETag a 412.
func (c *Client) UpdateWebhookEndpoint(ctx context.Context, id string, p any, ifMatch string) (*enroll.WebhookEndpoint, error) {
	out, _, err := c.UpdateWebhookEndpointETag(ctx, id, p, ifMatch)
	return out, err
}

// UpdateWebhookEndpointETag is UpdateWebhookEndpoint that also returns the endpoint's new
// ETag, for the ifMatch of the next write without reading it again.
func (c *Client) UpdateWebhookEndpointETag(ctx context.Context, id string, p any, ifMatch string) (*enroll.WebhookEndpoint, string, error) {
	return patchETag[enroll.WebhookEndpoint](c, ctx, "/v1/webhookEndpoints/"+esc(id), p, ifMatch)
}

// DeleteWebhookEndpoint deletes a webhook endpoint and its deliveries. A
// non-empty ifMatch makes a stale ETag a 412.
func (c *Client) DeleteWebhookEndpoint(ctx context.Context, id, ifMatch string) error {
	return c.del(ctx, "/v1/webhookEndpoints/"+esc(id), ifMatch)
}

// RotateWebhookSecret gives an endpoint a new signing secret, returned in
// Secret this once; the old one goes on signing too until
// PreviousSecretExpiresAt, 24 hours on.
func (c *Client) RotateWebhookSecret(ctx context.Context, id string) (*enroll.WebhookEndpoint, error) {
	return send[enroll.WebhookEndpoint](c, ctx, http.MethodPost, "/v1/webhookEndpoints/"+esc(id)+"/rotateSecret", nil)
}

// ListWebhookDeliveries returns a page of an endpoint's deliveries, newest
// first, each with every attempt.
func (c *Client) ListWebhookDeliveries(ctx context.Context, endpointID string, q DeliveryQuery) (*enroll.Page[*enroll.WebhookDelivery], error) {
	return get[enroll.Page[*enroll.WebhookDelivery]](c, ctx, "/v1/webhookEndpoints/"+esc(endpointID)+"/deliveries", q.values())
}

// AllWebhookDeliveries returns every delivery of an endpoint q selects,
// page after page, from the page q names on.
func (c *Client) AllWebhookDeliveries(ctx context.Context, endpointID string, q DeliveryQuery) iter.Seq2[*enroll.WebhookDelivery, error] {
	return pages(q.ListOptions, func(o ListOptions) (*enroll.Page[*enroll.WebhookDelivery], error) {
		q := q
		q.ListOptions = o
		return c.ListWebhookDeliveries(ctx, endpointID, q)
	})
}

// GetWebhookDelivery returns a delivery of an endpoint, with every attempt.
func (c *Client) GetWebhookDelivery(ctx context.Context, endpointID, deliveryID string) (*enroll.WebhookDelivery, error) {
	return get[enroll.WebhookDelivery](c, ctx, "/v1/webhookEndpoints/"+esc(endpointID)+"/deliveries/"+esc(deliveryID), nil)
}

// RedeliverWebhook sends a delivery's event again, now, and returns the new
// delivery (its RedeliveryOf names the first). A delivery still pending is
// a 409: it is sent in its turn.
func (c *Client) RedeliverWebhook(ctx context.Context, endpointID, deliveryID string) (*enroll.WebhookDelivery, error) {
	return send[enroll.WebhookDelivery](c, ctx, http.MethodPost,
		"/v1/webhookEndpoints/"+esc(endpointID)+"/deliveries/"+esc(deliveryID)+"/redeliver", nil)
}
