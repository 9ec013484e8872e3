package console

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/enrollhq/enroll"
)

// Webhooks (issue 5): the workspace's endpoints and a form to add one
// (this file), each endpoint's page with its settings, secret rotation
// and deletion (webhookendpoint.go), and its recent deliveries with their
// attempts and redelivery (webhookdelivery.go). Everything goes through
// the store's enroll.WebhookStore with the API's rules: webhooks:write,
// and a key that sees every program instance.

// webhooksPerPage is the endpoint list's page size; a workspace has a few.
const webhooksPerPage = 50

// webhooksData is the Webhooks page: the endpoints and the form to add one.
type webhooksData struct {
	Endpoints []endpointRow
	Pager     pager
	Form      endpointForm
	// Problem explains a page link that no longer fits the list.
	Problem string
}

// endpointRow is one endpoint in the list.
type endpointRow struct {
	EP  *enroll.WebhookEndpoint
	URL string
}

// endpointForm is the form that adds an endpoint or edits one, with what
// the person entered and the store's objections.
type endpointForm struct {
	URL         string
	Description string
	Types       []typeChoice
	// Errors are messages by field: url, description, eventTypes.
	Errors map[string]string
	// Problem sums up a refusal above the form.
	Problem string
}

// typeChoice is an event type's checkbox.
type typeChoice struct {
	Type    enroll.EventType
	Checked bool
}

// newEndpointForm returns the form showing url, desc and the chosen types.
func newEndpointForm(url, desc string, types []enroll.EventType) endpointForm {
	// What was typed is shown again as text, its bytes that are not UTF-8
	// replaced (the store refuses them, under the field).
	f := endpointForm{URL: typed(url), Description: typed(desc), Errors: map[string]string{}}
	for _, t := range enroll.EventTypes {
		f.Types = append(f.Types, typeChoice{Type: t, Checked: slices.Contains(types, t)})
	}
	return f
}

// endpointPath is the console page of endpoint id.
func endpointPath(id string) string { return Prefix + "/webhooks/" + id }

// mayManageWebhooks answers 403 and returns false unless rq's key may
// manage webhooks: it needs webhooks:write and, as in the API, must see
// every program instance, because an endpoint receives every event of the
// workspace. It is checked before anything is read or changed.
func (c *Console) mayManageWebhooks(w http.ResponseWriter, r *http.Request, rq *request) bool {
	if !rq.has(enroll.ScopeWebhooksWrite) {
		c.forbidden(w, r, rq, enroll.ScopeWebhooksWrite, "manage webhooks")
		return false
	}
	if rq.limited() != nil {
		c.limitedForbidden(w, r, rq, "manage webhooks: an endpoint receives every event of the workspace")
		return false
	}
	return true
}

// webhookList shows the endpoints and the form to add one.
func (c *Console) webhookList(w http.ResponseWriter, r *http.Request, rq *request) {
	if !c.mayManageWebhooks(w, r, rq) {
		return
	}
	c.renderWebhookList(w, r, rq, http.StatusOK, newEndpointForm("", "", nil))
}

// renderWebhookList renders the Webhooks page with form, newest endpoints
// first, a page at a time.
func (c *Console) renderWebhookList(w http.ResponseWriter, r *http.Request, rq *request, status int, form endpointForm) {
	ctx := r.Context()
	q := r.URL.Query()
	prev := prevTokens(q)
	p := enroll.ListParams{PerPage: webhooksPerPage, PageToken: q.Get("pageToken")}
	d := webhooksData{Form: form}
	pg, err := c.webhooks.ListWebhookEndpoints(ctx, rq.ws(), p)
	if enroll.ErrorCode(err) == enroll.EINVALID && p.PageToken != "" {
		d.Problem = "That page link no longer fits this list; showing the first page."
		p.PageToken, prev = "", nil
		pg, err = c.webhooks.ListWebhookEndpoints(ctx, rq.ws(), p)
	}
	if err == nil {
		var back bool
		pg, back, err = backToRows(pg, &p.PageToken, &prev, func() (*enroll.Page[*enroll.WebhookEndpoint], error) {
			return c.webhooks.ListWebhookEndpoints(ctx, rq.ws(), p)
		})
		if back {
			d.Problem = "The page you were on has no endpoints left, so the one before it is shown."
		}
	}
	if err != nil {
		c.storeError(w, r, rq, err)
		return
	}
	for _, ep := range pg.Data {
		d.Endpoints = append(d.Endpoints, endpointRow{EP: ep, URL: endpointPath(ep.ID)})
	}
	d.Pager = newPager(Prefix+"/webhooks", nil, prev, p.PageToken, string(pg.NextPageToken), pg.Page, pg.TotalPages, pg.TotalItems)
	d.Pager.One, d.Pager.Many = "endpoint", "endpoints"
	c.render(w, r, rq, status, "webhooks", "Webhooks", d)
}

