package storetest

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// webhookFixture is a fixture on a store that keeps webhooks.
type webhookFixture struct {
	*fixture
	ws enroll.WebhookStore
}

func newWebhookFixture(t *testing.T, newStore Factory) *webhookFixture {
	t.Helper()
	f := newFixture(t, newStore)
	ws, ok := f.s.(enroll.WebhookStore)
	if !ok {
		t.Fatalf("%T does not implement enroll.WebhookStore", f.s)
	}
	return &webhookFixture{fixture: f, ws: ws}
}

func (f *webhookFixture) endpoint(mutate ...func(*enroll.WebhookEndpoint)) *enroll.WebhookEndpoint {
	f.t.Helper()
	ep := &enroll.WebhookEndpoint{URL: "https://hooks.example.com/" + enroll.NewID(), Enabled: true}
	for _, m := range mutate {
		m(ep)
	}
	if err := f.ws.CreateWebhookEndpoint(f.ctx, f.a, ep); err != nil {
		f.t.Fatalf("CreateWebhookEndpoint: %v", err)
	}
	return ep
}

// dispatchAll dispatches every waiting event and returns how many.
func (f *webhookFixture) dispatchAll() int {
	f.t.Helper()
	total := 0
	for {
		n, err := f.ws.DispatchEvents(f.ctx, 7, 0)
		if err != nil {
			f.t.Fatalf("DispatchEvents: %v", err)
		}
		if n == 0 {
			return total
		}
		total += n
	}
}

func (f *webhookFixture) deliveries(ep *enroll.WebhookEndpoint) []*enroll.WebhookDelivery {
	f.t.Helper()
	pg := must(f.ws.ListWebhookDeliveries(f.ctx, f.a.WorkspaceID, ep.ID, enroll.DeliveryFilter{ListParams: enroll.ListParams{PerPage: 500}}))
	return pg.Data
}

func ok200(at time.Time) enroll.DeliveryOutcome {
	return enroll.DeliveryOutcome{Attempt: enroll.DeliveryAttempt{At: at, StatusCode: 200}, Status: enroll.DeliverySucceeded}
}

