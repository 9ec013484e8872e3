package enroll_test

import (
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestDecideOutcomeTimesInMicroseconds checks that an attempt's time and
// the next attempt's are kept to the microsecond, as every other time the
// API writes is: the sender's clock reading carried nanoseconds into
// deliveries' attempts[].at and nextAttemptAt.
func TestDecideOutcomeTimesInMicroseconds(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)
	at := created.Add(time.Second + 123456789*time.Nanosecond)
	third := func() float64 { return 1.0 / 3 }
	o := enroll.DecideOutcome(&enroll.WebhookDelivery{CreatedAt: created}, enroll.DeliveryAttempt{At: at, DurationMs: 7, StatusCode: 500}, third)
	if o.Attempt.At.Nanosecond()%1000 != 0 {
		t.Errorf("attempt at %s, want microseconds", o.Attempt.At.Format(time.RFC3339Nano))
	}
	if o.NextAttemptAt == nil || o.NextAttemptAt.Nanosecond()%1000 != 0 {
		t.Errorf("nextAttemptAt %v, want microseconds", o.NextAttemptAt)
	}
	if !o.Attempt.At.Equal(at.Truncate(time.Microsecond)) {
		t.Errorf("attempt at %s, want %s", o.Attempt.At, at.Truncate(time.Microsecond))
	}
}
