package storetest

import (
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// testNotificationLeaseFence checks that a finish records an attempt only
// under the lease it was made under, as testWebhookLeaseFence does for
// deliveries.
func testNotificationLeaseFence(t *testing.T, newStore Factory) {
	f := newNotificationFixture(t, newStore)
	inst := f.instance()
	if err := f.ns.PutNotificationSettings(f.ctx, f.a, &enroll.NotificationSettings{ProgramInstanceID: inst.ID, Enabled: true}, nil); err != nil {
		t.Fatal(err)
	}
	f.template(inst.ID, enroll.StatusEligible)
	e := f.enroll(inst, "fence@example.com")
	f.dispatchAll()

	// Long enough that a loaded machine never outlasts a lease the test
	// counts on still holding (300 ms once did).
	const lease = 2 * time.Second
	claim := func() *enroll.Notification {
		t.Helper()
		ns := must(f.ns.ClaimNotifications(f.ctx, lease, 10))
		if len(ns) > 1 {
			t.Fatalf("claimed %d, want the enrollment's one", len(ns))
		}
		if len(ns) == 0 {
			return nil
		}
		if ns[0].LeaseUntil.IsZero() || ns[0].EnrollmentID != e.ID {
			t.Fatalf("claimed %+v", ns[0])
		}
		return ns[0]
	}
	first := claim()
	if first == nil {
		t.Fatal("nothing to claim")
	}
	time.Sleep(lease + 100*time.Millisecond)
	second := claim()
	if second == nil || second.ID != first.ID || !second.LeaseUntil.After(first.LeaseUntil) {
		t.Fatalf("after the lease expired, claimed %+v, want %s again under a later lease", second, first.ID)
	}
	sent := func(n *enroll.Notification) enroll.NotificationOutcome {
		return enroll.DecideNotificationOutcome(n, enroll.NotificationAttempt{At: time.Now().UTC()}, nil)
	}

	// The first sender's record comes late: refused, and the second lease
	// still holds.
	_, err := f.ns.FinishNotification(f.ctx, first, sent(first))
	wantCode(t, err, enroll.ECONFLICT)
	if n := f.notifications(e.ID)[0]; n.Status != enroll.NotificationPending || n.AttemptCount != 0 {
		t.Fatalf("a lost lease's record was written: %+v", n)
	}
	if n := claim(); n != nil {
		t.Fatalf("claimed %s while it is leased", n.ID)
	}

	// The holder records once; the same record again changes nothing.
	if n := must(f.ns.FinishNotification(f.ctx, second, sent(second))); n.Status != enroll.NotificationSent || n.AttemptCount != 1 {
		t.Fatalf("the holder's record = %+v", n)
	}
	_, err = f.ns.FinishNotification(f.ctx, second, sent(second))
	wantCode(t, err, enroll.ECONFLICT)
	if n := f.notifications(e.ID)[0]; n.AttemptCount != 1 || len(n.Attempts) != 1 {
		t.Fatalf("a record tried again was written twice: %+v", n)
	}
}
