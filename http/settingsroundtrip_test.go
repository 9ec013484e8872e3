package http_test

import "testing"

// TestNotificationSettingsPutAsRead: settings read can be put back whole,
// read-only members included, as a representation read can be sent back
// as a PATCH; another instance's id is a 422 at programInstanceId.
func TestNotificationSettingsPutAsRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	path := "/v1/programInstances/" + inst + "/notificationSettings"
	for range 2 { // defaults (updatedAt null), then settings put
		read := e.do("GET", path, nil).expect(200).obj()
		read["adminEmails"] = []string{"ops@example.com"}
		got := e.do("PUT", path, read).expect(200).obj()
		if got["programInstanceId"] != inst || len(got["adminEmails"].([]any)) != 1 {
			t.Fatalf("put as read = %v", got)
		}
	}
	read := e.do("GET", path, nil).expect(200).obj()
	read["programInstanceId"] = e.manualInstance()
	if p := e.do("PUT", path, read).expect(422).problem(); !p.hasLocation("body.programInstanceId") {
		t.Fatalf("another instance's id: %+v", p)
	}
}