func testWebhookEndpoints(t *testing.T, newStore Factory) {
	f := newWebhookFixture(t, newStore)
	ep := f.endpoint(func(ep *enroll.WebhookEndpoint) {
		ep.Description = "billing"
		ep.EventTypes = []enroll.EventType{enroll.EventEnrollmentStatusChanged}
	})
	if !strings.HasPrefix(ep.Secret, "whsec_") || ep.ID == "" || ep.WorkspaceID != f.a.WorkspaceID {
		t.Fatalf("created endpoint = %+v", ep)
	}
	got := must(f.ws.FindWebhookEndpoint(f.ctx, f.a.WorkspaceID, ep.ID))
	if got.Secret != "" || got.URL != ep.URL || got.Description != "billing" || len(got.EventTypes) != 1 || !got.Enabled {
		t.Fatalf("found endpoint = %+v (the secret is shown once)", got)
	}
	if s := got.SigningSecrets(time.Now()); len(s) != 1 || s[0] != ep.Secret {
		t.Fatalf("signing secrets = %v, want the one shown", s)
	}
	_, err := f.ws.FindWebhookEndpoint(f.ctx, "other-workspace", ep.ID)
	wantCode(t, err, enroll.ENOTFOUND)

	err = f.ws.CreateWebhookEndpoint(f.ctx, f.a, &enroll.WebhookEndpoint{URL: "ftp://example.com/x", Enabled: true})
	wantCode(t, err, enroll.EINVALID)
	_, err = f.ws.UpdateWebhookEndpoint(f.ctx, f.a, ep.ID, func(ep *enroll.WebhookEndpoint) error {
		ep.EventTypes = []enroll.EventType{"nope"}
		return nil
	})
	wantCode(t, err, enroll.EINVALID)

	// Rotation: a new secret shown once, the old one signing for a day.
	rot := must(f.ws.UpdateWebhookEndpoint(f.ctx, f.a, ep.ID, func(ep *enroll.WebhookEndpoint) error {
		ep.Rotate(time.Now())
		return nil
	}))
	if rot.Secret == "" || rot.Secret == ep.Secret || rot.PreviousSecretExpiresAt == nil {
		t.Fatalf("rotated = %+v", rot)
	}
	got = must(f.ws.FindWebhookEndpoint(f.ctx, f.a.WorkspaceID, ep.ID))
	if s := got.SigningSecrets(time.Now()); len(s) != 2 || s[0] != rot.Secret || s[1] != ep.Secret {
		t.Fatalf("after rotation signing secrets = %v", s)
	}
	if s := got.SigningSecrets(time.Now().Add(25 * time.Hour)); len(s) != 1 || s[0] != rot.Secret {
		t.Fatalf("a day later signing secrets = %v", s)
	}
	// Rotations beyond keep the current secret and the three most recent
	// earlier ones (MaxEarlierSecrets), stored as such.
	var last *enroll.WebhookEndpoint
	for range 4 {
		last = must(f.ws.UpdateWebhookEndpoint(f.ctx, f.a, ep.ID, func(ep *enroll.WebhookEndpoint) error {
			ep.RotateOnUpdate()
			return nil
		}))
	}
	got = must(f.ws.FindWebhookEndpoint(f.ctx, f.a.WorkspaceID, ep.ID))
	if len(got.Secrets) != 1+enroll.MaxEarlierSecrets || got.Secrets[0].Secret != last.Secret || slices.ContainsFunc(got.Secrets,
		func(s enroll.WebhookSecret) bool { return s.Secret == rot.Secret || s.Secret == ep.Secret }) {
		t.Fatalf("after six rotations the store keeps %d secrets, want the newest %d", len(got.Secrets), 1+enroll.MaxEarlierSecrets)
	}

	f.endpoint()
	pg := must(f.ws.ListWebhookEndpoints(f.ctx, f.a.WorkspaceID, enroll.ListParams{}))
	if pg.TotalItems != 2 || len(pg.Data) != 2 || pg.Data[1].ID != ep.ID || pg.Data[0].Secret != "" {
		t.Fatalf("list = %d items, %+v", pg.TotalItems, pg.Data)
	}

	wantCode(t, f.ws.DeleteWebhookEndpoint(f.ctx, enroll.Actor{WorkspaceID: "other"}, ep.ID, nil), enroll.ENOTFOUND)
	if err := f.ws.DeleteWebhookEndpoint(f.ctx, f.a, ep.ID, nil); err != nil {
		t.Fatal(err)
	}
	_, err = f.ws.FindWebhookEndpoint(f.ctx, f.a.WorkspaceID, ep.ID)
	wantCode(t, err, enroll.ENOTFOUND)
	wantCode(t, f.ws.DeleteWebhookEndpoint(f.ctx, f.a, ep.ID, nil), enroll.ENOTFOUND)
}

