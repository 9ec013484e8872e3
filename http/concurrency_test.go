package http_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/enrollhq/enroll"
)

// patchResult is one answer to a concurrent PATCH.
type patchResult struct {
	target enroll.Status
	status int
	got    enroll.Status // the status in a 200 body
}

// patchAll sends one PATCH per target at once and returns the answers.
func (e *env) patchAll(id string, targets []enroll.Status, opts ...reqOpt) []patchResult {
	e.t.Helper()
	results := make([]patchResult, len(targets))
	var wg sync.WaitGroup
	for i, to := range targets {
		wg.Go(func() {
			r := e.do("PATCH", "/v1/enrollments/"+id, map[string]any{"eligibilityStatus": to}, opts...)
			results[i] = patchResult{target: to, status: r.Status}
			if r.Status == 200 {
				results[i].got = enroll.Status(status(r.obj()))
			}
		})
	}
	wg.Wait()
	return results
}

// history returns an enrollment's history and checks it is a path through
// the workflow: it starts with the creation, each change starts where the
// previous one ended and is a transition of the table.
func (e *env) history(id string) []enroll.Status {
	e.t.Helper()
	var h struct {
		Data []struct{ From, To enroll.Status } `json:"data"`
	}
	e.do("GET", "/v1/enrollments/"+id+"/history", nil).expect(200).decode(&h)
	if len(h.Data) == 0 || h.Data[0].From != "" || h.Data[0].To != enroll.StatusCandidate {
		e.t.Fatalf("history does not start with the creation: %+v", h.Data)
	}
	path := []enroll.Status{enroll.StatusCandidate}
	for _, c := range h.Data[1:] {
		if c.From != path[len(path)-1] || !enroll.CanTransition(c.From, c.To) {
			e.t.Fatalf("history is not a path through the workflow: %+v", h.Data)
		}
		path = append(path, c.To)
	}
	return path
}

// TestConcurrentTransitions sends 50 concurrent PATCHes of one enrollment
// to conflicting statuses, step after step: exactly one applies per step,
// and the history is the path the winners took.
func TestConcurrentTransitions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 50

	t.Run("with If-Match", func(t *testing.T) {
		t.Parallel()
		id := e.enrollIn(e.manualInstance(), customerInfo(nil))["id"].(string)
		walked := []enroll.Status{enroll.StatusCandidate}
		for step := 0; step < 8; step++ {
			cur := e.do("GET", "/v1/enrollments/"+id, nil).expect(200)
			from := enroll.Status(status(cur.obj()))
			if from.Terminal() {
				break
			}
			// Every other status, so allowed and refused targets race.
			var targets []enroll.Status
			for len(targets) < n {
				for _, s := range enroll.Statuses {
					if s != from && len(targets) < n {
						targets = append(targets, s)
					}
				}
			}
			var winners []patchResult
			for _, r := range e.patchAll(id, targets, withHeader("If-Match", cur.Header.Get("ETag"))) {
				switch {
				case r.status == 200:
					winners = append(winners, r)
				case r.status == 409 && enroll.CanTransition(from, r.target):
					t.Errorf("step %d: %s → %s refused with 409, yet allowed and fresh", step, from, r.target)
				case r.status != 409 && r.status != 412:
					t.Errorf("step %d: %s → %s answered %d", step, from, r.target, r.status)
				}
			}
			if len(winners) != 1 || winners[0].got != winners[0].target || !enroll.CanTransition(from, winners[0].target) {
				t.Fatalf("step %d from %s: winners %+v, want exactly one allowed transition", step, from, winners)
			}
			walked = append(walked, winners[0].target)
		}
		if h := e.history(id); !slices.Equal(h, walked) {
			t.Fatalf("history %v, winners %v", h, walked)
		}
	})

	t.Run("conditional update alone", func(t *testing.T) {
		t.Parallel()
		id := e.enrollIn(e.manualInstance(), customerInfo(nil))["id"].(string)
		e.patchStatus(id, "eligible")
		e.patchStatus(id, "submitted")
		// The three decisions exclude one another: after any of them the
		// others are refused, and asking again for the winner is a no-op.
		decisions := []enroll.Status{enroll.StatusApproved, enroll.StatusRejected, enroll.StatusNeedsAction}
		var targets []enroll.Status
		for i := range n {
			targets = append(targets, decisions[i%len(decisions)])
		}
		results := e.patchAll(id, targets)
		h := e.history(id)
		if len(h) != 4 {
			t.Fatalf("history %v: want exactly one decision applied", h)
		}
		final := h[3]
		for _, r := range results {
			switch {
			case r.status == 200 && (r.target != final || r.got != final):
				t.Errorf("%s answered 200 with %s, but %s won", r.target, r.got, final)
			case r.status == 409 && r.target == final:
				t.Errorf("%s refused, yet it is the status that won", r.target)
			case r.status != 200 && r.status != 409:
				t.Errorf("%s answered %d", r.target, r.status)
			}
		}
	})
}
