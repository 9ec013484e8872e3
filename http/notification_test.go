package http_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

func TestNotificationTemplatesAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(nil)

	// A template that does not parse, or names an unknown field, is a 422
	// pointing at the member.
	bad := e.do("POST", "/v1/notificationTemplates", map[string]any{"programInstanceId": inst, "name": "Broken", "status": "approved",
		"subject": "Hi {{.enrollment.shoeSize}}", "text": "{{if}}"}).expect(422).problem()
	if !bad.hasLocation("body.subject") || !bad.hasLocation("body.text") {
		t.Fatalf("problem locations = %v", bad.locations())
	}
	e.do("POST", "/v1/notificationTemplates", map[string]any{"programInstanceId": "nope", "name": "x", "status": "approved",
		"subject": "s", "text": "t"}).expect(404)

	created := e.do("POST", "/v1/notificationTemplates", map[string]any{"programInstanceId": inst, "name": "Successful Activation",
		"status": "approved", "subject": "Welcome to {{.program.name}}, {{.enrollment.firstName}}",
		"text": "Hello {{.enrollment.firstName}}: {{.reason}}", "html": "<p>Hello {{.enrollment.firstName}}</p>"}).expect(201)
	tpl := created.obj()
	id := tpl["id"].(string)
	if created.Header.Get("Location") != "/v1/notificationTemplates/"+id || tpl["audience"] != "participant" || tpl["essential"] != true {
		t.Fatalf("created %v (Location %q)", tpl, created.Header.Get("Location"))
	}
	e.do("POST", "/v1/notificationTemplates", map[string]any{"programInstanceId": inst, "name": "Again", "status": "approved",
		"subject": "s", "text": "t"}).expect(409)
	e.do("POST", "/v1/notificationTemplates", map[string]any{"name": "New submission", "status": "submitted",
		"subject": "New submission: {{.enrollment.email}}", "text": "{{.previousStatus}} → {{.status}}"}).expect(201)

	// Preview on a sample with a hostile name: the HTML escapes it.
	r := e.do("POST", "/v1/notificationTemplates/"+id+"/render", map[string]any{"firstName": "<script>x</script>", "reason": "Verified"}).expect(200).obj()
	if !strings.HasPrefix(r["subject"].(string), "Welcome to ") || r["text"] != "Hello <script>x</script>: Verified" ||
		r["html"] != "<p>Hello &lt;script&gt;x&lt;/script&gt;</p>" {
		t.Fatalf("rendered %v", r)
	}

	var page struct {
		Data []map[string]any `json:"data"`
	}
	e.do("GET", "/v1/notificationTemplates?programInstanceId="+inst, nil).expect(200).decode(&page)
	if len(page.Data) != 1 || page.Data[0]["id"] != id {
		t.Fatalf("instance templates = %v", page.Data)
	}
	e.do("GET", "/v1/notificationTemplates?programInstanceId=default", nil).expect(200).decode(&page)
	if len(page.Data) != 1 || page.Data[0]["status"] != "submitted" {
		t.Fatalf("defaults = %v", page.Data)
	}
	up := e.do("PATCH", "/v1/notificationTemplates/"+id, map[string]any{"html": nil}).expect(200).obj()
	if html, ok := up["html"]; !ok || html != nil {
		t.Fatalf("html not removed: %v", up)
	}
	e.do("PATCH", "/v1/notificationTemplates/"+id, map[string]any{"text": "{{.nope}}"}).expect(422)

	// A key limited to the instance may not change the workspace defaults.
	limited := e.scopedKey([]string{"programs:read", "programs:write"}, []string{inst})
	e.do("POST", "/v1/notificationTemplates", map[string]any{"name": "x", "status": "rejected", "subject": "s", "text": "t"},
		withKey(limited)).expect(403)

	e.do("DELETE", "/v1/notificationTemplates/"+id, nil).expect(204)
	e.do("GET", "/v1/notificationTemplates/"+id, nil).expect(404)
}

func TestEnrollmentNotificationsAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(nil)
	st := e.do("GET", "/v1/programInstances/"+inst+"/notificationSettings", nil).expect(200).obj()
	if st["enabled"] != true || len(st["adminEmails"].([]any)) != 0 {
		t.Fatalf("default settings = %v", st)
	}
	e.do("PUT", "/v1/programInstances/"+inst+"/notificationSettings", map[string]any{"enabled": true, "adminEmails": []string{"x"}}).expect(422)
	e.do("PUT", "/v1/programInstances/"+inst+"/notificationSettings", map[string]any{"enabled": true,
		"adminEmails": []string{"review@example.com"}, "linkUrl": "https://portal.example.com/e/{enrollmentId}"}).expect(200)
	e.do("POST", "/v1/notificationTemplates", map[string]any{"programInstanceId": inst, "name": "Successful Activation", "status": "eligible",
		"subject": "You are eligible", "text": "Hello {{.enrollment.firstName}}, see {{.link}}"}).expect(201)
	e.do("POST", "/v1/notificationTemplates", map[string]any{"programInstanceId": inst, "name": "Review needed", "status": "submitted",
		"subject": "New submission", "text": "{{.enrollment.email}}"}).expect(201)

	enr := e.enrollIn(inst, customerInfo(map[string]any{"eligibilityStatus": "submitted"}))
	id := enr["id"].(string)
	ws := e.store.(enroll.WebhookStore)
	var page struct {
		Data []map[string]any `json:"data"`
	}
	for i := 0; len(page.Data) < 2; i++ {
		if _, err := ws.DispatchEvents(context.Background(), 500, 0); err != nil {
			t.Fatal(err)
		}
		e.do("GET", "/v1/enrollments/"+id+"/notifications", nil).expect(200).decode(&page)
		if i == 200 {
			t.Fatalf("notifications = %v", page.Data)
		}
		time.Sleep(time.Duration(i) * time.Millisecond)
	}
	if len(page.Data) != 2 {
		t.Fatalf("notifications = %v", page.Data)
	}
	// Newest first: the submission's, to the administrators.
	admin, participant := page.Data[0], page.Data[1]
	if admin["recipient"] != "review@example.com" || admin["audience"] != "administrators" || admin["status"] != "pending" ||
		admin["template"].(map[string]any)["name"] != "Review needed" {
		t.Errorf("administrators' notification = %v", admin)
	}
	if participant["recipient"] != enr["email"] || participant["template"].(map[string]any)["name"] != "Successful Activation" ||
		participant["text"] != "Hello Suzie, see https://portal.example.com/e/"+id {
		t.Errorf("participant's notification = %v", participant)
	}
	e.do("GET", "/v1/enrollments/"+id+"/notifications?status=sent", nil).expect(200).decode(&page)
	if len(page.Data) != 0 {
		t.Errorf("sent = %v", page.Data)
	}
	// Preview on the real enrollment.
	tpls := e.do("GET", "/v1/notificationTemplates?programInstanceId="+inst+"&status=eligible", nil).expect(200).obj()["data"].([]any)
	r := e.do("POST", "/v1/notificationTemplates/"+tpls[0].(map[string]any)["id"].(string)+"/render", map[string]any{"enrollmentId": id}).expect(200).obj()
	if r["text"] != "Hello Suzie, see https://portal.example.com/e/"+id {
		t.Errorf("preview = %v", r)
	}
}
