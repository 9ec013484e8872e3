package webhook_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/webhook"
)

// flakyFinish is a real store whose first records of attempts fail the
// two ways a busy database's timeout can: after the commit, and before.
type flakyFinish struct {
	enroll.WebhookStore
	calls atomic.Int32
}

func (s *flakyFinish) FinishWebhookDeliveries(ctx context.Context, done []enroll.DeliveryResult) error {
	switch s.calls.Add(1) {
	case 1:
		if err := s.WebhookStore.FinishWebhookDeliveries(ctx, done); err != nil {
			return err
		}
		return errors.New("timed out waiting for the commit's answer")
	case 2:
		return context.DeadlineExceeded
	}
	return s.WebhookStore.FinishWebhookDeliveries(ctx, done)
}

// TestRecordTriedAgain checks that attempts whose record failed are
// recorded once when tried again, whether or not the failure hid a commit:
// each delivery is sent once and lists one attempt (SPEC §6: every
// attempt is listed), rather than being sent again when its lease expires.
func TestRecordTriedAgain(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s enroll.WebhookStore) {
		flaky := &flakyFinish{WebhookStore: s}
		r := newReceiver(t, nil)
		w := newWorld(t, s, r, func(c *webhook.Config) {
			c.Store = flaky
			c.Lease = 3 * time.Second
		})
		events := w.enrollments(5)
		checkAll(t, r, events)
		if n := flaky.calls.Load(); n < 3 {
			t.Fatalf("%d records, want the two failures and more", n)
		}
		eventually(t, "every delivery recorded", func() bool {
			pg, err := s.ListWebhookDeliveries(context.Background(), w.a.WorkspaceID, w.ep.ID, enroll.DeliveryFilter{ListParams: enroll.ListParams{PerPage: 500}})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range pg.Data {
				if d.Status != enroll.DeliverySucceeded {
					return false
				}
				if d.AttemptCount != 1 || len(d.Attempts) != 1 {
					t.Fatalf("delivery recorded %d times: %+v", len(d.Attempts), d)
				}
			}
			return len(pg.Data) == len(events)
		})
		time.Sleep(3500 * time.Millisecond) // past the leases: nothing is sent again
		checkAll(t, r, events)
	})
}
