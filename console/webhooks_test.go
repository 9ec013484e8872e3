package console

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// endpoint stores an enabled webhook endpoint as an API client would.
func (f *fixture) endpoint(u string, types ...enroll.EventType) *enroll.WebhookEndpoint {
	f.t.Helper()
	ep := &enroll.WebhookEndpoint{URL: u, EventTypes: types, Enabled: true}
	if err := f.store.CreateWebhookEndpoint(f.ctx, f.actor(), ep); err != nil {
		f.t.Fatalf("create endpoint: %v", err)
	}
	return ep
}

// findEndpoint reads an endpoint back.
func (f *fixture) findEndpoint(id string) *enroll.WebhookEndpoint {
	f.t.Helper()
	ep, err := f.store.FindWebhookEndpoint(f.ctx, f.wsID, id)
	if err != nil {
		f.t.Fatalf("find endpoint %s: %v", id, err)
	}
	return ep
}

// deliveries lists an endpoint's deliveries, newest first.
func (f *fixture) deliveries(id string) []*enroll.WebhookDelivery {
	f.t.Helper()
	pg, err := f.store.ListWebhookDeliveries(f.ctx, f.wsID, id, enroll.DeliveryFilter{ListParams: enroll.ListParams{PerPage: enroll.MaxPerPage}})
	if err != nil {
		f.t.Fatalf("list deliveries: %v", err)
	}
	return pg.Data
}

// deliver does what the deliverer does, without the network: it
// dispatches the events so far, claims the deliveries due, and records for
// each the outcome answer gives it. It returns the deliveries recorded.
func (f *fixture) deliver(answer func(d *enroll.WebhookDelivery) enroll.DeliveryOutcome) []*enroll.WebhookDelivery {
	f.t.Helper()
	if _, err := f.store.DispatchEvents(f.ctx, 1000, 0); err != nil {
		f.t.Fatalf("dispatch: %v", err)
	}
	jobs, err := f.store.ClaimWebhookDeliveries(f.ctx, time.Minute, 100, 100, 100)
	if err != nil {
		f.t.Fatalf("claim: %v", err)
	}
	var out []*enroll.WebhookDelivery
	for _, j := range jobs {
		d, err := f.store.FinishWebhookDelivery(f.ctx, j, answer(j.Delivery))
		if err != nil {
			f.t.Fatalf("finish %s: %v", j.Delivery.ID, err)
		}
		out = append(out, d)
	}
	return out
}

// answered is the outcome of an attempt that got code (0: none) and err.
func answered(code int, err string, status enroll.DeliveryStatus) enroll.DeliveryOutcome {
	o := enroll.DeliveryOutcome{Attempt: enroll.DeliveryAttempt{At: time.Now().UTC(), StatusCode: code, DurationMs: 123, Error: err}, Status: status}
	if status == enroll.DeliveryPending {
		next := time.Now().UTC().Add(time.Hour)
		o.NextAttemptAt = &next
	}
	return o
}

// endpointID returns the endpoint id of a console endpoint page's path.
func endpointID(t *testing.T, path string) string {
	t.Helper()
	id, ok := strings.CutPrefix(path, Prefix+"/webhooks/")
	if !ok || !enroll.ValidID(id) {
		t.Fatalf("not an endpoint page: %s", path)
	}
	return id
}

