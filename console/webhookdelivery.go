package console

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/enrollhq/enroll"
)

// deliveriesPerPage is the page size of an endpoint's deliveries.
const deliveriesPerPage = 25

// deliveryStatuses are the statuses the delivery list filters by.
var deliveryStatuses = []enroll.DeliveryStatus{enroll.DeliveryPending, enroll.DeliverySucceeded, enroll.DeliveryFailed}

// deliveryFilterLink is one choice of the delivery filter.
type deliveryFilterLink struct {
	Label   string
	URL     string
	Current bool
}

// deliveryRow is one delivery of an endpoint.
type deliveryRow struct {
	D *enroll.WebhookDelivery
	// EventURL opens the enrollment the event is about, "" when there is
	// no such page to open.
	EventURL string
	// EnrollmentDeleted is set when the event's enrollment no longer
	// exists: its id is shown without a link.
	EnrollmentDeleted bool
	// Last is the latest attempt, nil before the first.
	Last *enroll.DeliveryAttempt
	// Attempts are the attempts kept, oldest first, numbered.
	Attempts []attemptRow
}

// attemptRow is one attempt of a delivery; N counts from the first
// attempt ever made, including ones no longer kept.
type attemptRow struct {
	N int
	enroll.DeliveryAttempt
}

// enrollmentEvents are the event types whose enrollment has a page.
var enrollmentEvents = map[enroll.EventType]bool{
	enroll.EventEnrollmentCreated: true, enroll.EventEnrollmentUpdated: true, enroll.EventEnrollmentStatusChanged: true,
}

// loadDeliveries puts in d the page of d.EP's deliveries that query q asks
// for: its status filter and cursor. A page link that no longer fits shows
// the first page with a note, as the other lists do.
func (c *Console) loadDeliveries(ctx context.Context, rq *request, d *endpointData, q url.Values) error {
	path := endpointPath(d.EP.ID)
	filters := url.Values{}
	f := enroll.DeliveryFilter{ListParams: enroll.ListParams{PerPage: deliveriesPerPage, PageToken: q.Get("pageToken")}}
	for _, s := range deliveryStatuses {
		if q.Get("status") == string(s) {
			f.Status = s
			filters.Set("status", string(s))
		}
	}
	// An unknown status (a mangled or outdated link), which the API
	// refuses, is named in a note rather than silently showing them all.
	if s := q.Get("status"); s != "" && f.Status == "" {
		names := make([]string, len(deliveryStatuses))
		for i, ds := range deliveryStatuses {
			names[i] = string(ds)
		}
		d.Problem = "The delivery status " + shown(s) + " is not one of " + joinList(names, "or") + ", so every delivery is shown."
	} else if len(q["status"]) > 1 {
		// The menu sends one; a hand-made link with more would otherwise
		// show the first one's deliveries under the others' names.
		d.Problem = "Deliveries are shown for one status at a time, so only " + shown(s) + " ones are."
	}
	prev := prevTokens(q)
	pg, err := c.webhooks.ListWebhookDeliveries(ctx, rq.ws(), d.EP.ID, f)
	if enroll.ErrorCode(err) == enroll.EINVALID && f.PageToken != "" {
		d.Problem = strings.TrimSpace(d.Problem + " That page link no longer fits this list; showing the first page.")
		f.PageToken, prev = "", nil
		pg, err = c.webhooks.ListWebhookDeliveries(ctx, rq.ws(), d.EP.ID, f)
	}
	if err == nil {
		var back bool
		pg, back, err = backToRows(pg, &f.PageToken, &prev, func() (*enroll.Page[*enroll.WebhookDelivery], error) {
			return c.webhooks.ListWebhookDeliveries(ctx, rq.ws(), d.EP.ID, f)
		})
		if back {
			d.Problem = strings.TrimSpace(d.Problem + " The page you were on has no deliveries left, so the one before it is shown.")
		}
	}
	if err != nil {
		return err
	}
	d.Status = f.Status
	d.Statuses = []deliveryFilterLink{{Label: "All", URL: path + "#deliveries", Current: f.Status == ""}}
	for _, s := range deliveryStatuses {
		d.Statuses = append(d.Statuses, deliveryFilterLink{Label: string(s), URL: path + "?status=" + string(s) + "#deliveries", Current: f.Status == s})
	}
	d.Pager = newPager(path, filters, prev, f.PageToken, string(pg.NextPageToken), pg.Page, pg.TotalPages, pg.TotalItems)
	d.Pager.One, d.Pager.Many = "delivery", "deliveries"
	d.EventsLinked = rq.has(enroll.ScopeEnrollmentsRead)
	// about maps each event to its enrollment's id ("": none to link to).
	about := map[string]string{}
	var ids []string
	for _, del := range pg.Data {
		row := deliveryRow{D: del}
		first := del.AttemptCount - len(del.Attempts) + 1
		for i, at := range del.Attempts {
			row.Attempts = append(row.Attempts, attemptRow{N: first + i, DeliveryAttempt: at})
		}
		if n := len(del.Attempts); n > 0 {
			row.Last = &del.Attempts[n-1]
		}
		if _, seen := about[del.EventID]; d.EventsLinked && enrollmentEvents[del.EventType] && !seen {
			id, err := c.eventEnrollment(ctx, rq, del.EventID)
			if err != nil {
				return err
			}
			about[del.EventID] = id
			if id != "" {
				ids = append(ids, id)
			}
		}
		d.Deliveries = append(d.Deliveries, row)
	}
	if len(ids) == 0 {
		return nil
	}
	// One query for the page tells which enrollments still exist: a link
	// to a deleted one's page would only find a 404.
	exist, err := c.store.StatusSince(ctx, rq.ws(), ids)
	if err != nil {
		return err
	}
	for i := range d.Deliveries {
		row := &d.Deliveries[i]
		id := about[row.D.EventID]
		if id == "" {
			continue
		}
		if _, ok := exist[id]; ok {
			row.EventURL = Prefix + "/enrollments/" + id + "#" + row.D.EventID
		} else {
			row.EnrollmentDeleted = true
		}
	}
	return nil
}

