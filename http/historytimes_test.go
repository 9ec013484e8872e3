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

// TestConcurrentUpdatesTimesInOrder does for programs, program instances,
// customers and leads what TestConcurrentTransitionsTimesInOrder does for
// enrollments: concurrent PATCHes of one object apply one after another,
// each waiting for the row lock of the one before, and the times they set
// (updatedAt, their events' createdAt, in the order the events were
// written) must follow that order.
func TestConcurrentUpdatesTimesInOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	prog := e.createProgram("times")
	inst := e.createInstance(nil)
	cust := e.do("POST", "/v1/customers", map[string]any{"firstName": "Ann", "lastName": "Lee", "email": "ann.times@example.com"}).expect(201).obj()["id"].(string)
	lead := e.do("POST", "/v1/leads", map[string]any{"firstName": "Lea"}).expect(201).obj()["id"].(string)
	for _, c := range []struct{ path, event string }{
		{"/v1/programs/" + prog, "program.updated"},
		{"/v1/programInstances/" + inst, "programInstance.updated"},
		{"/v1/customers/" + cust, ""},
		{"/v1/leads/" + lead, ""},
	} {
		var wg sync.WaitGroup
		start := make(chan struct{})
		var mu sync.Mutex
		var times []time.Time
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				var got struct {
					UpdatedAt time.Time `json:"updatedAt"`
				}
				e.do("PATCH", c.path, map[string]any{"metadata": map[string]any{"n": i}}).expect(200).decode(&got)
				mu.Lock()
				times = append(times, got.UpdatedAt)
				mu.Unlock()
			}()
		}
		close(start)
		wg.Wait()
		var final struct {
			UpdatedAt time.Time `json:"updatedAt"`
		}
		e.do("GET", c.path, nil).expect(200).decode(&final)
		for _, at := range times {
			if final.UpdatedAt.Before(at) {
				t.Errorf("%s: updatedAt %s, before a change answered at %s", c.path, final.UpdatedAt.Format(time.RFC3339Nano), at.Format(time.RFC3339Nano))
			}
		}
		if c.event == "" {
			continue
		}
		var events struct {
			Data []struct {
				CreatedAt time.Time `json:"createdAt"`
			} `json:"data"`
		}
		// Newest first, as written: each is no later than the one before.
		e.do("GET", "/v1/events?perPage=100&type="+c.event, nil).expect(200).decode(&events)
		for i := 1; i < len(events.Data); i++ {
			if events.Data[i].CreatedAt.After(events.Data[i-1].CreatedAt) {
				t.Errorf("%s: event %d at %s, after the later event at %s", c.event, i, events.Data[i].CreatedAt.Format(time.RFC3339Nano),
					events.Data[i-1].CreatedAt.Format(time.RFC3339Nano))
			}
		}
	}
}
