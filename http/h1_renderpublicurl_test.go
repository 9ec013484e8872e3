package http_test

import (
	"testing"

	enrollhttp "github.com/enrollhq/enroll/http"
)

// TestRenderUnsubscribeLinkOnPublicURL: a preview of a non-essential
// template shows its unsubscribe link on the server's --public-url, as
// the messages sent carry it, rather than on enroll.example.com, a host
// the recipients of this server's messages never see.
func TestRenderUnsubscribeLinkOnPublicURL(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(c *enrollhttp.Config) { c.PublicURL = "https://enroll.acme.test/base/" })
	inst := e.createInstance(nil)
	id := e.enrollIn(inst, customerInfo(nil))["id"].(string)
	tpl := e.do("POST", "/v1/notificationTemplates", map[string]any{"programInstanceId": inst, "name": "Tips", "status": "rejected",
		"essential": false, "subject": "s", "text": "[{{.unsubscribeUrl}}]"}).expect(201).obj()["id"].(string)
	for _, body := range []map[string]any{{}, {"enrollmentId": id}} {
		got := e.do("POST", "/v1/notificationTemplates/"+tpl+"/render", body).expect(200).obj()["text"].(string)
		if want := "[https://enroll.acme.test/base/unsubscribe?token=uns_sample]"; got != want {
			t.Errorf("%v: %q, want %q", body, got, want)
		}
	}
}
