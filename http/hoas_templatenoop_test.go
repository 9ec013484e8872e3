package http_test

import (
	"testing"
)

// TestNotificationTemplateNoOpPatch checks that a PATCH of a notification
// template that changes nothing (an empty patch, or the representation
// sent back as read) leaves its updatedAt and ETag as they were, as a
// PATCH of a program, instance, customer, lead, enrollment or webhook
// endpoint does, so that a client holding the ETag is not refused (412)
// for a change that did not happen; a real change moves both.
func TestNotificationTemplateNoOpPatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(nil)
	created := e.do("POST", "/v1/notificationTemplates", map[string]any{"programInstanceId": inst, "name": "n", "status": "approved",
		"subject": "s", "text": "t", "html": "<p>h</p>"}).expect(201)
	id := created.obj()["id"].(string)
	read := e.do("GET", "/v1/notificationTemplates/"+id, nil).expect(200)
	was, etag := read.obj(), read.Header.Get("ETag")
	for _, body := range []map[string]any{{}, was, {"subject": "s"}} {
		res := e.do("PATCH", "/v1/notificationTemplates/"+id, body, withHeader("If-Match", etag)).expect(200)
		if got := res.obj(); got["updatedAt"] != was["updatedAt"] || res.Header.Get("ETag") != etag {
			t.Errorf("PATCH %v, which changes nothing: updatedAt %v, ETag %s; was %v, %s", body, got["updatedAt"], res.Header.Get("ETag"), was["updatedAt"], etag)
		}
	}
	if got := e.do("GET", "/v1/notificationTemplates/"+id, nil).expect(200); got.Header.Get("ETag") != etag {
		t.Errorf("after PATCHes that change nothing, ETag %s, was %s", got.Header.Get("ETag"), etag)
	}
	res := e.do("PATCH", "/v1/notificationTemplates/"+id, map[string]any{"subject": "s2"}, withHeader("If-Match", etag)).expect(200)
	if res.obj()["updatedAt"] == was["updatedAt"] || res.Header.Get("ETag") == etag {
		t.Errorf("a real change kept updatedAt %v and ETag %s", was["updatedAt"], etag)
	}
}
