package storetest

import (
	"sync"
	"testing"

	"github.com/enrollhq/enroll"
)

func testConcurrency(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	inst := f.instance(noAutoEvaluate)

	// Concurrent creates of one customer's enrollment: exactly one wins.
	const n = 16
	ins := make([]*enroll.EnrollmentCreate, n)
	for i := range ins {
		ins[i] = &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo, FirstName: "C", LastName: "C", Email: "race@example.com"}
	}
	won, errs := f.createAtOnce(inst.ID, ins)
	if len(won) != 1 {
		t.Fatalf("%d concurrent creates succeeded, want 1", len(won))
	}
	for _, err := range errs {
		wantCode(t, err, enroll.ECONFLICT)
	}

	var wg sync.WaitGroup
	// Concurrent conflicting transitions: one decision wins; history is a path.
	e := f.reach(inst, "decide@example.com", enroll.StatusSubmitted)
	results := make(chan error, n)
	targets := []enroll.Status{enroll.StatusApproved, enroll.StatusRejected, enroll.StatusNeedsAction}
	for i := range n {
		wg.Go(func() {
			_, err := f.s.UpdateEnrollment(f.ctx, f.a, e.ID, setStatus(targets[i%len(targets)], ""))
			results <- err
		})
	}
	wg.Wait()
	close(results)
	final := must(f.s.FindEnrollment(f.ctx, f.a.WorkspaceID, e.ID))
	h := must(f.s.ListStatusChanges(f.ctx, f.a.WorkspaceID, e.ID))
	for i := 1; i < len(h); i++ {
		if h[i].From != h[i-1].To || !enroll.CanTransition(h[i].From, h[i].To) {
			t.Fatalf("history is not a path: %+v", h)
		}
	}
	if h[len(h)-1].To != final.Eligibility.Status {
		t.Fatalf("history ends at %s, enrollment is %s", h[len(h)-1].To, final.Eligibility.Status)
	}
	for err := range results {
		if err != nil {
			wantCode(t, err, enroll.ECONFLICT)
		}
	}

	// Concurrent approvals for the last seat: exactly one takes it.
	seats := f.instance(noAutoEvaluate, func(in *enroll.ProgramInstance) { in.Capacity = new(int); *in.Capacity = 1 })
	var waiting []*enroll.Enrollment
	for i := range 8 {
		waiting = append(waiting, f.reach(seats, "seat"+itoa(i)+"@example.com", enroll.StatusSubmitted))
	}
	approved := make(chan error, len(waiting))
	for _, e := range waiting {
		wg.Go(func() {
			_, err := f.s.UpdateEnrollment(f.ctx, f.a, e.ID, setStatus(enroll.StatusApproved, ""))
			approved <- err
		})
	}
	wg.Wait()
	close(approved)
	ok := 0
	for err := range approved {
		if err == nil {
			ok++
		} else {
			wantCode(t, err, enroll.ECONFLICT)
		}
	}
	if counts := must(f.s.CountEnrollments(f.ctx, f.a.WorkspaceID, seats.ID)); ok != 1 || counts[enroll.StatusApproved] != 1 {
		t.Fatalf("%d approvals took a single seat (count %d)", ok, counts[enroll.StatusApproved])
	}
}

// createAtOnce makes the enrollments ins in instance instID, each on a
// goroutine of its own, all at once, and returns the ids of those made
// and the errors of the others.
func (f *fixture) createAtOnce(instID string, ins []*enroll.EnrollmentCreate) (won []string, errs []error) {
	var (
		wg sync.WaitGroup
		mu sync.Mutex
	)
	for _, in := range ins {
		wg.Go(func() {
			e, err := f.s.CreateEnrollment(f.ctx, f.a, instID, in)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				won = append(won, e.ID)
			} else {
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	return won, errs
}
