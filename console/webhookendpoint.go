package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/enrollhq/enroll"
)

// endpointData is an endpoint's page.
type endpointData struct {
	EP *enroll.WebhookEndpoint
	// Secret is the signing secret a create or rotation just made, shown
	// on this one page view only.
	Secret *shownSecret
	// PreviousSigning is set while a rotated-out secret still signs: never
	// while the secrets do not open (EP.SecretError), when none signs.
	PreviousSigning bool
	// Form edits the description and event types.
	Form endpointForm
	// Status is the delivery filter, one of Statuses or "" for all.
	Status   enroll.DeliveryStatus
	Statuses []deliveryFilterLink
	// Deliveries are the endpoint's deliveries, newest first.
	Deliveries []deliveryRow
	Pager      pager
	// Problem explains a page link that no longer fits the list.
	Problem string
	// DeleteProblem explains a refused deletion.
	DeleteProblem string
	// EventsLinked is set when event ids link to enrollment pages.
	EventsLinked bool
}

// errEndpointNotFound is the store's answer for an endpoint that is not
// there, for ids the store is not asked about.
func errEndpointNotFound(id string) error {
	return enroll.Errorf(enroll.ENOTFOUND, "Webhook endpoint %s not found.", id)
}

// findEndpoint loads endpoint id of the key's workspace.
func (c *Console) findEndpoint(ctx context.Context, rq *request, id string) (*enroll.WebhookEndpoint, error) {
	if !enroll.ValidID(id) {
		return nil, errEndpointNotFound(id)
	}
	return c.webhooks.FindWebhookEndpoint(ctx, rq.ws(), id)
}

// loadEndpoint gathers an endpoint's page: the endpoint and the page of
// its deliveries that query q asks for.
func (c *Console) loadEndpoint(ctx context.Context, rq *request, id string, q url.Values) (*endpointData, error) {
	ep, err := c.findEndpoint(ctx, rq, id)
	if err != nil {
		return nil, err
	}
	d := &endpointData{EP: ep, Form: newEndpointForm(ep.URL, ep.Description, ep.EventTypes),
		PreviousSigning: ep.SecretError == "" && ep.PreviousSecretExpiresAt != nil && c.now().Before(*ep.PreviousSecretExpiresAt)}
	if err := c.loadDeliveries(ctx, rq, d, q); err != nil {
		return nil, err
	}
	return d, nil
}

// webhookEndpoint shows an endpoint: its settings, the forms that change
// it, its deliveries and, once after a create or rotation, its secret.
func (c *Console) webhookEndpoint(w http.ResponseWriter, r *http.Request, rq *request) {
	if !c.mayManageWebhooks(w, r, rq) {
		return
	}
	d, err := c.loadEndpoint(r.Context(), rq, r.PathValue("id"), r.URL.Query())
	if err != nil {
		c.storeError(w, r, rq, err)
		return
	}
	if r.Method != http.MethodHead { // shown once: a HEAD would lose it
		d.Secret = c.sessions.takeSecret(r.Context(), rq.sess, d.EP.ID)
	}
	c.renderEndpoint(w, r, rq, http.StatusOK, d)
}

// renderEndpoint renders an endpoint's page.
func (c *Console) renderEndpoint(w http.ResponseWriter, r *http.Request, rq *request, status int, d *endpointData) {
	c.render(w, r, rq, status, "webhook", "Webhook "+d.EP.URL, d)
}

// refuseEndpoint shows the endpoint's page again with status, after a
// change it refused; explain says why on the page.
func (c *Console) refuseEndpoint(w http.ResponseWriter, r *http.Request, rq *request, id string, status int, explain func(*endpointData)) {
	d, err := c.loadEndpoint(r.Context(), rq, id, nil)
	if err != nil {
		c.storeError(w, r, rq, err)
		return
	}
	explain(d)
	c.renderEndpoint(w, r, rq, status, d)
}

// updateEndpoint changes endpoint id through fn, as the actor of rq.
func (c *Console) updateEndpoint(ctx context.Context, rq *request, id string, fn func(*enroll.WebhookEndpoint) error) (*enroll.WebhookEndpoint, error) {
	if !enroll.ValidID(id) {
		return nil, errEndpointNotFound(id)
	}
	return c.webhooks.UpdateWebhookEndpoint(ctx, rq.actor(), id, fn)
}

