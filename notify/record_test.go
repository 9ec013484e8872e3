package notify_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/notify"
)

// flakyFinish is a real store whose first records of attempts fail the
// two ways a busy database's timeout can: after the commit, and before.
type flakyFinish struct {
	enroll.NotificationStore
	calls atomic.Int32
}

func (s *flakyFinish) FinishNotification(ctx context.Context, n *enroll.Notification, o enroll.NotificationOutcome) (*enroll.Notification, error) {
	switch s.calls.Add(1) {
	case 1:
		if _, err := s.NotificationStore.FinishNotification(ctx, n, o); err != nil {
			return nil, err
		}
		return nil, errors.New("timed out waiting for the commit's answer")
	case 2:
		return nil, context.DeadlineExceeded
	}
	return s.NotificationStore.FinishNotification(ctx, n, o)
}

// TestRecordTriedAgain checks that an attempt whose record failed is
// recorded once when tried again, whether or not the failure hid a
// commit: each message is sent once and its notification lists one
// attempt, rather than being sent again when its lease expires.
func TestRecordTriedAgain(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s store) {
		sc := newScenario(t, s)
		mb := newMailbox(t, 0)
		flaky := &flakyFinish{NotificationStore: s}
		startSender(t, notify.Config{Store: flaky, SMTPURL: "smtp://" + mb.addr, From: "noreply@example.com", Lease: 3 * time.Second,
			Concurrency: 1}) // one attempt at a time: the failures fall on its records in turn
		e := sc.enroll("Dana", "dana@example.com")
		for _, n := range sc.settle(e.ID, 2) {
			if n.Status != enroll.NotificationSent || n.AttemptCount != 1 || len(n.Attempts) != 1 {
				t.Errorf("notification = %+v", n)
			}
		}
		if n := flaky.calls.Load(); n < 3 {
			t.Fatalf("%d records, want the two failures and more", n)
		}
		time.Sleep(3500 * time.Millisecond) // past the leases: nothing is sent again
		if got := len(mb.messages()); got != 2 {
			t.Fatalf("%d messages sent, want 2", got)
		}
		for _, n := range sc.settle(e.ID, 2) {
			if n.AttemptCount != 1 {
				t.Errorf("notification recorded %d times: %+v", n.AttemptCount, n)
			}
		}
	})
}
