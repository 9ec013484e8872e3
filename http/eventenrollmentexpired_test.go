package http_test

import (
	"context"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestEnrollmentPollOfOtherTypesNeverExpires checks that a poll by
// enrollmentId whose types name no enrollment event, which lists nothing
// whatever the retention deleted, is not told that its cursor expired
// when events of those types past it were deleted: it answered 422
// "after": "expired", sending the poller back to the start for events it
// could never be shown.
func TestEnrollmentPollOfOtherTypesNeverExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	ws := e.store.(enroll.WebhookStore)
	inst := e.createInstance(nil)
	enr := e.enrollIn(inst, customerInfo(nil))["id"].(string)
	if _, err := ws.DispatchEvents(ctx, 500, 0); err != nil {
		t.Fatal(err)
	}
	var page struct {
		Data []map[string]any `json:"data"`
	}
	e.do("GET", "/v1/events?enrollmentId="+enr, nil).expect(200).decode(&page)
	cursor := page.Data[len(page.Data)-1]["id"].(string)
	// Two programs past the cursor: the sweep keeps the newest
	// program.created and deletes the other, and the cursor, the newest
	// of its instance and type.
	e.createProgram("expired-a")
	e.createProgram("expired-b")
	if _, err := ws.DispatchEvents(ctx, 500, 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Millisecond)
	if _, err := ws.DeleteExpiredEvents(ctx, time.Nanosecond); err != nil {
		t.Fatal(err)
	}
	e.do("GET", "/v1/events?type=program.created&after="+cursor, nil).expect(422)
	e.do("GET", "/v1/events?enrollmentId="+enr+"&type=program.created&after="+cursor, nil).expect(200).decode(&page)
	if len(page.Data) != 0 {
		t.Errorf("a poll of enrollment %s for program.created listed %d events", enr, len(page.Data))
	}
}