// editWebhook saves an endpoint's description and event types. Endpoints
// carry no version, so, as a PATCH without If-Match, the last save wins.
func (c *Console) editWebhook(w http.ResponseWriter, r *http.Request, rq *request) {
	if !c.mayManageWebhooks(w, r, rq) {
		return
	}
	id := r.PathValue("id")
	_, desc, types := readEndpointForm(r)
	_, err := c.updateEndpoint(r.Context(), rq, id, func(ep *enroll.WebhookEndpoint) error {
		if formText(ep.Description) != desc {
			// Else sent back as shown: keep the blanks and CRLFs the API
			// may have stored, which the form drops.
			ep.Description = desc
		}
		ep.EventTypes = types
		return nil
	})
	if err != nil {
		form, ok := refusedForm(err, "The changes were not saved", newEndpointForm("", desc, types))
		if !ok {
			c.storeError(w, r, rq, err)
			return
		}
		c.refuseEndpoint(w, r, rq, id, http.StatusUnprocessableEntity, func(d *endpointData) {
			form.URL = d.EP.URL
			d.Form = form
		})
		return
	}
	c.wakeDeliverer()
	c.sessions.setFlash(r.Context(), rq.sess, "Endpoint saved.")
	http.Redirect(w, r, endpointPath(id), http.StatusSeeOther)
}

// enableWebhook turns an endpoint on or off (the form's enabled field,
// "true" or "false"). Enabling one the service disabled after a 410 clears
// its disabledReason and resumes its queued deliveries.
func (c *Console) enableWebhook(w http.ResponseWriter, r *http.Request, rq *request) {
	if !c.mayManageWebhooks(w, r, rq) {
		return
	}
	var on bool
	switch r.PostFormValue("enabled") {
	case "true":
		on = true
	case "false":
	default:
		c.renderError(w, r, rq, http.StatusBadRequest, "Bad request", "The form could not be read.")
		return
	}
	id := r.PathValue("id")
	if _, err := c.updateEndpoint(r.Context(), rq, id, func(ep *enroll.WebhookEndpoint) error {
		ep.Enabled = on
		return nil
	}); err != nil {
		c.storeError(w, r, rq, err)
		return
	}
	msg := "Endpoint disabled. It receives no new events, and its pending deliveries wait, until it is enabled again."
	if on {
		c.wakeDeliverer()
		msg = "Endpoint enabled. It receives events again, and its pending deliveries resume."
	}
	c.sessions.setFlash(r.Context(), rq.sess, msg)
	http.Redirect(w, r, endpointPath(id), http.StatusSeeOther)
}

// rotateWebhookSecret gives an endpoint a new signing secret, shown once on
// the page it redirects to; the old one keeps signing alongside it for
// enroll.SecretRotationOverlap.
func (c *Console) rotateWebhookSecret(w http.ResponseWriter, r *http.Request, rq *request) {
	if !c.mayManageWebhooks(w, r, rq) {
		return
	}
	id := r.PathValue("id")
	ep, err := c.updateEndpoint(r.Context(), rq, id, func(ep *enroll.WebhookEndpoint) error {
		ep.RotateOnUpdate()
		return nil
	})
	if err != nil {
		c.storeError(w, r, rq, err)
		return
	}
	c.sessions.setSecret(r.Context(), rq.sess, ep, true)
	c.sessions.setFlash(r.Context(), rq.sess, "Signing secret rotated.")
	http.Redirect(w, r, endpointPath(id), http.StatusSeeOther)
}

// deleteWebhook deletes an endpoint and its deliveries, once the person
// has ticked the confirmation box (checked here too, not only by the
// browser).
func (c *Console) deleteWebhook(w http.ResponseWriter, r *http.Request, rq *request) {
	if !c.mayManageWebhooks(w, r, rq) {
		return
	}
	ctx := r.Context()
	id := r.PathValue("id")
	ep, err := c.findEndpoint(ctx, rq, id)
	if err != nil {
		c.storeError(w, r, rq, err)
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		c.refuseEndpoint(w, r, rq, id, http.StatusUnprocessableEntity, func(d *endpointData) {
			d.DeleteProblem = "Tick the box to confirm the deletion. Nothing was deleted."
		})
		return
	}
	if err := c.webhooks.DeleteWebhookEndpoint(ctx, rq.actor(), id, nil); errors.Is(err, enroll.ErrDeliveriesLeft) {
		// The endpoint is gone; its deliveries left are inert, and the
		// server's sweep of orphaned deliveries deletes them.
		c.logger.Warn("console: webhook endpoint deleted, some of its deliveries left for the next sweep", "err", err, "requestId", requestID(r))
		if c.sweepOrphans != nil {
			c.sweepOrphans()
		}
	} else if err != nil {
		c.storeError(w, r, rq, err)
		return
	}
	c.sessions.setFlash(r.Context(), rq.sess, "Endpoint "+ep.URL+" deleted, with its deliveries.")
	http.Redirect(w, r, Prefix+"/webhooks", http.StatusSeeOther)
}
