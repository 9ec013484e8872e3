package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// ExerciseListTotals checks lists whose totals or order a store reads
// other than by counting and sorting their rows (counters, per-instance
// reads): each against the rows the list itself gives page after page.
// Both stores run it beside Exercise.
func ExerciseListTotals(t *testing.T, newStore Factory) {
	t.Run("DeliveryTotals", func(t *testing.T) { t.Parallel(); testDeliveryTotals(t, newStore) })
}

// testDeliveryTotals checks the totalItems of endpoints' deliveries lists,
// unfiltered and by each status, through what moves a delivery in or out
// of them: a dispatch, finished attempts (succeeded, retried, failed for
// good, in one batch and one at a time), a redelivery, an endpoint's
// delete and the retention's sweep. Each total is the number of
// deliveries the unfiltered list holds in that status, read page by page.
func testDeliveryTotals(t *testing.T, newStore Factory) {
	f := newWebhookFixture(t, newStore)
	f.dispatchAll()
	ok, retry, gone, doomed := f.endpoint(), f.endpoint(), f.endpoint(), f.endpoint()
	inst := f.instance(noAutoEvaluate)
	for i := range 6 {
		f.enroll(inst, fmt.Sprintf("total%d@example.com", i))
	}
	f.dispatchAll()
	eps := []*enroll.WebhookEndpoint{ok, retry, gone, doomed}
	check := func(step string, eps ...*enroll.WebhookEndpoint) {
		t.Helper()
		for _, ep := range eps {
			all := map[enroll.DeliveryStatus]int{}
			n, token := 0, ""
			for {
				pg := must(f.ws.ListWebhookDeliveries(f.ctx, f.a.WorkspaceID, ep.ID, enroll.DeliveryFilter{ListParams: enroll.ListParams{PerPage: 4, PageToken: token}}))
				for _, d := range pg.Data {
					all[d.Status]++
					n++
				}
				if token == "" && pg.TotalItems != 0 && n == 0 {
					t.Fatalf("%s: endpoint %s: an empty first page of %d", step, ep.ID, pg.TotalItems)
				}
				if pg.NextPageToken == "" {
					break
				}
				token = string(pg.NextPageToken)
			}
			for _, s := range []enroll.DeliveryStatus{"", enroll.DeliveryPending, enroll.DeliverySucceeded, enroll.DeliveryFailed} {
				want := all[s]
				if s == "" {
					want = n
				}
				pg := must(f.ws.ListWebhookDeliveries(f.ctx, f.a.WorkspaceID, ep.ID, enroll.DeliveryFilter{Status: s, ListParams: enroll.ListParams{PerPage: 1}}))
				if pg.TotalItems != want {
					t.Errorf("%s: endpoint %s, status %q: totalItems %d, want %d", step, ep.ID, s, pg.TotalItems, want)
				}
			}
		}
	}
	check("dispatched", eps...)
	if f.deliveries(ok)[0].Status != enroll.DeliveryPending || len(f.deliveries(ok)) < 6 {
		t.Fatalf("dispatched: %d deliveries to the endpoint, want 6 or more, pending", len(f.deliveries(ok)))
	}
	// Every delivery but one of each endpoint's in one batch; that one
	// alone afterwards.
	jobs := must(f.ws.ClaimWebhookDeliveries(f.ctx, time.Minute, 500, 500, 500))
	check("claimed", eps...)
	now := time.Now()
	var done, later []enroll.DeliveryResult
	seen := map[string]bool{}
	for _, j := range jobs {
		at := enroll.DeliveryAttempt{At: now, StatusCode: 200}
		switch j.Delivery.EndpointID {
		case retry.ID:
			at.StatusCode = 503
		case gone.ID:
			at.StatusCode = 400
			at.At = j.Delivery.CreatedAt.Add(enroll.DeliveryRetryWindow + time.Minute) // past the retries: failed for good
		}
		r := enroll.DeliveryResult{Job: j, Outcome: enroll.DecideOutcome(j.Delivery, at, nil)}
		if !seen[j.Delivery.EndpointID] {
			seen[j.Delivery.EndpointID] = true
			later = append(later, r)
			continue
		}
		done = append(done, r)
	}
	if err := f.ws.FinishWebhookDeliveries(f.ctx, done); err != nil {
		t.Fatal(err)
	}
	check("finished in a batch", eps...)
	for _, r := range later {
		if _, err := f.ws.FinishWebhookDelivery(f.ctx, r.Job, r.Outcome); err != nil {
			t.Fatal(err)
		}
	}
	check("finished one by one", eps...)
	if f.deliveries(gone)[0].Status != enroll.DeliveryFailed || f.deliveries(ok)[0].Status != enroll.DeliverySucceeded {
		t.Fatalf("finished: deliveries %s and %s, want failed and succeeded", f.deliveries(gone)[0].Status, f.deliveries(ok)[0].Status)
	}
	if _, err := f.ws.RedeliverWebhook(f.ctx, f.a, ok.ID, f.deliveries(ok)[0].ID); err != nil {
		t.Fatal(err)
	}
	check("redelivered", eps...)
	if err := f.ws.DeleteWebhookEndpoint(f.ctx, f.a, doomed.ID, nil); err != nil {
		t.Fatal(err)
	}
	// A new endpoint (whose deliveries are none) besides those left.
	check("an endpoint deleted", ok, retry, gone, f.endpoint())
	if _, err := f.ws.DeleteExpiredEvents(f.ctx, 0); err != nil {
		t.Fatal(err)
	}
	check("expired", ok, retry, gone)
	if n := len(f.deliveries(gone)); n != 0 {
		t.Fatalf("expired: %d deliveries failed for good left, want none", n)
	}
}