// secretOnPage returns the signing secret a page shows, "" for none.
func secretOnPage(body string) string {
	m := regexp.MustCompile(`id="new-secret" type="text" readonly value="(whsec_[^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.ReplaceAll(m[1], "&#43;", "+")
}

func TestWebhookCreateShowsTheSecretOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.signedIn(f.secret)
	list := c.get(Prefix + "/webhooks").status(http.StatusOK)
	list.contains(`href="/console/webhooks" aria-current="page"`, "No webhook endpoints yet.", `<legend>Event types</legend>`,
		`name="eventTypes" value="enrollment.status_changed"`, `name="eventTypes" value="programInstance.deleted"`)
	csrf := list.field("csrf")

	// The store's objections are shown next to the fields, with what was
	// typed kept.
	bad := c.post(Prefix+"/webhooks", url.Values{"csrf": {csrf}, "url": {"ftp://files.example/in"}, "description": {"Nightly"},
		"eventTypes": {"enrollment.created", "enrollment.nope"}}).status(http.StatusUnprocessableEntity)
	bad.contains("The endpoint was not added: correct the fields marked below.",
		`<p class="field-error" id="ep-url-error">Must use http or https.</p>`, `aria-invalid="true"`, `value="ftp://files.example/in"`,
		`<p class="field-error" id="ep-types-error">Unknown event type: enrollment.nope.</p>`,
		`value="enrollment.created" checked`, ">\nNightly</textarea>")
	c.post(Prefix+"/webhooks", url.Values{"csrf": {csrf}, "url": {"  "}}).status(http.StatusUnprocessableEntity).
		contains(`id="ep-url-error">Is required.</p>`)
	c.post(Prefix+"/webhooks", url.Values{"csrf": {csrf}, "url": {"https://user:pw@receiver.example/"}}).status(http.StatusUnprocessableEntity).
		contains("Must not carry credentials")
	// A URL whose bytes are not UTF-8 (url=https://example.com/%ff) is
	// refused, not stored to be shown as another URL.
	c.post(Prefix+"/webhooks", url.Values{"csrf": {csrf}, "url": {"https://example.com/\xff"}}).status(http.StatusUnprocessableEntity).
		contains(`id="ep-url-error">Must be valid UTF-8.</p>`)
	// A NUL is not a matter of length.
	c.post(Prefix+"/webhooks", url.Values{"csrf": {csrf}, "url": {"https://example.com/a\x00b"}}).status(http.StatusUnprocessableEntity).
		contains(`id="ep-url-error">Must not contain NUL characters.</p>`).lacks("at most 2048 characters")
	if n := len(f.listEndpoints()); n != 0 {
		t.Fatalf("refused forms stored %d endpoints", n)
	}

	// Created: the browser lands on the endpoint's page, which shows the
	// secret, the same the store signs with.
	page := c.post(Prefix+"/webhooks", url.Values{"csrf": {csrf}, "url": {"https://receiver.example/hooks"}, "description": {"CRM sync"},
		"eventTypes": {"enrollment.created", "enrollment.status_changed"}}).status(http.StatusOK)
	id := endpointID(t, page.URL.Path)
	ep := f.findEndpoint(id)
	secret := secretOnPage(page.Body)
	if secret == "" || len(ep.Secrets) != 1 || ep.Secrets[0].Secret != secret {
		t.Fatalf("page shows secret %q, the store signs with %+v", secret, ep.Secrets)
	}
	if !ep.Enabled || ep.Description != "CRM sync" || len(ep.EventTypes) != 2 {
		t.Errorf("stored endpoint: %+v", ep)
	}
	page.contains("Endpoint added.", "copy it now", "It is shown only this once", `data-copy="new-secret"`,
		"<code>enrollment.created</code>", "<code>enrollment.status_changed</code>", `data-state="enabled"`,
		`value="enrollment.created" checked`, `value="enrollment.updated">`).lacks("previous secret keeps signing")

	// Once: a reload, and the list, do not show it again.
	again := c.get(page.URL.Path).status(http.StatusOK)
	again.lacks(secret, "copy it now", "Endpoint added.")
	c.get(Prefix+"/webhooks").status(http.StatusOK).
		contains(`href="/console/webhooks/`+id+`">https://receiver.example/hooks</a>`, "CRM sync", `data-state="enabled"`,
			"<code>enrollment.created</code>", "Page 1 of 1 · 1 endpoint").lacks(secret)

	// An endpoint for every type says so.
	res := c.post(Prefix+"/webhooks", url.Values{"csrf": {csrf}, "url": {"http://other.example/"}}).status(http.StatusOK)
	if all := f.findEndpoint(endpointID(t, res.URL.Path)); len(all.EventTypes) != 0 {
		t.Errorf("no type ticked stored %v", all.EventTypes)
	}
	res.contains(`<span class="all-types">all</span>`)
	if s := secretOnPage(res.Body); s == "" || s == secret {
		t.Errorf("second endpoint's secret %q", s)
	}
}

// listEndpoints lists the workspace's endpoints.
func (f *fixture) listEndpoints() []*enroll.WebhookEndpoint {
	f.t.Helper()
	pg, err := f.store.ListWebhookEndpoints(f.ctx, f.wsID, enroll.ListParams{PerPage: enroll.MaxPerPage})
	if err != nil {
		f.t.Fatal(err)
	}
	return pg.Data
}

