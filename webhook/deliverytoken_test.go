package webhook_test

import (
	"context"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestDeliveriesTokenOfAnotherEndpoint checks that a page token of one
// endpoint's deliveries is refused by another endpoint's list, as
// docs/api.md says ("A token is bound to the list's filter and sort:
// reusing it with others is 422"). The stores bound it to status and
// eventId only, and the other list started where the first list's page
// ended, skipping its own newest deliveries.
func TestDeliveriesTokenOfAnotherEndpoint(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s enroll.WebhookStore) {
		ctx := context.Background()
		r := newReceiver(t, nil)
		w := newWorld(t, s, r, nil)
		other := &enroll.WebhookEndpoint{URL: r.srv.URL + "/other", Enabled: true}
		if err := s.CreateWebhookEndpoint(ctx, w.a, other); err != nil {
			t.Fatal(err)
		}
		events := w.enrollments(2)
		for _, ep := range []string{w.ep.ID, other.ID} {
			eventually(t, "every event dispatched", func() bool {
				pg, err := s.ListWebhookDeliveries(ctx, w.a.WorkspaceID, ep, enroll.DeliveryFilter{})
				return err == nil && pg.TotalItems == len(events)
			})
		}
		first, err := s.ListWebhookDeliveries(ctx, w.a.WorkspaceID, w.ep.ID, enroll.DeliveryFilter{ListParams: enroll.ListParams{PerPage: 2}})
		if err != nil || first.NextPageToken == "" {
			t.Fatalf("first page: %v, token %q", err, first.NextPageToken)
		}
		pg, err := s.ListWebhookDeliveries(ctx, w.a.WorkspaceID, other.ID,
			enroll.DeliveryFilter{ListParams: enroll.ListParams{PerPage: 2, PageToken: string(first.NextPageToken)}})
		if enroll.ErrorCode(err) != enroll.EINVALID {
			t.Errorf("another endpoint's token: err %v (%d deliveries listed), want EINVALID", err, len(pg.Data))
		}
	})
}
