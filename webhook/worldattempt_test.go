package webhook_test

import (
	"context"

	"github.com/enrollhq/enroll"
)

// retarget points the world's endpoint at url.
func (w *world) retarget(url string) {
	w.t.Helper()
	if _, err := w.s.UpdateWebhookEndpoint(context.Background(), w.a, w.ep.ID, func(ep *enroll.WebhookEndpoint) error {
		ep.URL = url
		return nil
	}); err != nil {
		w.t.Fatal(err)
	}
}

// firstAttempted waits for a delivery of the world's endpoint to have an
// attempt recorded, and returns it.
func (w *world) firstAttempted() *enroll.WebhookDelivery {
	w.t.Helper()
	var d *enroll.WebhookDelivery
	eventually(w.t, "an attempt recorded", func() bool {
		pg, err := w.s.ListWebhookDeliveries(context.Background(), w.a.WorkspaceID, w.ep.ID, enroll.DeliveryFilter{})
		if err != nil {
			return false
		}
		for _, x := range pg.Data {
			if x.AttemptCount > 0 {
				d = x
				return true
			}
		}
		return false
	})
	return d
}
