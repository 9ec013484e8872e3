package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// EventRetention checks DeleteExpiredEvents: finished deliveries and
// notifications older than the retention go, then the events nothing kept
// refers to and the dispatcher has taken, but the newest published one of
// each counter key (a poller's cursor; eventCursorRetention); pending
// ones, recent ones, the events they need and events not yet dispatched
// stay, as do enrollments and their history; totals follow. It needs the
// store's clock, which advance moves forward, so the stores' own tests
// run it on a store they build with one (and, to cross batches, a small
// batch).
func EventRetention(t *testing.T, s enroll.Store, advance func(time.Duration)) {
	t.Helper()
	const retention = 30 * 24 * time.Hour
	f := &notificationFixture{webhookFixture: &webhookFixture{fixture: newFixtureOn(t, s)}}
	var ok bool
	if f.ws, ok = s.(enroll.WebhookStore); !ok {
		t.Skip("the store keeps no webhooks")
	}
	if f.ns, ok = s.(enroll.NotificationStore); !ok {
		t.Skip("the store keeps no notifications")
	}
	ep := f.endpoint()
	inst := f.instance()
	if err := f.ns.PutNotificationSettings(f.ctx, f.a, &enroll.NotificationSettings{ProgramInstanceID: inst.ID, Enabled: true}, nil); err != nil {
		t.Fatal(err)
	}
	f.template(inst.ID, enroll.StatusEligible)
	f.template(inst.ID, enroll.StatusSubmitted)

	// Old and finished: e1 and e4, with their program's events.
	e1 := f.enroll(inst, "done@example.com")
	f.move(e1, enroll.StatusSubmitted)
	e4 := f.enroll(inst, "redelivered@example.com")
	f.dispatchAll()
	f.finishAll()
	// Old, with deliveries finished and notifications pending: e2; the
	// other way round: e5. Old and not dispatched: e3.
	e2 := f.enroll(inst, "notifying@example.com")
	e5 := f.enroll(inst, "delivering@example.com")
	f.dispatchAll()
	f.finish(func(d *enroll.WebhookDelivery) bool { return d.Stream == e2.ID }, func(n *enroll.Notification) bool { return n.EnrollmentID == e5.ID })
	e3 := f.enroll(inst, "undispatched@example.com")
	history := must(f.s.ListStatusChanges(f.ctx, f.a.WorkspaceID, e1.ID))

	advance(retention + 5*24*time.Hour)
	// A redelivery made now of an old delivery keeps its event.
	var old *enroll.WebhookDelivery
	for _, d := range f.deliveries(ep) {
		if d.EventID == f.eventIDs(e4)[0] {
			old = d
		}
	}
	if old == nil || old.Status != enroll.DeliverySucceeded {
		t.Fatalf("e4's first delivery = %+v", old)
	}
	redelivery := must(f.ws.RedeliverWebhook(f.ctx, f.a, ep.ID, old.ID))

	ev1, ev2, ev3, ev4, ev5 := f.eventIDs(e1), f.eventIDs(e2), f.eventIDs(e3), f.eventIDs(e4), f.eventIDs(e5)
	if len(ev1) < 3 || len(ev2) < 2 || len(ev3) == 0 || len(ev4) == 0 || len(ev5) == 0 {
		t.Fatalf("events of e1 %v, e2 %v, e3 %v, e4 %v, e5 %v", ev1, ev2, ev3, ev4, ev5)
	}
	keptEvents := slices.Concat(ev3, ev4[:1], ev5)
	var keptDeliveries, keptNotifications []string
	deliveriesBefore, notificationsBefore := f.deliveries(ep), f.allNotifications()
	for _, d := range deliveriesBefore {
		if d.Status == enroll.DeliveryPending {
			keptDeliveries = append(keptDeliveries, d.ID)
		}
	}
	for _, n := range notificationsBefore {
		if n.Status == enroll.NotificationPending {
			keptNotifications = append(keptNotifications, n.ID)
			if n.EnrollmentID != e2.ID {
				t.Fatalf("pending notification of %s, want e2's only", n.EnrollmentID)
			}
			if !slices.Contains(keptEvents, n.EventID) {
				keptEvents = append(keptEvents, n.EventID)
			}
		}
	}
	if !slices.Contains(keptDeliveries, redelivery.ID) || len(keptDeliveries) < 2 || len(keptNotifications) == 0 || len(keptEvents) >= len(ev3)+1+len(ev5)+len(ev2) {
		t.Fatalf("pending before: deliveries %v, notifications %v; events kept %v, of e2 %v", keptDeliveries, keptNotifications, keptEvents, ev2)
	}
	// Of each key, the newest event published stays too: e3's are not.
	before := f.allEvents()
	newest := newestOfKeys(before, ev3)
	for _, id := range newest {
		if !slices.Contains(keptEvents, id) {
			keptEvents = append(keptEvents, id)
		}
	}
	// A poller whose cursor is the first kept event after every one
	// deleted, whose backlog the store remembers.
	var cursor string
	for _, ev := range slices.Backward(before) {
		if !slices.Contains(keptEvents, ev.ID) {
			break
		}
		if !slices.Contains(ev3, ev.ID) {
			cursor = ev.ID
		}
	}
	if cursor == "" {
		t.Fatalf("no kept event after the deleted ones: kept %v", keptEvents)
	}
	eventsBefore := f.eventTotal(nil)
	f.pollAfter(ev4[0])
	f.pollAfter(cursor)

	got := must(f.ws.DeleteExpiredEvents(f.ctx, retention))
	want := enroll.ExpiredEvents{Events: eventsBefore - len(keptEvents), Deliveries: len(deliveriesBefore) - len(keptDeliveries),
		Notifications: len(notificationsBefore) - len(keptNotifications)}
	if got != want {
		t.Fatalf("DeleteExpiredEvents = %+v, want %+v", got, want)
	}
	f.wantKept(ep, keptEvents, keptDeliveries, keptNotifications)
	// A poller's backlog after a kept event counts what is left, though
	// the store remembered the count of its poll before; a poller after
	// e4's kept event, past which e4's later events went, is told to
	// start again rather than skip them.
	after := 0
	for _, ev := range before[slices.IndexFunc(before, func(ev *enroll.Event) bool { return ev.ID == cursor })+1:] {
		if slices.Contains(keptEvents, ev.ID) && !slices.Contains(ev3, ev.ID) {
			after++
		}
	}
	if n := f.pollAfter(cursor); n != after {
		t.Fatalf("the backlog after kept event %s: %d, want the %d events kept and published after it", cursor, n, after)
	}
	_, err := f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{After: ev4[0]})
	wantAfterExpired(t, err, ev4[0])
	for _, id := range slices.Concat(ev1, ev4[1:]) { // and e2's not notified
		if slices.Contains(newest, id) {
			continue
		}
		_, err := f.s.FindEvent(f.ctx, f.a.WorkspaceID, id)
		wantCode(t, err, enroll.ENOTFOUND)
	}
	_, err = f.ws.FindWebhookDelivery(f.ctx, f.a.WorkspaceID, ep.ID, old.ID)
	wantCode(t, err, enroll.ENOTFOUND)
	_, err = f.ws.RedeliverWebhook(f.ctx, f.a, ep.ID, old.ID)
	wantCode(t, err, enroll.ENOTFOUND)
	if h := must(f.s.ListStatusChanges(f.ctx, f.a.WorkspaceID, e1.ID)); len(h) != len(history) || len(h) < 2 {
		t.Fatalf("e1's history after: %d entries, before %d", len(h), len(history))
	}
	if e := must(f.s.FindEnrollment(f.ctx, f.a.WorkspaceID, e1.ID)); e.Eligibility.Status != enroll.StatusSubmitted {
		t.Fatalf("e1 after: %s", e.Eligibility.Status)
	}
	f.wantIntegrity()
	if again := must(f.ws.DeleteExpiredEvents(f.ctx, retention)); again.Total() != 0 {
		t.Fatalf("a second call deleted %+v", again)
	}

	// Dispatched and finished now: e3's events are old, but their
	// deliveries, e5's and e2's notifications finished only now, so all
	// of them stay, and the events of the deliveries. e2's old events,
	// whose deliveries went, are no longer needed by a pending
	// notification: they go, as do the events kept as the newest of their
	// key that e3's, published now, are newer than.
	f.dispatchAll()
	f.finishAll()
	newest = newestOfKeys(f.allEvents(), nil)
	needed := slices.Concat(ev3, ev4[:1], ev5, newest)
	notified := slices.DeleteFunc(slices.Clone(keptEvents), func(id string) bool { return slices.Contains(needed, id) })
	if now := must(f.ws.DeleteExpiredEvents(f.ctx, retention)); now != (enroll.ExpiredEvents{Events: len(notified)}) {
		t.Fatalf("deleted %+v of what finished just now, want e2's and the superseded newest, %d events, only", now, len(notified))
	}
	keptEvents = slices.DeleteFunc(keptEvents, func(id string) bool { return slices.Contains(notified, id) })
	if n := f.eventTotal(nil); n != len(keptEvents) {
		t.Fatalf("events after finishing: %d, want %d", n, len(keptEvents))
	}

	// A retention later, everything finished goes, events included, but
	// the newest of each key.
	advance(retention + time.Hour)
	if last := must(f.ws.DeleteExpiredEvents(f.ctx, retention)); last.Events != len(keptEvents)-len(newest) || last.Deliveries == 0 || last.Notifications == 0 {
		t.Fatalf("a retention later: %+v, want %d events and every delivery and notification", last, len(keptEvents)-len(newest))
	}
	f.wantKept(ep, newest, nil, nil)
	f.wantIntegrity()
	if h := must(f.s.ListStatusChanges(f.ctx, f.a.WorkspaceID, e1.ID)); len(h) != len(history) {
		t.Fatalf("e1's history at the end: %d entries, before %d", len(h), len(history))
	}

	eventCursorRetention(t, s, advance, retention)
}

