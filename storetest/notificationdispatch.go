package storetest

import (
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// testNotificationDispatch checks what DispatchEvents does with the
// notifications of a batch: a status change whose instance is gone queues
// nothing and does not stop the changes after it, each recipient's message
// comes from one render of its template, and a render budget cuts the batch
// short after the event that used it up, leaving the rest, in order, to the
// next call, every event dispatched and notified once.
func testNotificationDispatch(t *testing.T, newStore Factory) {
	f := newNotificationFixture(t, newStore)
	ep := f.endpoint()

	// A status change of an instance deleted before dispatch comes first.
	gone := f.instance()
	g := f.enroll(gone, "gone@example.com")
	if err := f.s.DeleteEnrollment(f.ctx, f.a, g.ID, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.s.DeleteInstance(f.ctx, f.a, gone.ID, nil); err != nil {
		t.Fatal(err)
	}

	inst := f.instance()
	admins := []string{"a1@example.com", "a2@example.com", "a3@example.com"}
	if err := f.ns.PutNotificationSettings(f.ctx, f.a, &enroll.NotificationSettings{ProgramInstanceID: inst.ID, Enabled: true,
		AdminEmails: admins}, nil); err != nil {
		t.Fatal(err)
	}
	f.template(inst.ID, enroll.StatusEligible)
	f.template(inst.ID, enroll.StatusSubmitted, func(t *enroll.NotificationTemplate) {
		t.Essential, t.Subject, t.Text = false, "New submission", "{{.enrollment.lastName}} {{.unsubscribeUrl}}"
	})
	var es []*enroll.Enrollment
	for _, email := range []string{"e1@example.com", "e2@example.com", "e3@example.com"} {
		e := f.enroll(inst, email)
		es = append(es, f.move(e, enroll.StatusSubmitted))
	}

	// A budget of a nanosecond is used up by the first change that renders
	// anything: the call takes no event after it.
	first, err := f.ws.DispatchEvents(f.ctx, 500, time.Nanosecond)
	if err != nil {
		t.Fatal(err)
	}
	total := len(f.deliveries(ep))
	if first != total {
		t.Fatalf("the call took %d events but made %d deliveries", first, total)
	}
	if n := len(f.notifications(es[0].ID)); n != 1 {
		t.Fatalf("after the first call, %d notifications of the first enrollment, want its eligible one alone", n)
	}
	if n := len(f.notifications(es[1].ID)); n != 0 {
		t.Fatalf("the first call went past the budget: %d notifications of the second enrollment", n)
	}
	calls := 1
	for {
		n, err := f.ws.DispatchEvents(f.ctx, 500, time.Nanosecond)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		total += n
		calls++
	}
	if calls < 6 {
		t.Errorf("%d calls with a nanosecond's budget, want at least one per status change", calls)
	}
	ds := f.deliveries(ep)
	if len(ds) != total {
		t.Fatalf("%d events dispatched, %d deliveries", total, len(ds))
	}
	seen := map[string]bool{}
	for _, d := range ds {
		if seen[d.EventID] {
			t.Fatalf("event %s delivered twice", d.EventID)
		}
		seen[d.EventID] = true
	}
	for _, e := range es {
		ns := f.notifications(e.ID)
		if len(ns) != 1+len(admins) {
			t.Fatalf("%s: %d notifications, want the participant's and %d administrators'", e.Email, len(ns), len(admins))
		}
		for _, n := range ns {
			if n.Audience == enroll.AudienceAdministrators && (n.Text != "Homeowner "+enroll.UnsubscribeLinkMarker || n.Status != enroll.NotificationPending) {
				t.Errorf("%s: administrator notification = %+v", e.Email, n)
			}
		}
	}
	if again, err := f.ws.DispatchEvents(f.ctx, 500, 0); err != nil || again != 0 {
		t.Fatalf("after everything: DispatchEvents = %d, %v", again, err)
	}
}
