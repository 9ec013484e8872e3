package http_test

import (
	"context"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestEventsEnrollmentIDFilterKeepsEnrollmentEvents checks that
// GET /v1/events?enrollmentId= keeps the events of that enrollment only:
// the id of a program or an instance (whose ids look the same) names no
// enrollment, so it lists nothing, with or without after= and type=,
// rather than the program's or the instance's own events.
func TestEventsEnrollmentIDFilterKeepsEnrollmentEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	prog := e.createProgram("h1-filter")
	inst := e.do("POST", "/v1/programs/"+prog+"/instances", map[string]any{"slug": "i", "name": "I", "status": "active"}).expect(201).obj()["id"].(string)
	enr := e.enrollIn(inst, customerInfo(nil))["id"].(string)
	e.do("PATCH", "/v1/programs/"+prog, map[string]any{"name": "Renamed"}).expect(200)

	first := e.do("GET", "/v1/events?type=program.created", nil).expect(200).obj()["data"].([]any)
	if len(first) != 1 {
		t.Fatalf("program.created events: %d", len(first))
	}
	oldest := first[0].(map[string]any)["id"].(string)
	// Published, as the deliverer would: after= lists published events.
	if _, err := e.store.(enroll.WebhookStore).DispatchEvents(context.Background(), 500, 0); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"enrollmentId=" + prog,
		"enrollmentId=" + inst,
		"enrollmentId=" + prog + "&type=program.created,program.updated",
		"enrollmentId=" + inst + "&type=programInstance.created",
		"enrollmentId=" + prog + "&after=" + oldest,
		"enrollmentId=" + inst + "&after=" + oldest + "&type=programInstance.created",
	} {
		var page struct {
			Data       []map[string]any `json:"data"`
			TotalItems int              `json:"totalItems"`
		}
		e.do("GET", "/v1/events?"+q, nil).expect(200).decode(&page)
		if len(page.Data) != 0 || page.TotalItems != 0 {
			t.Errorf("%s: %d events (%d in totalItems), %v; want none: it names no enrollment", q, len(page.Data), page.TotalItems, page.Data)
		}
	}
	// The enrollment's own events are still listed, and counted.
	var page struct {
		Data       []map[string]any `json:"data"`
		TotalItems int              `json:"totalItems"`
	}
	e.do("GET", "/v1/events?enrollmentId="+enr, nil).expect(200).decode(&page)
	if len(page.Data) == 0 || page.TotalItems != len(page.Data) {
		t.Fatalf("the enrollment's events: %d listed, totalItems %d", len(page.Data), page.TotalItems)
	}
	for _, ev := range page.Data {
		if ev["data"].(map[string]any)["object"].(map[string]any)["id"] != enr {
			t.Fatalf("an event of another object: %v", ev["type"])
		}
	}
	e.do("GET", "/v1/events?enrollmentId="+enr+"&type=enrollment.created,program.created", nil).expect(200).decode(&page)
	if len(page.Data) != 1 || page.TotalItems != 1 || page.Data[0]["type"] != "enrollment.created" {
		t.Fatalf("the enrollment's events of two types: %d, totalItems %d", len(page.Data), page.TotalItems)
	}
}
