package storetest

import (
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// testWebhookEndpointDelete deletes one of two endpoints with queued
// deliveries: its deliveries go with it, are never claimed nor found,
// and DeleteOrphanedDeliveries then finds nothing left over, nor takes
// the other endpoint's.
func testWebhookEndpointDelete(t *testing.T, newStore Factory) {
	f := newWebhookFixture(t, newStore)
	f.dispatchAll()
	if n, err := f.ws.DeleteOrphanedDeliveries(f.ctx); err != nil || n != 0 {
		t.Fatalf("DeleteOrphanedDeliveries of a store without deliveries = %d, %v; want 0", n, err)
	}
	doomed, kept := f.endpoint(), f.endpoint()
	for i := range 3 {
		if err := f.s.CreateProgram(f.ctx, f.a, &enroll.Program{Slug: "p" + string(rune('a'+i)), Name: "P"}); err != nil {
			t.Fatal(err)
		}
	}
	f.dispatchAll()
	gone, left := f.deliveries(doomed), f.deliveries(kept)
	if len(gone) != 3 || len(left) != 3 {
		t.Fatalf("queued %d and %d deliveries, want 3 each", len(gone), len(left))
	}
	if err := f.ws.DeleteWebhookEndpoint(f.ctx, f.a, doomed.ID, nil); err != nil {
		t.Fatal(err)
	}
	for _, d := range gone {
		_, err := f.ws.FindWebhookDelivery(f.ctx, f.a.WorkspaceID, doomed.ID, d.ID)
		wantCode(t, err, enroll.ENOTFOUND)
	}
	_, err := f.ws.ListWebhookDeliveries(f.ctx, f.a.WorkspaceID, doomed.ID, enroll.DeliveryFilter{})
	wantCode(t, err, enroll.ENOTFOUND)
	if n, err := f.ws.DeleteOrphanedDeliveries(f.ctx); err != nil || n != 0 {
		t.Fatalf("DeleteOrphanedDeliveries after a finished deletion = %d, %v; want 0", n, err)
	}
	jobs := must(f.ws.ClaimWebhookDeliveries(f.ctx, time.Minute, 10, 10, 10))
	if len(jobs) != 3 {
		t.Fatalf("claimed %d deliveries, want the kept endpoint's 3", len(jobs))
	}
	for _, j := range jobs {
		if j.Delivery.EndpointID != kept.ID {
			t.Errorf("claimed a delivery of endpoint %s, deleted", j.Delivery.EndpointID)
		}
	}
	for _, d := range left {
		must(f.ws.FindWebhookDelivery(f.ctx, f.a.WorkspaceID, kept.ID, d.ID))
	}
}
