package storetest

import (
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// testWebhookQueuedNextAttempt retries the head of an enrollment's stream
// and checks the nextAttemptAt the deliveries queued behind it show, in
// the list and one by one: not before the head's retry (they cannot be
// attempted earlier), whether they were queued before the failure or
// after it, while another enrollment's delivery keeps its own time; and,
// once the head has succeeded, a time that is not in the future, since
// the next one is due.
func testWebhookQueuedNextAttempt(t *testing.T, newStore Factory) {
	f := newWebhookFixture(t, newStore)
	inst := f.instance(noAutoEvaluate)
	f.dispatchAll()
	ep := f.endpoint(func(ep *enroll.WebhookEndpoint) {
		ep.EventTypes = []enroll.EventType{enroll.EventEnrollmentCreated, enroll.EventEnrollmentStatusChanged}
	})
	e := f.enroll(inst, "queued@example.com")
	f.move(e, enroll.StatusEligible)
	f.dispatchAll()
	jobs := must(f.ws.ClaimWebhookDeliveries(f.ctx, time.Minute, 10, 10, 10))
	if len(jobs) != 1 || jobs[0].Delivery.EventType != enroll.EventEnrollmentCreated {
		t.Fatalf("claimed %d deliveries, want the stream's head (enrollment.created) alone", len(jobs))
	}
	head := jobs[0]
	fail := enroll.DecideOutcome(head.Delivery, enroll.DeliveryAttempt{At: time.Now(), StatusCode: 503, Error: "busy"},
		func() float64 { return 0 })
	retried := must(f.ws.FinishWebhookDelivery(f.ctx, head, fail))
	if retried.Status != enroll.DeliveryPending || retried.NextAttemptAt == nil {
		t.Fatalf("after a 503 the head is %s with nextAttemptAt %v, want pending with a retry", retried.Status, retried.NextAttemptAt)
	}
	retry := *retried.NextAttemptAt
	// Queued after the failure: behind the head all the same.
	f.move(e, enroll.StatusIneligible)
	other := f.enroll(inst, "other@example.com")
	f.dispatchAll()

	shown := func(d *enroll.WebhookDelivery) (list, one *time.Time) {
		t.Helper()
		found := must(f.ws.FindWebhookDelivery(f.ctx, f.a.WorkspaceID, ep.ID, d.ID))
		return d.NextAttemptAt, found.NextAttemptAt
	}
	ds := f.deliveries(ep)
	if len(ds) != 4 {
		t.Fatalf("%d deliveries, want 4", len(ds))
	}
	others := map[string]bool{}
	for _, ev := range must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{ObjectID: other.ID})).Data {
		others[ev.ID] = true
	}
	var otherSeen bool
	for _, d := range ds {
		list, one := shown(d)
		for _, got := range []struct {
			where string
			at    *time.Time
		}{{"ListWebhookDeliveries", list}, {"FindWebhookDelivery", one}} {
			switch {
			case got.at == nil:
				t.Errorf("%s: pending delivery %s (%s) has no nextAttemptAt", got.where, d.ID, d.EventType)
			case d.ID == retried.ID:
				if !got.at.Equal(retry) {
					t.Errorf("%s: the retried head's nextAttemptAt = %v, want its retry %v", got.where, got.at, retry)
				}
			case others[d.EventID]:
				otherSeen = true
				if !got.at.Equal(d.CreatedAt) {
					t.Errorf("%s: another enrollment's delivery %s shows nextAttemptAt %v, want its creation %v", got.where, d.ID, got.at, d.CreatedAt)
				}
			case got.at.Before(retry):
				t.Errorf("%s: delivery %s (%s), queued behind %s, shows nextAttemptAt %v, before that one's retry at %v",
					got.where, d.ID, d.EventType, retried.ID, got.at, retry)
			}
		}
	}
	if !otherSeen {
		t.Errorf("the other enrollment's delivery was not listed")
	}

	// Once the head succeeds, the next one heads the stream and is due.
	time.Sleep(time.Until(retry) + 50*time.Millisecond)
	var again *enroll.WebhookJob
	for _, j := range must(f.ws.ClaimWebhookDeliveries(f.ctx, time.Minute, 10, 10, 10)) {
		if j.Delivery.ID == retried.ID {
			again = j
		}
	}
	if again == nil {
		t.Fatalf("the head was not claimed again at its retry")
	}
	must(f.ws.FinishWebhookDelivery(f.ctx, again, ok200(time.Now())))
	now := time.Now()
	for _, d := range f.deliveries(ep) {
		if d.Status != enroll.DeliveryPending {
			continue
		}
		list, one := shown(d)
		if list == nil || list.After(now) || one == nil || one.After(now) {
			t.Errorf("after the head succeeded, delivery %s (%s) shows nextAttemptAt %v (list) and %v (one), want a time not after %v",
				d.ID, d.EventType, list, one, now)
		}
	}
}