func testWebhookDispatch(t *testing.T, newStore Factory) {
	f := newWebhookFixture(t, newStore)
	f.dispatchAll() // the workspace's own events, before any endpoint
	all := f.endpoint()
	changes := f.endpoint(func(ep *enroll.WebhookEndpoint) {
		ep.EventTypes = []enroll.EventType{enroll.EventEnrollmentStatusChanged}
	})
	off := f.endpoint(func(ep *enroll.WebhookEndpoint) { ep.Enabled = false })

	inst := f.instance(noAutoEvaluate)
	e := f.enroll(inst, "hook@example.com")
	e = f.move(e, enroll.StatusEligible)
	f.move(e, enroll.StatusSubmitted)
	other := newFixtureOn(t, f.s) // another workspace's events go to its endpoints only
	other.enroll(other.instance(noAutoEvaluate), "elsewhere@example.com")

	events := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{ListParams: enroll.ListParams{PerPage: 500}}))
	if n := f.dispatchAll(); n < len(events.Data) {
		t.Fatalf("dispatched %d events, want at least %d", n, len(events.Data))
	}
	if n := f.dispatchAll(); n != 0 {
		t.Fatalf("second dispatch took %d events, want 0", n)
	}
	if got := f.deliveries(all); len(got) != len(events.Data) {
		t.Fatalf("all-types endpoint has %d deliveries, want %d (one per event)", len(got), len(events.Data))
	}
	got := f.deliveries(changes)
	if len(got) != 2 || got[0].EventType != enroll.EventEnrollmentStatusChanged || got[0].Status != enroll.DeliveryPending || got[0].NextAttemptAt == nil {
		t.Fatalf("status_changed endpoint deliveries = %+v", got)
	}
	if got := f.deliveries(off); len(got) != 0 {
		t.Fatalf("a disabled endpoint got %d deliveries", len(got))
	}
	late := f.endpoint() // created after the events: gets none of them
	if f.dispatchAll(); len(f.deliveries(late)) != 0 {
		t.Fatal("an endpoint got events from before it existed")
	}
	_, err := f.ws.ListWebhookDeliveries(f.ctx, other.a.WorkspaceID, all.ID, enroll.DeliveryFilter{})
	wantCode(t, err, enroll.ENOTFOUND)

	// Streams: the enrollment's three events reach each endpoint one at a
	// time, in order, however many a claim asks for.
	var order []enroll.EventType
	for round := 0; round < 10; round++ {
		jobs := must(f.ws.ClaimWebhookDeliveries(f.ctx, time.Minute, 100, 100, 100))
		if len(jobs) == 0 {
			break
		}
		streams := map[string]bool{}
		for _, j := range jobs {
			d := j.Delivery
			key := d.EndpointID + "/" + d.Stream
			if streams[key] {
				t.Fatalf("one claim holds two deliveries of stream %s", key)
			}
			streams[key] = true
			if len(j.Body) == 0 || j.URL == "" || len(j.Secrets) != 1 || j.EventCreatedAt.IsZero() {
				t.Fatalf("job = %+v", j)
			}
			// The body is the event's bytes as GET /v1/events/{id} has them.
			if ev, err := f.s.FindEvent(f.ctx, f.a.WorkspaceID, d.EventID); err != nil {
				t.Fatal(err)
			} else if doc, err := ev.MarshalDoc(); err != nil || string(j.Body) != doc {
				t.Fatalf("body %s\nis not the event as found: %s (%v)", j.Body, doc, err)
			}
			if d.EndpointID == all.ID && d.Stream == e.ID {
				order = append(order, d.EventType)
			}
			if _, err := f.ws.FinishWebhookDelivery(f.ctx, j, ok200(time.Now())); err != nil {
				t.Fatal(err)
			}
		}
	}
	var want []enroll.EventType // the enrollment's events, oldest first
	for _, ev := range must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{ObjectID: e.ID})).Data {
		want = append([]enroll.EventType{ev.Type}, want...)
	}
	if strings.Join(typeNames(order), ",") != strings.Join(typeNames(want), ",") {
		t.Fatalf("the enrollment's events went out as %v, want %v", order, want)
	}
	for _, d := range f.deliveries(all) {
		if d.Status != enroll.DeliverySucceeded || d.AttemptCount != 1 || len(d.Attempts) != 1 || d.NextAttemptAt != nil {
			t.Fatalf("delivery after success = %+v", d)
		}
	}
}