// finish claims due deliveries and notifications and finishes those
// that deliveries and notes pick (succeeded, sent), until it finishes
// none: the others stay pending, leased.
func (f *notificationFixture) finish(deliveries func(*enroll.WebhookDelivery) bool, notes func(*enroll.Notification) bool) {
	f.t.Helper()
	for {
		done := 0
		for _, j := range must(f.ws.ClaimWebhookDeliveries(f.ctx, time.Minute, 100, 100, 100)) {
			if deliveries(j.Delivery) {
				must(f.ws.FinishWebhookDelivery(f.ctx, j, ok200(time.Now())))
				done++
			}
		}
		for _, n := range must(f.ns.ClaimNotifications(f.ctx, time.Minute, 100)) {
			if notes(n) {
				must(f.ns.FinishNotification(f.ctx, n, enroll.DecideNotificationOutcome(n, enroll.NotificationAttempt{At: time.Now()}, nil)))
				done++
			}
		}
		if done == 0 {
			return
		}
	}
}

// finishAll finishes every due delivery and notification.
func (f *notificationFixture) finishAll() {
	f.t.Helper()
	f.finish(func(*enroll.WebhookDelivery) bool { return true }, func(*enroll.Notification) bool { return true })
}

// pollAfter polls the events published after id, all in one page, and
// returns the backlog, checked against the page.
func (f *notificationFixture) pollAfter(id string) int {
	f.t.Helper()
	pg := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{After: id, ListParams: enroll.ListParams{PerPage: 100}}))
	if pg.TotalItems != len(pg.Data) {
		f.t.Fatalf("events after %s: totalItems %d, listed %d", id, pg.TotalItems, len(pg.Data))
	}
	return pg.TotalItems
}