// createWebhook adds an endpoint, enabled, and sends the browser to its
// page, which shows the new signing secret once.
func (c *Console) createWebhook(w http.ResponseWriter, r *http.Request, rq *request) {
	if !c.mayManageWebhooks(w, r, rq) {
		return
	}
	url, desc, types := readEndpointForm(r)
	ep := &enroll.WebhookEndpoint{URL: url, Description: desc, EventTypes: types, Enabled: true}
	if err := c.webhooks.CreateWebhookEndpoint(r.Context(), rq.actor(), ep); err != nil {
		form, ok := refusedForm(err, "The endpoint was not added", newEndpointForm(url, desc, types))
		if !ok {
			c.storeError(w, r, rq, err)
			return
		}
		c.renderWebhookList(w, r, rq, http.StatusUnprocessableEntity, form)
		return
	}
	c.wakeDeliverer()
	c.sessions.setSecret(r.Context(), rq.sess, ep, false)
	c.sessions.setFlash(r.Context(), rq.sess, "Endpoint added. It receives the events that happen from now on.")
	http.Redirect(w, r, endpointPath(ep.ID), http.StatusSeeOther)
}

// readEndpointForm reads the URL, description and event types of an
// endpoint form. No type ticked means every type, as in the API.
func readEndpointForm(r *http.Request) (url, desc string, types []enroll.EventType) {
	url = strings.TrimSpace(r.PostFormValue("url"))
	desc = formText(r.PostFormValue("description"))
	for _, t := range r.PostForm["eventTypes"] {
		types = append(types, enroll.EventType(strings.TrimSpace(t)))
	}
	return url, desc, types
}

// refusedForm puts the field errors of an EINVALID (or EBADREQUEST) error
// from the store next to the fields of form, and sums them up under what.
// It returns false for any other error, which gets an error page.
func refusedForm(err error, what string, form endpointForm) (endpointForm, bool) {
	code := enroll.ErrorCode(err)
	if code != enroll.EINVALID && code != enroll.EBADREQUEST {
		return form, false
	}
	var e *enroll.Error
	errors.As(err, &e)
	var other []string
	for _, fe := range e.Fields {
		key := formField(fe.Location)
		if key == "" {
			other = append(other, fe.Location+": "+fe.Message)
			continue
		}
		msg := sentence(fe.Message)
		if s, ok := fe.Value.(string); ok && key == "eventTypes" {
			msg = strings.TrimSuffix(msg, ".") + ": " + typed(s) + "."
		}
		if form.Errors[key] != "" {
			msg = form.Errors[key] + " " + msg
		}
		form.Errors[key] = msg
	}
	switch {
	case len(other) > 0:
		form.Problem = what + ": " + strings.Join(other, "; ") + "."
	case len(e.Fields) > 0:
		form.Problem = what + ": correct the fields marked below."
	default:
		form.Problem = what + ": " + e.Message
	}
	return form, true
}

// formField maps a field error's location ("body.eventTypes[2]") to the
// form field it is about, "" for none.
func formField(loc string) string {
	name, _ := strings.CutPrefix(loc, "body.")
	if i := strings.IndexAny(name, "[."); i >= 0 {
		name = name[:i]
	}
	switch name {
	case "url", "description", "eventTypes":
		return name
	}
	return ""
}

// sentence capitalizes msg and ends it with a period: "Must use https."
func sentence(msg string) string {
	r, n := utf8.DecodeRuneInString(msg)
	if n == 0 {
		return msg
	}
	msg = string(unicode.ToUpper(r)) + msg[n:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

// wakeDeliverer tells the webhook deliverer, when the console has one,
// that there is work now rather than at its next poll.
func (c *Console) wakeDeliverer() {
	if c.wake != nil {
		c.wake()
	}
}