// eventEnrollment returns the id of the enrollment that event id is
// about, or "" when the event is gone.
func (c *Console) eventEnrollment(ctx context.Context, rq *request, id string) (string, error) {
	ev, err := c.store.FindEvent(ctx, rq.ws(), id)
	if enroll.ErrorCode(err) == enroll.ENOTFOUND {
		return "", nil
	} else if err != nil {
		return "", err
	}
	var obj struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(ev.Data.Object, &obj) != nil || !enroll.ValidID(obj.ID) {
		return "", nil
	}
	return obj.ID, nil
}

// redeliverWebhook queues a delivery's event again, due at once, as a new
// delivery, and shows it at the top of the endpoint's deliveries. The
// store refuses (409) a delivery still pending and a disabled endpoint,
// whose page offers no Redeliver button: a stale page gets the reason.
func (c *Console) redeliverWebhook(w http.ResponseWriter, r *http.Request, rq *request) {
	if !c.mayManageWebhooks(w, r, rq) {
		return
	}
	ctx := r.Context()
	id, did := r.PathValue("id"), r.PathValue("delivery")
	if _, err := c.findEndpoint(ctx, rq, id); err != nil {
		c.storeError(w, r, rq, err)
		return
	}
	if !enroll.ValidID(did) {
		c.storeError(w, r, rq, enroll.Errorf(enroll.ENOTFOUND, "Webhook delivery %s not found.", did))
		return
	}
	nd, err := c.webhooks.RedeliverWebhook(ctx, rq.actor(), id, did)
	if err != nil {
		c.storeError(w, r, rq, err)
		return
	}
	c.wakeDeliverer()
	c.sessions.setFlash(r.Context(), rq.sess, "Event "+nd.EventID+" queued for delivery again, as "+nd.ID+".")
	http.Redirect(w, r, endpointPath(id)+"#"+nd.ID, http.StatusSeeOther)
}