func testWebhookRetries(t *testing.T, newStore Factory) {
	f := newWebhookFixture(t, newStore)
	f.dispatchAll()
	ep := f.endpoint()
	inst := f.instance(noAutoEvaluate)
	e := f.enroll(inst, "retry@example.com")
	f.move(e, enroll.StatusEligible)
	f.dispatchAll()

	claim := func() []*enroll.WebhookJob {
		t.Helper()
		return must(f.ws.ClaimWebhookDeliveries(f.ctx, 300*time.Millisecond, 100, 100, 100))
	}
	byStream := func(jobs []*enroll.WebhookJob) *enroll.WebhookJob {
		for _, j := range jobs {
			if j.Delivery.Stream == e.ID {
				return j
			}
		}
		return nil
	}
	head := byStream(claim())
	if head == nil || head.Delivery.EventType != enroll.EventEnrollmentCreated {
		t.Fatalf("head = %+v", head)
	}
	// Leased: not claimed again until the lease runs out.
	if j := byStream(claim()); j != nil {
		t.Fatalf("a leased delivery was claimed again: %+v", j.Delivery)
	}
	time.Sleep(400 * time.Millisecond)
	again := byStream(claim())
	if again == nil || again.Delivery.ID != head.Delivery.ID {
		t.Fatalf("after the lease expired, claimed %+v, want %s again", again, head.Delivery.ID)
	}

	// A failure keeps the stream waiting behind its head until the retry.
	now := time.Now()
	fail := enroll.DecideOutcome(again.Delivery, enroll.DeliveryAttempt{At: now, StatusCode: 503, Error: "busy"}, func() float64 { return 0 })
	d := must(f.ws.FinishWebhookDelivery(f.ctx, again, fail))
	if d.Status != enroll.DeliveryPending || d.AttemptCount != 1 || d.NextAttemptAt == nil || !d.NextAttemptAt.After(now) ||
		d.Attempts[0].StatusCode != 503 || d.Attempts[0].Error != "busy" {
		t.Fatalf("after a 503: %+v", d)
	}
	if j := byStream(claim()); j != nil {
		t.Fatalf("claimed %s while the stream's head waits for its retry", j.Delivery.EventType)
	}
	time.Sleep(time.Until(*d.NextAttemptAt) + 50*time.Millisecond)
	retry := byStream(claim())
	if retry == nil || retry.Delivery.ID != d.ID || retry.Delivery.AttemptCount != 1 {
		t.Fatalf("retry = %+v", retry)
	}

	// 410 Gone: the delivery fails and the endpoint is disabled.
	gone := enroll.DecideOutcome(retry.Delivery, enroll.DeliveryAttempt{At: time.Now(), StatusCode: 410}, nil)
	d = must(f.ws.FinishWebhookDelivery(f.ctx, retry, gone))
	if d.Status != enroll.DeliveryFailed || d.AttemptCount != 2 {
		t.Fatalf("after 410: %+v", d)
	}
	got := must(f.ws.FindWebhookEndpoint(f.ctx, f.a.WorkspaceID, ep.ID))
	if got.Enabled || got.DisabledReason == "" {
		t.Fatalf("endpoint after 410 = %+v", got)
	}
	time.Sleep(350 * time.Millisecond)
	if jobs := claim(); len(jobs) != 0 {
		t.Fatalf("a disabled endpoint's deliveries were claimed: %d", len(jobs))
	}
	// Nor is it sent a redelivery, which would wait until it is enabled:
	// refused, and nothing queued.
	before := len(f.deliveries(ep))
	_, err := f.ws.RedeliverWebhook(f.ctx, f.a, ep.ID, head.Delivery.ID)
	wantCode(t, err, enroll.ECONFLICT)
	if !strings.Contains(enroll.ErrorMessage(err), "disabled") {
		t.Errorf("redelivery to a disabled endpoint: %v, want it to say the endpoint is disabled", err)
	}
	if n := len(f.deliveries(ep)); n != before {
		t.Fatalf("a refused redelivery left %d deliveries, want %d", n, before)
	}
	// Enabling it again resumes the queue where it stopped.
	got = must(f.ws.UpdateWebhookEndpoint(f.ctx, f.a, ep.ID, func(ep *enroll.WebhookEndpoint) error { ep.Enabled = true; return nil }))
	if !got.Enabled || got.DisabledReason != "" {
		t.Fatalf("re-enabled endpoint = %+v", got)
	}
	next := byStream(claim())
	if next == nil || next.Delivery.EventType != enroll.EventEnrollmentStatusChanged {
		t.Fatalf("after re-enabling, claimed %+v, want the status change", next)
	}

	// Redelivery: a new delivery of the same event, outside the stream.
	re := must(f.ws.RedeliverWebhook(f.ctx, f.a, ep.ID, head.Delivery.ID))
	if re.ID == head.Delivery.ID || re.EventID != head.Delivery.EventID || re.RedeliveryOf != head.Delivery.ID || re.Status != enroll.DeliveryPending {
		t.Fatalf("redelivery = %+v", re)
	}
	found := false
	for _, j := range claim() {
		found = found || j.Delivery.ID == re.ID
	}
	if !found {
		t.Fatal("the redelivery was not due at once")
	}
	_, err = f.ws.RedeliverWebhook(f.ctx, f.a, ep.ID, "whd_missing")
	wantCode(t, err, enroll.ENOTFOUND)
	pg := must(f.ws.ListWebhookDeliveries(f.ctx, f.a.WorkspaceID, ep.ID, enroll.DeliveryFilter{Status: enroll.DeliveryFailed}))
	if pg.TotalItems != 1 || pg.Data[0].ID != head.Delivery.ID {
		t.Fatalf("failed deliveries = %+v", pg.Data)
	}
	one := must(f.ws.FindWebhookDelivery(f.ctx, f.a.WorkspaceID, ep.ID, re.ID))
	if one.RedeliveryOf != head.Delivery.ID {
		t.Fatalf("FindWebhookDelivery = %+v", one)
	}
	_, err = f.ws.FindWebhookDelivery(f.ctx, f.a.WorkspaceID, "whe_other", re.ID)
	wantCode(t, err, enroll.ENOTFOUND)
}

