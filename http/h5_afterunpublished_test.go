package http_test

import (
	"testing"
)

// TestH5AfterUnpublishedMarker: the 422 of an after= naming an event not
// yet published, the one 422 that passes when the same request is sent
// again, says so in a member a client can read, "after": "unpublished",
// declared in the OpenAPI document's Problem schema, rather than only in
// the words of its field error, which clients had to compare. The 422 of
// an after= naming no event, which does not pass, has no such member.
func TestH5AfterUnpublishedMarker(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	e.enrollIn(inst, customerInfo(nil))
	// Nothing has dispatched the events yet: the newest is not published.
	newest := e.do("GET", "/v1/events?perPage=1", nil).expect(200).obj()["data"].([]any)[0].(map[string]any)["id"].(string)
	if p := e.do("GET", "/v1/events?after="+newest, nil).expect(422).obj(); p["after"] != "unpublished" {
		t.Errorf("after= an event not yet published: %v, want the member after: unpublished", p)
	}
	if p := e.do("GET", "/v1/events?after=evt_unknown", nil).expect(422).obj(); p["after"] != nil {
		t.Errorf("after= no event: %v, want no after member", p)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum []any `json:"enum"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	e.do("GET", "/openapi.json", nil, withKey("")).expect(200).decode(&doc)
	// The member also marks the 422 of a cursor past deleted events
	// ("expired", TestAfterExpiredDocumented).
	if enum := doc.Components.Schemas["Problem"].Properties["after"].Enum; len(enum) != 2 || enum[0] != "unpublished" || enum[1] != "expired" {
		t.Errorf("the Problem schema's after member: enum %v, want [unpublished expired]", enum)
	}
}
