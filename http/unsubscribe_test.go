package http_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// dispatchUntil dispatches events until the enrollment has want
// notifications, and returns them as the API lists them.
func (e *env) dispatchUntil(enrollmentID string, want int) []map[string]any {
	e.t.Helper()
	var page struct {
		Data []map[string]any `json:"data"`
	}
	for i := 0; len(page.Data) < want; i++ {
		if _, err := e.store.(enroll.WebhookStore).DispatchEvents(context.Background(), 500, 0); err != nil {
			e.t.Fatal(err)
		}
		e.do("GET", "/v1/enrollments/"+enrollmentID+"/notifications", nil).expect(200).decode(&page)
		if i == 200 {
			e.t.Fatalf("notifications = %v", page.Data)
		}
		time.Sleep(time.Duration(i) * time.Millisecond)
	}
	return page.Data
}

func TestUnsubscribeAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(nil)
	// A workspace default, so it serves the second instance below too.
	tips := e.do("POST", "/v1/notificationTemplates", map[string]any{"name": "Tips", "status": "submitted",
		"audience": "participant", "essential": false, "subject": "Tips", "text": "Save energy. {{.unsubscribeUrl}}"}).expect(201).obj()
	if tips["essential"] != false {
		t.Fatalf("template = %v", tips)
	}
	enr := e.enrollIn(inst, customerInfo(map[string]any{"eligibilityStatus": "submitted"}))
	id := enr["id"].(string)

	ns := e.dispatchUntil(id, 1)
	if _, ok := ns[0]["unsubscribeToken"]; ok || ns[0]["text"] != "Save energy. "+enroll.UnsubscribeLinkMarker {
		t.Fatalf("the API shows %v: the token must stay hidden", ns[0])
	}
	pg, err := e.store.(enroll.NotificationStore).ListNotifications(context.Background(), e.wsID, enroll.NotificationFilter{EnrollmentID: id})
	if err != nil || len(pg.Data) != 1 {
		t.Fatal(pg, err)
	}
	token := pg.Data[0].UnsubscribeToken

	// Public: no key. GET only asks; it must not unsubscribe (link scanners follow GETs).
	// Mail trackers add their own parameters to links; the page still opens.
	r := e.do("GET", "/unsubscribe?token="+token+"&utm_source=newsletter", nil, withKey("")).expect(200)
	body := string(r.Body)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, enr["email"].(string)) ||
		!strings.Contains(body, `<form method="post" action="?token=`+token+`">`) || r.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("confirmation page: %s %v", body, r.Header)
	}
	if u, _ := e.store.(enroll.NotificationStore).FindUnsubscription(context.Background(), token); u == nil || u.UnsubscribedAt != nil {
		t.Fatalf("GET unsubscribed: %+v", u)
	}
	// RFC 8058 one-click: a form-encoded POST to the header's URL.
	r = e.do("POST", "/unsubscribe?token="+token, raw("List-Unsubscribe=One-Click"), withKey(""),
		withHeader("Content-Type", "application/x-www-form-urlencoded")).expect(200)
	if !strings.Contains(string(r.Body), "You are unsubscribed") {
		t.Fatalf("answer: %s", r.Body)
	}
	if u, _ := e.store.(enroll.NotificationStore).FindUnsubscription(context.Background(), token); u == nil || u.UnsubscribedAt == nil {
		t.Fatalf("after POST: %+v", u)
	}
	e.do("POST", "/unsubscribe?token="+token, nil, withKey("")).expect(200) // again: no change, no error
	if r := e.do("GET", "/unsubscribe?token="+token, nil, withKey("")).expect(200); !strings.Contains(string(r.Body), "You are unsubscribed") {
		t.Fatalf("page after unsubscribing: %s", r.Body)
	}

	// Unknown and malformed tokens: a page saying so, 404; none: a problem.
	for _, bad := range []string{enroll.NewUnsubscribeToken(), "nope"} {
		r := e.do("POST", "/unsubscribe?token="+bad, nil, withKey("")).expect(404)
		if !strings.Contains(string(r.Body), "not valid") || strings.Contains(string(r.Body), bad) {
			t.Errorf("unknown token: %s", r.Body)
		}
	}
	e.do("GET", "/unsubscribe", nil, withKey("")).expect(422).problem()

	// The next non-essential message to the address is skipped, with the reason.
	enr2 := e.enrollIn(e.createInstance(nil), customerInfo(map[string]any{"eligibilityStatus": "submitted", "email": enr["email"]}))
	ns = e.dispatchUntil(enr2["id"].(string), 1)
	if ns[0]["status"] != "skipped" || !strings.Contains(ns[0]["reason"].(string), "unsubscribed") {
		t.Fatalf("after unsubscribing: %v", ns[0])
	}
}

// TestEnrollmentTemplate checks enrollment.template on the detail: the
// template of the newest notification, absent without one, and never on
// lists.
func TestEnrollmentTemplate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(nil)
	enr := e.enrollIn(inst, customerInfo(nil))
	id := enr["id"].(string)
	if got := e.do("GET", "/v1/enrollments/"+id, nil).expect(200).obj(); !hasNull(got, "template") {
		t.Fatalf("template without notifications = %v", got["template"])
	}
	tpl := e.do("POST", "/v1/notificationTemplates", map[string]any{"programInstanceId": inst, "name": "Successful Activation",
		"status": "submitted", "audience": "participant", "subject": "Received", "text": "Thanks"}).expect(201).obj()
	e.do("PATCH", "/v1/enrollments/"+id, map[string]any{"eligibilityStatus": "submitted"}).expect(200)
	e.dispatchUntil(id, 1)
	r := e.do("GET", "/v1/enrollments/"+id, nil).expect(200)
	got := r.obj()
	want := map[string]any{"id": tpl["id"], "href": "/v1/notificationTemplates/" + tpl["id"].(string), "name": "Successful Activation"}
	tm, _ := got["template"].(map[string]any)
	if len(tm) != 3 || tm["id"] != want["id"] || tm["href"] != want["href"] || tm["name"] != want["name"] {
		t.Fatalf("template = %v, want %v", got["template"], want)
	}
	if got["id"] != id || got["email"] != enr["email"] || r.Header.Get("ETag") == "" {
		t.Fatalf("enrollment = %v", got)
	}
	list := e.do("GET", "/v1/enrollments?programInstanceId="+inst, nil).expect(200).obj()["data"].([]any)
	for _, x := range list {
		if _, ok := x.(map[string]any)["template"]; ok {
			t.Fatalf("a list shows template: %v", x)
		}
	}
	doc := e.srv.OpenAPI().Components.Schemas.Map()["EnrollmentDetail"]
	if doc == nil || doc.Properties["template"] == nil || doc.Properties["email"] == nil {
		t.Fatalf("OpenAPI EnrollmentDetail = %+v", doc)
	}
}