// testWebhookConcurrency runs dispatchers and claimers side by side, as
// replicas do: every event is dispatched once, and no delivery is held by
// two claimers at once.
func testWebhookConcurrency(t *testing.T, newStore Factory) {
	f := newWebhookFixture(t, newStore)
	f.dispatchAll()
	ep := f.endpoint()
	inst := f.instance(noAutoEvaluate)
	for i := 0; i < 12; i++ {
		f.enroll(inst, "c"+enroll.NewID()[18:]+"@example.com")
	}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, err := f.ws.DispatchEvents(f.ctx, 3, 0)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	f.dispatchAll() // a dispatcher that found the lock taken may have left some
	events := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{})).TotalItems
	if got := len(f.deliveries(ep)); got != events || events < 12 {
		t.Fatalf("%d deliveries for %d events", got, events)
	}
	var mu sync.Mutex
	claimed := map[string]int{}
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			jobs, err := f.ws.ClaimWebhookDeliveries(f.ctx, time.Minute, 5, 5, 5)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, j := range jobs {
				claimed[j.Delivery.ID]++
			}
		}()
	}
	wg.Wait()
	for id, n := range claimed {
		if n > 1 {
			t.Fatalf("delivery %s claimed %d times at once", id, n)
		}
	}
	if len(claimed) == 0 {
		t.Fatal("nothing claimed")
	}
}

func typeNames(ts []enroll.EventType) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t)
	}
	return out
}

// testEventsAfter checks the poll of GET /v1/events?after=: published
// events after a given one, oldest first, filters applied.
func testEventsAfter(t *testing.T, newStore Factory) {
	f := newWebhookFixture(t, newStore)
	inst := f.instance(noAutoEvaluate)
	e := f.enroll(inst, "poll@example.com")
	f.move(e, enroll.StatusEligible)
	f.dispatchAll()
	all := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{ListParams: enroll.ListParams{PerPage: 500}})).Data
	oldest := all[len(all)-1]
	pg := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{After: oldest.ID, ListParams: enroll.ListParams{PerPage: 2}}))
	if len(pg.Data) != 2 || pg.Data[0].ID != all[len(all)-2].ID || pg.Data[1].ID != all[len(all)-3].ID || pg.TotalItems != len(all)-1 {
		t.Fatalf("after the oldest: %d events (total %d)", len(pg.Data), pg.TotalItems)
	}
	if pg.Data[0].ActorKeyID != f.keyID {
		t.Fatalf("event actor = %q, want the key %q", pg.Data[0].ActorKeyID, f.keyID)
	}
	// A poll is always page 0: a page number would answer the first page
	// under another number, and a token pages another query.
	if pg.Page != 0 || pg.NextPageToken != "" {
		t.Fatalf("a poll answered page %d, token %v", pg.Page, pg.NextPageToken)
	}
	_, err := f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{After: oldest.ID, ListParams: enroll.ListParams{PerPage: 2, Page: 2}})
	wantField(t, err, "query.page", 2)
	_, err = f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{After: oldest.ID, ListParams: enroll.ListParams{PageToken: "tok"}})
	wantField(t, err, "query.pageToken", "tok")
	last := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{After: all[0].ID}))
	if len(last.Data) != 0 {
		t.Fatalf("after the newest: %d events", len(last.Data))
	}
	typed := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{After: oldest.ID, Types: []enroll.EventType{enroll.EventEnrollmentStatusChanged}}))
	if len(typed.Data) != 1 || typed.Data[0].Type != enroll.EventEnrollmentStatusChanged {
		t.Fatalf("status changes after the oldest: %+v", typed.Data)
	}
	// An event not yet published is not a cursor yet; an unknown one never.
	f.move(must(f.s.FindEnrollment(f.ctx, f.a.WorkspaceID, e.ID)), enroll.StatusSubmitted)
	newest := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{})).Data[0]
	_, err = f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{After: newest.ID})
	wantField(t, err, "query.after", newest.ID)
	if got := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{After: all[0].ID})); len(got.Data) != 0 {
		t.Fatalf("unpublished events listed: %d", len(got.Data))
	}
	f.dispatchAll()
	if got := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{After: all[0].ID})); len(got.Data) == 0 {
		t.Fatal("published events not listed")
	}
	_, err = f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{After: "evt_unknown"})
	wantField(t, err, "query.after", "evt_unknown")
	_, err = newFixtureOn(t, f.s).s.ListEvents(f.ctx, "other-workspace", enroll.EventFilter{After: oldest.ID})
	wantField(t, err, "query.after", oldest.ID)
}

