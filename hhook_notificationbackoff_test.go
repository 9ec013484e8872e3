package enroll_test

import (
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestNotificationBackoffFromAttemptEnd checks that a notification's retry
// waits from the end of the failed attempt, as a webhook delivery's does:
// counted from its start, an SMTP server that stalls until the 30-second
// timeout had the next attempts due the moment each one ended, so it was
// tried back to back (and held one of the four senders each time) until
// the backoff outgrew the timeout.
func TestNotificationBackoffFromAttemptEnd(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	half := func() float64 { return 0.5 } // a jitter factor of 1
	tests := []struct {
		name     string
		attempts int
		ms       int64
		wait     time.Duration // from the attempt's start
	}{
		{"quick refusal", 0, 0, time.Second},
		{"first timeout", 0, 30000, 31 * time.Second},
		{"third timeout", 2, 30000, 34 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := &enroll.Notification{Status: enroll.NotificationPending, CreatedAt: created, AttemptCount: tt.attempts}
			o := enroll.DecideNotificationOutcome(n, enroll.NotificationAttempt{At: created, DurationMs: tt.ms, Error: "timed out"}, half)
			if o.Status != enroll.NotificationPending || o.NextAttemptAt == nil {
				t.Fatalf("outcome = %+v, want pending", o)
			}
			if got := o.NextAttemptAt.Sub(created); got != tt.wait {
				t.Fatalf("next attempt %v after the attempt's start, want %v", got, tt.wait)
			}
		})
	}
}