// eventIDs returns the ids of e's events, oldest first.
func (f *notificationFixture) eventIDs(e *enroll.Enrollment) []string {
	f.t.Helper()
	pg := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{ObjectID: e.ID, ListParams: enroll.ListParams{PerPage: 100}}))
	var ids []string
	for _, ev := range slices.Backward(pg.Data) {
		ids = append(ids, ev.ID)
	}
	return ids
}

// eventTotal returns the workspace's events as a list totals them
// (limited to instances when not nil), checking it against the page.
func (f *notificationFixture) eventTotal(instances []string) int {
	f.t.Helper()
	pg := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{InstanceIDs: instances, ListParams: enroll.ListParams{PerPage: 500}}))
	if pg.TotalItems != len(pg.Data) {
		f.t.Fatalf("events: totalItems %d, listed %d", pg.TotalItems, len(pg.Data))
	}
	return pg.TotalItems
}

func (f *notificationFixture) allNotifications() []*enroll.Notification {
	f.t.Helper()
	pg := must(f.ns.ListNotifications(f.ctx, f.a.WorkspaceID, enroll.NotificationFilter{ListParams: enroll.ListParams{PerPage: 500}}))
	if pg.TotalItems != len(pg.Data) {
		f.t.Fatalf("notifications: totalItems %d, listed %d", pg.TotalItems, len(pg.Data))
	}
	return pg.Data
}

// wantKept checks that exactly these events, deliveries (of ep) and
// notifications are left, and that the lists total them.
func (f *notificationFixture) wantKept(ep *enroll.WebhookEndpoint, events, deliveries, notifications []string) {
	f.t.Helper()
	pg := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{ListParams: enroll.ListParams{PerPage: 500}}))
	wantIDs(f.t, "events", pg.TotalItems, pg.Data, func(e *enroll.Event) string { return e.ID }, events)
	dp := must(f.ws.ListWebhookDeliveries(f.ctx, f.a.WorkspaceID, ep.ID, enroll.DeliveryFilter{ListParams: enroll.ListParams{PerPage: 500}}))
	wantIDs(f.t, "deliveries", dp.TotalItems, dp.Data, func(d *enroll.WebhookDelivery) string { return d.ID }, deliveries)
	np := must(f.ns.ListNotifications(f.ctx, f.a.WorkspaceID, enroll.NotificationFilter{ListParams: enroll.ListParams{PerPage: 500}}))
	wantIDs(f.t, "notifications", np.TotalItems, np.Data, func(n *enroll.Notification) string { return n.ID }, notifications)
	// The counters by instance, which a key limited to instances totals by.
	f.eventTotal([]string{"none"})
	for _, id := range events {
		must(f.s.FindEvent(f.ctx, f.a.WorkspaceID, id))
	}
}

func wantIDs[T any](t *testing.T, what string, total int, got []T, id func(T) string, want []string) {
	t.Helper()
	var ids []string
	for _, v := range got {
		ids = append(ids, id(v))
	}
	slices.Sort(ids)
	want = slices.Sorted(slices.Values(want))
	if total != len(want) || !slices.Equal(ids, want) {
		t.Fatalf("%s left: totalItems %d, %v; want %v", what, total, ids, want)
	}
}

func (f *notificationFixture) wantIntegrity() {
	f.t.Helper()
	ic, ok := f.s.(interface {
		IntegrityCheck(ctx context.Context) error
	})
	if !ok {
		return
	}
	if err := ic.IntegrityCheck(f.ctx); err != nil {
		f.t.Fatal(err)
	}
}