// testWebhookFinishBatch records a batch of attempts in one call: each
// outcome applied, a 410 disabling its endpoint, a delivery deleted
// meanwhile skipped.
func testWebhookFinishBatch(t *testing.T, newStore Factory) {
	f := newWebhookFixture(t, newStore)
	f.dispatchAll()
	ok, retry, gone := f.endpoint(), f.endpoint(), f.endpoint()
	doomed := f.endpoint()
	f.enroll(f.instance(noAutoEvaluate), "batch@example.com")
	f.dispatchAll()
	jobs := must(f.ws.ClaimWebhookDeliveries(f.ctx, time.Minute, 500, 500, 500))
	now := time.Now()
	var done []enroll.DeliveryResult
	for _, j := range jobs {
		at := enroll.DeliveryAttempt{At: now, StatusCode: 200}
		switch j.Delivery.EndpointID {
		case retry.ID:
			at.StatusCode = 503
		case gone.ID:
			at.StatusCode = 410
		}
		done = append(done, enroll.DeliveryResult{Job: j, Outcome: enroll.DecideOutcome(j.Delivery, at, nil)})
	}
	if err := f.ws.DeleteWebhookEndpoint(f.ctx, f.a, doomed.ID, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.ws.FinishWebhookDeliveries(f.ctx, done); err != nil {
		t.Fatal(err)
	}
	want := map[string]enroll.DeliveryStatus{ok.ID: enroll.DeliverySucceeded, retry.ID: enroll.DeliveryPending, gone.ID: enroll.DeliveryFailed}
	for id, status := range want {
		ds := f.deliveries(&enroll.WebhookEndpoint{ID: id})
		claimed := 0
		for _, d := range ds {
			if d.AttemptCount == 1 {
				claimed++
				if d.Status != status || len(d.Attempts) != 1 {
					t.Fatalf("endpoint %s: delivery %+v, want %s", id, d, status)
				}
			}
		}
		if claimed == 0 {
			t.Fatalf("endpoint %s: no attempt recorded", id)
		}
	}
	if ep := must(f.ws.FindWebhookEndpoint(f.ctx, f.a.WorkspaceID, gone.ID)); ep.Enabled {
		t.Fatal("a 410 in a batch did not disable its endpoint")
	}
	if err := f.ws.FinishWebhookDeliveries(f.ctx, nil); err != nil {
		t.Fatal(err)
	}
}

// testWebhookEndpointCap checks ClaimWebhookDeliveries' bound per
// endpoint: an endpoint with many due streams (a slow receiver's backlog,
// queued first) holds at most perEndpoint unexpired leases, whatever the
// claims ask for, while another workspace's endpoint gets its deliveries
// claimed beside it; expired leases do not count; concurrent claimers
// (replicas) never lease past the bound between them. That last check
// passes on PostgreSQL without the claim's lock too: every claim's picks
// of one endpoint are the first of its due deliveries, so racing claims
// pick the same rows, which SKIP LOCKED keeps apart. Claims pick
// different rows of one workspace (testWebhookWorkspaceCapConcurrent),
// which is what the lock, now on the workspace, is for; postgres'
// TestClaimLock produces that interleaving with a claim held open.
func testWebhookEndpointCap(t *testing.T, newStore Factory) {
	// perWorkspace is above what the busy endpoint may hold: the bound here
	// is the endpoint's alone (see testWebhookWorkspaceCap).
	const perEndpoint, perWorkspace = 2, 100
	f := newWebhookFixture(t, newStore)
	f.dispatchAll()
	busy := f.endpoint()
	inst := f.instance(noAutoEvaluate)
	for i := 0; i < 8; i++ {
		f.enroll(inst, "busy"+enroll.NewID()[18:]+"@example.com")
	}
	f.dispatchAll()
	other := newFixtureOn(t, f.s)
	quiet := &enroll.WebhookEndpoint{URL: "https://hooks.example.com/quiet", Enabled: true}
	if err := f.ws.CreateWebhookEndpoint(f.ctx, other.a, quiet); err != nil {
		t.Fatal(err)
	}
	oinst := other.instance(noAutoEvaluate)
	other.enroll(oinst, "quiet1@example.com")
	other.enroll(oinst, "quiet2@example.com")
	f.dispatchAll()

	count := func(jobs []*enroll.WebhookJob) (b, q int) {
		for _, j := range jobs {
			switch j.Delivery.EndpointID {
			case busy.ID:
				b++
			case quiet.ID:
				q++
			}
		}
		return b, q
	}
	claim := func(lease time.Duration, limit int) []*enroll.WebhookJob {
		t.Helper()
		return must(f.ws.ClaimWebhookDeliveries(f.ctx, lease, limit, perEndpoint, perWorkspace))
	}
	if b, q := count(claim(300*time.Millisecond, 100)); b != perEndpoint || q != 2 {
		t.Fatalf("first claim: %d busy, %d quiet, want %d and 2", b, q, perEndpoint)
	}
	// Expired leases do not count (their deliveries are due again). The
	// busy endpoint's deliveries are due first, but the quiet one's first
	// is claimed beside its two.
	time.Sleep(400 * time.Millisecond)
	jobs := claim(time.Minute, 3)
	if b, q := count(jobs); b != 2 || q != 1 {
		t.Fatalf("claim of 3 after the leases expired: %d busy, %d quiet, want 2 and 1", b, q)
	}
	// The busy endpoint is full: nothing more of it, the quiet one's next,
	// even to a claim of one, whose look at the queue's front finds only
	// the busy endpoint's backlog.
	if b, q := count(claim(time.Minute, 1)); b != 0 || q != 1 {
		t.Fatalf("claim of 1: %d busy, %d quiet, want 0 and 1", b, q)
	}
	if b, _ := count(claim(time.Minute, 100)); b != 0 {
		t.Fatalf("a claim leased %d of a full endpoint", b)
	}
	// A finished attempt makes room for one more.
	var held []*enroll.WebhookJob
	for _, j := range jobs {
		if j.Delivery.EndpointID == busy.ID {
			held = append(held, j)
		}
	}
	if _, err := f.ws.FinishWebhookDelivery(f.ctx, held[0], ok200(time.Now())); err != nil {
		t.Fatal(err)
	}
	more := claim(time.Minute, 100)
	if b, _ := count(more); b != 1 {
		t.Fatalf("after one finished, claimed %d of the busy endpoint, want 1", b)
	}
	// Claims at once, as replicas make them: with both leases ended, four
	// concurrent claims lease at most perEndpoint in all.
	held = append(held[1:], more...)
	for _, j := range held {
		if _, err := f.ws.FinishWebhookDelivery(f.ctx, j, ok200(time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int
	)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			jobs, err := f.ws.ClaimWebhookDeliveries(f.ctx, time.Minute, 100, perEndpoint, perWorkspace)
			if err != nil {
				t.Error(err)
				return
			}
			b, _ := count(jobs)
			mu.Lock()
			total += b
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total < 1 || total > perEndpoint {
		t.Fatalf("concurrent claims leased %d of the busy endpoint, want 1 to %d", total, perEndpoint)
	}
}
