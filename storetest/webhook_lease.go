package storetest

import (
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// testWebhookLeaseFence checks that a finish records an attempt only under
// the lease it was made under: a sender whose lease expired and was
// claimed again must not record over the new holder (nor end its lease,
// which would let the endpoint go over its bound), and a record tried
// again after an error that left unknown whether it committed must not
// be written twice.
func testWebhookLeaseFence(t *testing.T, newStore Factory) {
	f := newWebhookFixture(t, newStore)
	inst := f.instance(noAutoEvaluate)
	f.dispatchAll()
	ep := f.endpoint() // after the instance's event: one stream, the enrollment's
	e := f.enroll(inst, "fence@example.com")
	f.move(e, enroll.StatusEligible)
	f.dispatchAll()

	// Long enough that a loaded machine never outlasts a lease the test
	// counts on still holding (300 ms once did).
	const lease = 2 * time.Second
	claim := func(perEndpoint int) *enroll.WebhookJob {
		t.Helper()
		jobs := must(f.ws.ClaimWebhookDeliveries(f.ctx, lease, 100, perEndpoint, 100))
		if len(jobs) > 1 {
			t.Fatalf("claimed %d deliveries of one stream", len(jobs))
		}
		if len(jobs) == 0 {
			return nil
		}
		if jobs[0].LeaseUntil.IsZero() || jobs[0].Delivery.EndpointID != ep.ID {
			t.Fatalf("job = %+v", jobs[0])
		}
		return jobs[0]
	}
	first := claim(1)
	if first == nil {
		t.Fatal("nothing to claim")
	}
	time.Sleep(lease + 100*time.Millisecond)
	second := claim(1)
	if second == nil || second.Delivery.ID != first.Delivery.ID || !second.LeaseUntil.After(first.LeaseUntil) {
		t.Fatalf("after the lease expired, claimed %+v, want %s again under a later lease", second, first.Delivery.ID)
	}

	// The first sender's record comes late: refused, alone or in a batch.
	_, err := f.ws.FinishWebhookDelivery(f.ctx, first, ok200(time.Now()))
	wantCode(t, err, enroll.ECONFLICT)
	if err := f.ws.FinishWebhookDeliveries(f.ctx, []enroll.DeliveryResult{{Job: first, Outcome: ok200(time.Now())}}); err != nil {
		t.Fatalf("a batch with a lost lease: %v", err)
	}
	d := must(f.ws.FindWebhookDelivery(f.ctx, f.a.WorkspaceID, ep.ID, first.Delivery.ID))
	if d.Status != enroll.DeliveryPending || len(d.Attempts) != 0 {
		t.Fatalf("a lost lease's record was written: %+v", d)
	}
	// The second lease still holds, and still counts against the bound.
	if j := claim(1); j != nil {
		t.Fatalf("claimed %s while the endpoint's one lease is held", j.Delivery.ID)
	}

	// The holder records once; the same record again changes nothing.
	fail := enroll.DecideOutcome(second.Delivery, enroll.DeliveryAttempt{At: time.Now(), StatusCode: 503}, func() float64 { return 0 })
	d = must(f.ws.FinishWebhookDelivery(f.ctx, second, fail))
	if d.Status != enroll.DeliveryPending || len(d.Attempts) != 1 {
		t.Fatalf("the holder's record = %+v", d)
	}
	_, err = f.ws.FinishWebhookDelivery(f.ctx, second, ok200(time.Now()))
	wantCode(t, err, enroll.ECONFLICT)
	if err := f.ws.FinishWebhookDeliveries(f.ctx, []enroll.DeliveryResult{{Job: second, Outcome: fail}}); err != nil {
		t.Fatal(err)
	}
	d = must(f.ws.FindWebhookDelivery(f.ctx, f.a.WorkspaceID, ep.ID, first.Delivery.ID))
	if d.Status != enroll.DeliveryPending || len(d.Attempts) != 1 || d.Attempts[0].StatusCode != 503 {
		t.Fatalf("a record tried again was written twice: %+v", d)
	}

	// A batch records the leases it holds beside one it lost.
	time.Sleep(time.Until(*d.NextAttemptAt) + 50*time.Millisecond)
	third := claim(1)
	if third == nil || third.Delivery.ID != d.ID {
		t.Fatalf("the retry was not claimed: %+v", third)
	}
	if err := f.ws.FinishWebhookDeliveries(f.ctx, []enroll.DeliveryResult{
		{Job: second, Outcome: ok200(time.Now())},
		{Job: third, Outcome: ok200(time.Now())},
	}); err != nil {
		t.Fatal(err)
	}
	d = must(f.ws.FindWebhookDelivery(f.ctx, f.a.WorkspaceID, ep.ID, d.ID))
	if d.Status != enroll.DeliverySucceeded || len(d.Attempts) != 2 {
		t.Fatalf("after the batch: %+v", d)
	}
}