func TestWebhookRotateEditToggleAndDelete(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ep := f.endpoint("https://receiver.example/hooks", enroll.EventEnrollmentCreated)
	old := ep.Secret
	c := f.signedIn(f.secret)
	path := endpointPath(ep.ID)
	page := c.get(path).status(http.StatusOK).lacks(old, "copy it now")
	csrf := page.field("csrf")

	// Rotate: the new secret once, and when the old one stops signing.
	rotated := c.post(path+"/rotate", url.Values{"csrf": {csrf}}).status(http.StatusOK)
	stored := f.findEndpoint(ep.ID)
	secret := secretOnPage(rotated.Body)
	signing := stored.SigningSecrets(time.Now())
	if secret == "" || secret == old || len(signing) != 2 || signing[0] != secret || signing[1] != old {
		t.Fatalf("shown %q; signing with %q (old %q)", secret, signing, old)
	}
	exp := stored.PreviousSecretExpiresAt
	if exp == nil || time.Until(*exp) < 23*time.Hour {
		t.Fatalf("previousSecretExpiresAt = %v", exp)
	}
	rotated.contains("Signing secret rotated.", "New signing secret", "keeps signing alongside the new one for 24 hours, until",
		`data-previous-expires>`+formatTime(*exp)+"<").lacks(old)
	c.get(path).status(http.StatusOK).lacks(secret, "copy it now").contains("Previous secret signs until", formatTime(*exp))

	// Edit the description and event types.
	c.post(path, url.Values{"csrf": {csrf}, "description": {"Program feed"}, "eventTypes": {"program.created", "program.updated"}}).
		status(http.StatusOK).contains("Endpoint saved.", "Program feed", "<code>program.updated</code>")
	if got := f.findEndpoint(ep.ID); got.Description != "Program feed" || len(got.EventTypes) != 2 || got.EventTypes[0] != enroll.EventProgramCreated {
		t.Errorf("after edit: %+v", got)
	}
	c.post(path, url.Values{"csrf": {csrf}}).status(http.StatusOK).contains(`<span class="all-types">all</span>`)
	if got := f.findEndpoint(ep.ID); got.Description != "" || len(got.EventTypes) != 0 || got.URL != ep.URL {
		t.Errorf("after clearing: %+v", got)
	}
	// Refused edits keep what was typed and say why next to the field.
	c.post(path, url.Values{"csrf": {csrf}, "description": {strings.Repeat("x", 4097)}, "eventTypes": {"enrollment.updated"}}).
		status(http.StatusUnprocessableEntity).contains("The changes were not saved: correct the fields marked below.",
		`id="ep-description-error">Must be at most 4096 characters.</p>`, `value="enrollment.updated" checked`)
	c.post(path, url.Values{"csrf": {csrf}, "eventTypes": {"enrollment.created", "enrollment.created"}}).
		status(http.StatusUnprocessableEntity).contains(`id="ep-types-error">Is listed twice: enrollment.created.</p>`)

	// Disable and enable; enabling clears the reason the service gave.
	c.post(path+"/enabled", url.Values{"csrf": {csrf}, "enabled": {"false"}}).status(http.StatusOK).
		contains("Endpoint disabled.", `data-state="disabled"`, "Enable endpoint")
	if f.findEndpoint(ep.ID).Enabled {
		t.Error("still enabled")
	}
	if _, err := f.store.UpdateWebhookEndpoint(f.ctx, f.actor(), ep.ID, func(e *enroll.WebhookEndpoint) error {
		e.DisabledReason = enroll.DisabledByGone
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	c.get(Prefix+"/webhooks").contains(`data-state="disabled"`, "The receiver answered 410 Gone")
	c.get(path).contains(`<p class="problem" role="alert">The receiver answered 410 Gone`)
	c.post(path+"/enabled", url.Values{"csrf": {csrf}, "enabled": {"true"}}).status(http.StatusOK).
		contains("Endpoint enabled.", `data-state="enabled"`, "Disable endpoint").lacks("410 Gone")
	if got := f.findEndpoint(ep.ID); !got.Enabled || got.DisabledReason != "" {
		t.Errorf("after enabling: %+v", got)
	}
	c.post(path+"/enabled", url.Values{"csrf": {csrf}, "enabled": {"maybe"}}).status(http.StatusBadRequest)

	// Delete: only once confirmed.
	c.post(path+"/delete", url.Values{"csrf": {csrf}}).status(http.StatusUnprocessableEntity).
		contains("Tick the box to confirm the deletion. Nothing was deleted.")
	f.findEndpoint(ep.ID)
	res := c.post(path+"/delete", url.Values{"csrf": {csrf}, "confirm": {"yes"}}).status(http.StatusOK)
	if res.URL.Path != Prefix+"/webhooks" {
		t.Errorf("deletion ended at %s", res.URL.Path)
	}
	res.contains("Endpoint https://receiver.example/hooks deleted, with its deliveries.", "No webhook endpoints yet.")
	if _, err := f.store.FindWebhookEndpoint(f.ctx, f.wsID, ep.ID); enroll.ErrorCode(err) != enroll.ENOTFOUND {
		t.Errorf("deleted endpoint: %v", err)
	}
	c.get(path).status(http.StatusNotFound)
	c.post(path+"/rotate", url.Values{"csrf": {csrf}}).status(http.StatusNotFound)
	c.get(Prefix + "/webhooks/not-an-id!").status(http.StatusNotFound)
}

func TestWebhookDeliveriesFilterAndRedeliver(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ep := f.endpoint("https://receiver.example/hooks", enroll.EventEnrollmentCreated)
	down := f.enroll(f.other, "Dora", "Down", false)
	ok := f.enroll(f.other, "Otto", "Okay", false)
	gone := f.enroll(f.other, "Ray", "Refused", false)
	recorded := f.deliver(func(d *enroll.WebhookDelivery) enroll.DeliveryOutcome {
		switch d.Stream {
		case down.ID:
			return answered(500, "upstream down", enroll.DeliveryPending)
		case ok.ID:
			return answered(204, "", enroll.DeliverySucceeded)
		}
		return answered(0, "dial tcp 203.0.113.9:443: connection refused", enroll.DeliveryFailed)
	})
	if len(recorded) != 3 {
		t.Fatalf("%d deliveries recorded, want 3", len(recorded))
	}
	var failed *enroll.WebhookDelivery
	for _, d := range recorded {
		if d.Stream == gone.ID {
			failed = d
		}
	}
	c := f.signedIn(f.secret)
	path := endpointPath(ep.ID)
	page := c.get(path).status(http.StatusOK)
	page.contains("Page 1 of 1 · 3 deliveries", `data-status="pending"`, `data-status="succeeded"`, `data-status="failed"`,
		"HTTP 500", "upstream down", "HTTP 204", "no answer", "connection refused", "123 ms", "1 attempt",
		`href="/console/enrollments/`+down.ID+`#evt_`, `href="/console/enrollments/`+gone.ID+`#evt_`,
		`action="/console/webhooks/`+ep.ID+`/deliveries/`+failed.ID+`/redeliver"`)
	// An event links to its place on the enrollment's page.
	href := html.UnescapeString(regexp.MustCompile(`href="(/console/enrollments/` + down.ID + `#evt_[^"]+)"`).FindStringSubmatch(page.Body)[1])
	_, evID, _ := strings.Cut(href, "#")
	c.get(href).status(http.StatusOK).contains(`<li id="` + evID + `">`)
	// The next attempt is shown while pending only.
	next := regexp.MustCompile(`data-label="Next attempt"><time`).FindAllString(page.Body, -1)
	if len(next) != 1 {
		t.Errorf("%d next attempt times, want 1", len(next))
	}

	// The status filter.
	c.get(path+"?status=failed").status(http.StatusOK).contains("1 delivery", "connection refused", `aria-current="true">failed<`).
		lacks("upstream down", "HTTP 204")
	c.get(path+"?status=succeeded").contains("1 delivery", "HTTP 204").lacks("upstream down")
	c.get(path+"?status=bogus").status(http.StatusOK).contains("3 deliveries", `aria-current="true">All<`)
	c.get(path+"?pageToken=garbage").status(http.StatusOK).contains("no longer fits this list", "3 deliveries")

	// Redeliver the failed one: a new delivery of the same event, due now,
	// at the top of the list.
	res := c.post(path+"/deliveries/"+failed.ID+"/redeliver", url.Values{"csrf": {page.field("csrf")}}).status(http.StatusOK)
	all := f.deliveries(ep.ID)
	if len(all) != 4 || all[0].RedeliveryOf != failed.ID || all[0].EventID != failed.EventID || all[0].Status != enroll.DeliveryPending {
		t.Fatalf("after redelivery: %d deliveries, newest %+v", len(all), all[0])
	}
	res.contains("Event "+failed.EventID+" queued for delivery again, as "+all[0].ID+".", "4 deliveries",
		`redelivery of <a class="mono" href="#`+failed.ID+`">`, "No attempt yet.")
	c.post(path+"/deliveries/"+enroll.NewID()+"/redeliver", url.Values{"csrf": {page.field("csrf")}}).status(http.StatusNotFound)
	c.post(path+"/deliveries/bad!id/redeliver", url.Values{"csrf": {page.field("csrf")}}).status(http.StatusNotFound)
	// Another endpoint's delivery is not this endpoint's.
	other := f.endpoint("https://other.example/")
	c.post(endpointPath(other.ID)+"/deliveries/"+failed.ID+"/redeliver", url.Values{"csrf": {page.field("csrf")}}).
		status(http.StatusNotFound)
	if n := len(f.deliveries(ep.ID)); n != 4 {
		t.Errorf("%d deliveries after refused redeliveries", n)
	}

	// A disabled endpoint is offered no redelivery, which would wait
	// unsent until it is enabled; a page from before it was disabled gets
	// the reason, and nothing is queued.
	if _, err := f.store.UpdateWebhookEndpoint(f.ctx, f.actor(), ep.ID, func(e *enroll.WebhookEndpoint) error {
		e.Enabled = false
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	c.get(path).status(http.StatusOK).contains("data-redeliver-disabled", "endpoint disabled").lacks(`class="redeliver"`)
	c.post(path+"/deliveries/"+failed.ID+"/redeliver", url.Values{"csrf": {page.field("csrf")}}).status(http.StatusConflict).
		contains("is disabled, so a redelivery would not be sent: enable it first, then redeliver.")
	if n := len(f.deliveries(ep.ID)); n != 4 {
		t.Errorf("%d deliveries after a redelivery to a disabled endpoint, want 4", n)
	}

	// A key without enrollments:read sees event ids, not links to
	// enrollments it may not open.
	secret, _ := f.newKey("hooks only", []enroll.Scope{enroll.ScopeWebhooksWrite})
	f.signedIn(secret).get(path).status(http.StatusOK).contains(failed.EventID).lacks(`href="/console/enrollments/`)
}

// TestWebhookDeliveryOfADeletedEnrollment: the event of an enrollment
// deleted since is shown without a link to a page that would be a 404,
// with a note saying why.
func TestWebhookDeliveryOfADeletedEnrollment(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ep := f.endpoint("https://receiver.example/hooks", enroll.EventEnrollmentCreated)
	kept := f.enroll(f.other, "Kit", "Kept", false)
	gone := f.enroll(f.other, "Del", "Deleted", false)
	var goneEvent string
	f.deliver(func(d *enroll.WebhookDelivery) enroll.DeliveryOutcome {
		if d.Stream == gone.ID {
			goneEvent = d.EventID
		}
		return answered(204, "", enroll.DeliverySucceeded)
	})
	if err := f.store.DeleteEnrollment(f.ctx, f.actor(), gone.ID, nil); err != nil {
		t.Fatal(err)
	}
	page := f.signedIn(f.secret).get(endpointPath(ep.ID)).status(http.StatusOK)
	page.contains(`href="/console/enrollments/`+kept.ID+`#evt_`,
		`<span class="mono">`+goneEvent+`</span> <span class="hint" data-enrollment-deleted>(enrollment deleted)</span>`).
		lacks(`href="/console/enrollments/` + gone.ID)
	if n := strings.Count(page.Body, "data-enrollment-deleted"); n != 1 {
		t.Errorf("%d deliveries noted as of a deleted enrollment, want 1", n)
	}
}

func TestWebhookFormsNeedCSRF(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ep := f.endpoint("https://receiver.example/hooks")
	f.enroll(f.other, "Cass", "Csrf", false)
	recorded := f.deliver(func(*enroll.WebhookDelivery) enroll.DeliveryOutcome {
		return answered(500, "no", enroll.DeliveryFailed)
	})
	if len(recorded) == 0 {
		t.Fatal("no delivery to redeliver")
	}
	c := f.signedIn(f.secret)
	path := endpointPath(ep.ID)
	csrf := c.get(path).status(http.StatusOK).field("csrf")
	before := len(f.deliveries(ep.ID))
	posts := map[string]url.Values{
		Prefix + "/webhooks": {"url": {"https://forged.example/"}},
		path:                 {"description": {"forged"}},
		path + "/enabled":    {"enabled": {"false"}},
		path + "/rotate":     {},
		path + "/delete":     {"confirm": {"yes"}},
		path + "/deliveries/" + recorded[0].ID + "/redeliver": {},
	}
	for p, form := range posts {
		for _, token := range []string{"", "wrong"} {
			form := cloneValues(form)
			if token != "" {
				form.Set("csrf", token)
			}
			c.post(p, form).status(http.StatusForbidden).contains("CSRF", "nothing was changed")
		}
		// The right token from another site is refused too.
		form = cloneValues(form)
		form.Set("csrf", csrf)
		c.post(p, form, "Origin", "https://evil.example").status(http.StatusForbidden)
		// And a browser without a session.
		f.client().post(p, form).status(http.StatusForbidden)
	}
	got := f.findEndpoint(ep.ID)
	if !got.Enabled || got.Description != "" || len(got.Secrets) != 1 || got.Secrets[0].Secret != ep.Secret {
		t.Errorf("refused forms changed the endpoint: %+v", got)
	}
	if n := len(f.listEndpoints()); n != 1 {
		t.Errorf("%d endpoints after refused forms", n)
	}
	if n := len(f.deliveries(ep.ID)); n != before {
		t.Errorf("refused redeliveries queued %d deliveries", n-before)
	}
}

// cloneValues copies a form.
func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func TestWebhookScopes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ep := f.endpoint("https://receiver.example/hooks")
	path := endpointPath(ep.ID)
	refused := func(c *client, csrf, want string) {
		t.Helper()
		c.get(Prefix + "/webhooks").status(http.StatusForbidden).contains(want)
		c.get(path).status(http.StatusForbidden).contains(want)
		c.post(Prefix+"/webhooks", url.Values{"csrf": {csrf}, "url": {"https://forged.example/"}}).status(http.StatusForbidden).contains(want)
		c.post(path+"/rotate", url.Values{"csrf": {csrf}}).status(http.StatusForbidden).contains(want, "Nothing was changed")
		c.post(path+"/enabled", url.Values{"csrf": {csrf}, "enabled": {"false"}}).status(http.StatusForbidden)
		c.post(path+"/delete", url.Values{"csrf": {csrf}, "confirm": {"yes"}}).status(http.StatusForbidden)
		c.post(path+"/deliveries/"+enroll.NewID()+"/redeliver", url.Values{"csrf": {csrf}}).status(http.StatusForbidden)
	}

	// Without webhooks:write: no navigation entry, 403 everywhere.
	secret, _ := f.newKey("reviewer", reviewScopes)
	c := f.signedIn(secret)
	home := c.get(Prefix + "/").status(http.StatusOK).lacks(`href="/console/webhooks"`)
	refused(c, home.field("csrf"), "lacks the webhooks:write scope")

	// With it, but limited to an instance: an endpoint receives every event
	// of the workspace, so the same, as in the API.
	secret, _ = f.newKey("limited hooks", []enroll.Scope{enroll.ScopeWebhooksWrite, enroll.ScopeProgramsRead}, f.inst.ID)
	c = f.signedIn(secret)
	home = c.get(Prefix + "/").status(http.StatusOK).lacks(`href="/console/webhooks"`)
	refused(c, home.field("csrf"), "limited to some program instances")

	got := f.findEndpoint(ep.ID)
	if !got.Enabled || got.Secrets[0].Secret != ep.Secret {
		t.Errorf("refused keys changed the endpoint: %+v", got)
	}
	if n := len(f.listEndpoints()); n != 1 {
		t.Errorf("%d endpoints after refused forms", n)
	}

	// webhooks:write alone, for every instance, is enough.
	secret, _ = f.newKey("hooks", []enroll.Scope{enroll.ScopeWebhooksWrite})
	c = f.signedIn(secret)
	c.get(Prefix + "/").status(http.StatusOK).contains(`href="/console/webhooks"`)
	c.get(Prefix + "/webhooks").status(http.StatusOK).contains("https://receiver.example/hooks")
	c.post(path+"/rotate", url.Values{"csrf": {c.get(path).field("csrf")}}).status(http.StatusOK).contains("Signing secret rotated.")
}

func TestWebhooksUnavailableWithoutWebhookStore(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	g := *f
	g.console = New(plainStore{f.store}).WithLogger(discard)
	g.srv = httptest.NewServer(g.console)
	t.Cleanup(g.srv.Close)
	c := g.signedIn(f.secret)
	c.get(Prefix+"/webhooks").status(http.StatusOK).
		contains("Webhooks: not available yet", "does not keep webhooks", "Manage webhook endpoints").lacks(`id="ep-url"`, "issue")
	c.get(Prefix + "/").contains(`href="/console/webhooks">Webhooks <span class="soon">soon</span>`)
	c.get(Prefix + "/webhooks/" + enroll.NewID()).status(http.StatusNotFound)
	// A limited key is refused there too, as it would be over a webhook store.
	secret, _ := f.newKey("limited hooks", []enroll.Scope{enroll.ScopeWebhooksWrite}, f.inst.ID)
	g.signedIn(secret).get(Prefix + "/webhooks").status(http.StatusForbidden).contains("limited to some program instances")
}

func TestShownSecretIsTakenOnceAndExpires(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	// Each take reads the session as a new request would, from the store.
	ss, s, stored := storedSession(t, f, &now)
	ep := &enroll.WebhookEndpoint{ID: "whe_a", Secret: "whsec_x"}
	ss.setSecret(ctx, s, ep, false)
	if got := ss.takeSecret(ctx, stored(), "whe_b"); got != nil {
		t.Errorf("another endpoint's page took the secret: %+v", got)
	}
	if got := ss.takeSecret(ctx, stored(), "whe_a"); got == nil || got.Secret != "whsec_x" || got.Rotated {
		t.Fatalf("took %+v", got)
	}
	if got := ss.takeSecret(ctx, stored(), "whe_a"); got != nil {
		t.Errorf("taken twice: %+v", got)
	}
	ss.setSecret(ctx, s, ep, true)
	now = now.Add(shownSecretTTL + time.Second)
	if got := ss.takeSecret(ctx, stored(), "whe_a"); got != nil || stored().Secret != "" {
		t.Errorf("a secret left too long was shown: %+v", got)
	}
}

// TestSecretsWaitForTheirOwnPages: creating or rotating a second endpoint
// before the first one's page loaded (two tabs, a redirect that did not
// load) loses neither new secret: each waits for its own endpoint's page,
// which shows it once. The session kept one secret, and the second POST
// dropped the first for good.
func TestSecretsWaitForTheirOwnPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.signedIn(f.secret)
	csrf := c.get(Prefix + "/webhooks").field("csrf")
	hc := *c.hc
	posts := (&client{t: t, f: f, hc: &hc}).noFollow() // the same session, not following the redirects

	create := func(u string) string {
		t.Helper()
		res := posts.post(Prefix+"/webhooks", url.Values{"csrf": {csrf}, "url": {u}}).status(http.StatusSeeOther)
		return endpointID(t, res.Header.Get("Location"))
	}
	shows := func(id, what string) {
		t.Helper()
		page := c.get(endpointPath(id)).status(http.StatusOK)
		if got, want := secretOnPage(page.Body), f.findEndpoint(id).SigningSecrets(time.Now())[0]; got != want {
			t.Errorf("%s: the page shows secret %q, the endpoint's is %q", what, got, want)
		}
		if again := c.get(endpointPath(id)).status(http.StatusOK); secretOnPage(again.Body) != "" {
			t.Errorf("%s: shown twice", what)
		}
	}
	a, b := create("https://a.example/hooks"), create("https://b.example/hooks")
	shows(b, "the second endpoint created")
	shows(a, "the first endpoint created")

	// Rotations, both before either page, then a third endpoint's: each
	// page its own.
	for _, id := range []string{a, b} {
		posts.post(endpointPath(id)+"/rotate", url.Values{"csrf": {csrf}}).status(http.StatusSeeOther)
	}
	third := create("https://c.example/hooks")
	shows(a, "the first rotated")
	shows(third, "the third created")
	shows(b, "the second rotated")

	// Two rotations of one endpoint before its page: the page shows the
	// newer, which signs; the older is not kept to be shown later.
	for range 2 {
		posts.post(endpointPath(a)+"/rotate", url.Values{"csrf": {csrf}}).status(http.StatusSeeOther)
	}
	shows(a, "twice rotated")
}

// TestPendingSecretsBoundedAndConcurrent: the secrets waiting in a session
// are bounded, in number (the oldest dropped) and in time (each its own 5
// minutes), and requests of one session leaving secrets at once, each from
// the copy of the session it read, lose none.
func TestPendingSecretsBoundedAndConcurrent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ss, _, read := storedSession(t, f, &now)
	ep := func(i int) *enroll.WebhookEndpoint {
		return &enroll.WebhookEndpoint{ID: fmt.Sprintf("whe_%02d", i), Secret: fmt.Sprintf("whsec_%02d", i)}
	}

	// At once, each from the session as it read it.
	const n = 6
	copies := make([]*session, n)
	for i := range copies {
		copies[i] = read()
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { ss.setSecret(ctx, copies[i], ep(i), false) })
	}
	wg.Wait()
	for i := range n {
		if got := ss.takeSecret(ctx, read(), ep(i).ID); got == nil || got.Secret != ep(i).Secret {
			t.Errorf("secret %d: %+v", i, got)
		}
	}
	if got := read().Secret; got != "" {
		t.Errorf("left after every page: %q", got)
	}

	// Past the bound, the oldest goes.
	for i := range maxPendingSecrets + 2 {
		now = now.Add(time.Second)
		ss.setSecret(ctx, read(), ep(i), false)
	}
	for i := range maxPendingSecrets + 2 {
		got := ss.takeSecret(ctx, read(), ep(i).ID)
		if kept := i >= 2; (got != nil) != kept {
			t.Errorf("secret %d of %d: %+v, kept %v", i, maxPendingSecrets+2, got, kept)
		}
	}

	// Each waits its own time: one left too long is dropped, a later one
	// still shown.
	ss.setSecret(ctx, read(), ep(1), false)
	now = now.Add(shownSecretTTL - time.Second)
	ss.setSecret(ctx, read(), ep(2), false)
	now = now.Add(2 * time.Second)
	if got := ss.takeSecret(ctx, read(), ep(1).ID); got != nil {
		t.Errorf("a secret left too long was shown: %+v", got)
	}
	if got := ss.takeSecret(ctx, read(), ep(2).ID); got == nil || got.Secret != ep(2).Secret {
		t.Errorf("a secret in time = %+v", got)
	}
	if got := read().Secret; got != "" {
		t.Errorf("left: %q", got)
	}

	// A secret left as sessions held it before, one object, is read.
	sess := read()
	old := `{"endpointId":"whe_old","secret":"whsec_old","at":"` + now.Format(time.RFC3339Nano) + `"}`
	if ok, err := f.store.SwapConsoleSecret(ctx, sess.ID, "", old); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if got := ss.takeSecret(ctx, read(), "whe_old"); got == nil || got.Secret != "whsec_old" {
		t.Errorf("a secret of the earlier encoding = %+v", got)
	}
}

func TestWebhookChangesWakeTheDeliverer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var wakes atomic.Int32
	f.console.WithWakeWebhooks(func() { wakes.Add(1) })
	c := f.signedIn(f.secret)
	csrf := c.get(Prefix + "/webhooks").field("csrf")
	path := c.post(Prefix+"/webhooks", url.Values{"csrf": {csrf}, "url": {"https://receiver.example/"}}).status(http.StatusOK).URL.Path
	if n := wakes.Load(); n != 1 {
		t.Errorf("%d wakes after a create", n)
	}
	c.post(path+"/enabled", url.Values{"csrf": {csrf}, "enabled": {"false"}}).status(http.StatusOK)
	c.post(path+"/enabled", url.Values{"csrf": {csrf}, "enabled": {"true"}}).status(http.StatusOK)
	if n := wakes.Load(); n != 2 {
		t.Errorf("%d wakes after disabling and enabling, want 2", n)
	}
}
