package http_test

import (
	"sync"
	"testing"
	"time"
)

// TestConcurrentTransitionsTimesInOrder sends concurrent status changes
// of one enrollment and checks that the times the server sets follow the
// order in which the changes applied: each history entry's time is no
// earlier than the one before it, the enrollment's updatedAt is no earlier
// than its last entry, and an unenrollment is not dated before the
// approval it ends. A write that waited for another's row lock applied
// after it, so it must not carry a time from before it. Run it with
// ENROLL_TEST_STORE=postgres too, where writes of one enrollment wait for
// each other's row lock.
func TestConcurrentTransitionsTimesInOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	targets := []string{"approved", "unenrolled", "paused", "approved", "rejected", "needs_action", "submitted", "paused"}
	for round := range 25 {
		id := e.enrollIn(inst, customerInfo(nil))["id"].(string)
		e.patchStatus(id, "eligible")
		e.patchStatus(id, "submitted")
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				e.do("PATCH", "/v1/enrollments/"+id, map[string]any{"eligibilityStatus": targets[(i+round)%len(targets)], "eligibilityReason": "why"})
			}()
		}
		close(start)
		wg.Wait()
		var history struct {
			Data []struct {
				From      *string   `json:"from"`
				To        string    `json:"to"`
				CreatedAt time.Time `json:"createdAt"`
			} `json:"data"`
		}
		e.do("GET", "/v1/enrollments/"+id+"/history", nil).expect(200).decode(&history)
		h := history.Data
		for i := 1; i < len(h); i++ {
			if h[i].CreatedAt.Before(h[i-1].CreatedAt) {
				t.Errorf("round %d: history entry %d (%s -> %s) at %s, before entry %d (-> %s) at %s", round, i, *h[i].From, h[i].To,
					h[i].CreatedAt.Format(time.RFC3339Nano), i-1, h[i-1].To, h[i-1].CreatedAt.Format(time.RFC3339Nano))
			}
		}
		var got struct {
			UpdatedAt    time.Time  `json:"updatedAt"`
			EnrolledAt   *time.Time `json:"enrolledAt"`
			UnenrolledAt *time.Time `json:"unenrolledAt"`
		}
		e.do("GET", "/v1/enrollments/"+id, nil).expect(200).decode(&got)
		if last := h[len(h)-1].CreatedAt; got.UpdatedAt.Before(last) {
			t.Errorf("round %d: updatedAt %s, before the last history entry at %s", round, got.UpdatedAt.Format(time.RFC3339Nano), last.Format(time.RFC3339Nano))
		}
		if got.EnrolledAt != nil && got.UnenrolledAt != nil && got.UnenrolledAt.Before(*got.EnrolledAt) {
			t.Errorf("round %d: unenrolledAt %s, before enrolledAt %s", round, got.UnenrolledAt.Format(time.RFC3339Nano), got.EnrolledAt.Format(time.RFC3339Nano))
		}
		if t.Failed() {
			return
		}
	}
}
