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
	// The second template for the place names the one holding it, as
	// other duplicates do.
	again := e.do("POST", "/v1/notificationTemplates", map[string]any{"programInstanceId": inst, "name": "Again", "status": "approved",
		"subject": "s", "text": "t"}).expect(409).obj()
	if again["existingId"] != id || !strings.HasPrefix(again["detail"].(string), "Program instance "+inst+" already has a template") {
		t.Errorf("duplicate template: %v, want existingId %s", again, id)
	}
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
	// One mailbox in two cases would get two copies of every message.
	p := e.do("PUT", "/v1/programInstances/"+inst+"/notificationSettings", map[string]any{"enabled": true,
		"adminEmails": []string{"review@example.com", "Review@Example.com"}}).expect(422).problem()
	if len(p.Errors) != 1 || p.Errors[0].Location != "body.adminEmails[1]" || !strings.Contains(p.Errors[0].Message, "listed twice") {
		t.Fatalf("adminEmails differing only in case: %+v", p)
	}
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

// TestRenderEnrollmentWithOverrides checks that a preview on an
// enrollment takes the body's overrides too, on top of the enrollment's
// own values, rather than ignoring them, and that members not overridden
// keep the enrollment's.
func TestRenderEnrollmentWithOverrides(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(nil)
	tpl := e.do("POST", "/v1/notificationTemplates", map[string]any{"programInstanceId": inst, "name": "Rejected", "status": "rejected",
		"subject": "{{.enrollment.firstName}} {{.enrollment.lastName}}", "text": "{{.enrollment.email}}: {{.reason}}"}).expect(201).obj()
	enr := e.enrollIn(inst, customerInfo(map[string]any{"firstName": "Suzie"}))
	render := "/v1/notificationTemplates/" + tpl["id"].(string) + "/render"
	reason := enr["eligibility"].(map[string]any)["reason"].(string)
	for _, tt := range []struct {
		name          string
		body          map[string]any
		subject, text string
	}{
		{"no overrides", map[string]any{}, "Suzie " + enr["lastName"].(string), enr["email"].(string) + ": " + reason},
		{"some overrides", map[string]any{"firstName": "Ann", "reason": "Missing a utility bill"},
			"Ann " + enr["lastName"].(string), enr["email"].(string) + ": Missing a utility bill"},
		{"every override", map[string]any{"firstName": "Ann", "lastName": "Other", "email": "ann@example.com", "reason": "Late"},
			"Ann Other", "ann@example.com: Late"},
		{"null overrides", map[string]any{"firstName": nil, "lastName": nil, "email": nil, "reason": nil},
			"Suzie " + enr["lastName"].(string), enr["email"].(string) + ": " + reason},
	} {
		tt.body["enrollmentId"] = enr["id"]
		r := e.do("POST", render, tt.body).expect(200).obj()
		if r["subject"] != tt.subject || r["text"] != tt.text {
			t.Errorf("%s: rendered %v, want subject %q and text %q", tt.name, r, tt.subject, tt.text)
		}
	}
	// The operation's description says the overrides apply to either.
	if d := e.srv.OpenAPI().Paths["/v1/notificationTemplates/{templateId}/render"].Post.Description; !strings.Contains(d, "Either way `firstName`") {
		t.Errorf("renderNotificationTemplate's description does not say the overrides apply to an enrollment: %q", d)
	}
	// The enrollment itself is not changed by a preview.
	if got := e.do("GET", "/v1/enrollments/"+enr["id"].(string), nil).expect(200).obj(); got["firstName"] != "Suzie" || got["email"] != enr["email"] {
		t.Errorf("enrollment after previews = %v", got)
	}
}

// TestEnrollmentNotificationsHiddenParameters checks that the rendered
// texts of stored notifications, made from the whole enrollment, do not
// show a key without programs:write the values of hidden parameters: they
// are withheld (null) when the instance declares some, with a failed
// render's error, which can quote a value.
func TestEnrollmentNotificationsHiddenParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	params := func(hidden bool) map[string]any {
		return map[string]any{"parameters": []map[string]any{
			{"externalId": "ssn", "name": "SSN", "type": "string", "constraints": map[string]any{"hidden": hidden}},
			{"externalId": "vis", "name": "Visible", "type": "string"}}}
	}
	hiding, plain := e.createInstance(params(true)), e.createInstance(params(false))
	reader := e.scopedKey([]string{"enrollments:read"}, nil)
	staff := e.scopedKey([]string{"enrollments:read", "programs:write"}, nil)
	notifications := func(id string, key string) []map[string]any {
		t.Helper()
		var page struct {
			Data []map[string]any `json:"data"`
		}
		for i := 0; len(page.Data) < 2; i++ {
			if _, err := e.store.(enroll.WebhookStore).DispatchEvents(context.Background(), 500, 0); err != nil {
				t.Fatal(err)
			}
			e.do("GET", "/v1/enrollments/"+id+"/notifications", nil, withKey(key)).expect(200).decode(&page)
			if i == 200 {
				t.Fatalf("notifications = %v", page.Data)
			}
			time.Sleep(time.Duration(i) * time.Millisecond)
		}
		return page.Data
	}
	const text = "ssn=999-99;vis=v;"
	for _, inst := range []string{hiding, plain} {
		// The participant's message lists every value; the administrators'
		// fails on the SSN, and its error quotes it.
		e.do("POST", "/v1/notificationTemplates", map[string]any{"name": "leak", "programInstanceId": inst, "status": "submitted",
			"audience": "participant", "subject": "s {{range .enrollment.parameters}}{{.value}}{{end}}",
			"text": "{{range .enrollment.parameters}}{{.externalId}}={{.value}};{{end}}",
			"html": "<p>{{range .enrollment.parameters}}{{.value}}{{end}}</p>"}).expect(201)
		e.do("POST", "/v1/notificationTemplates", map[string]any{"name": "fails", "programInstanceId": inst, "status": "submitted",
			"audience": "administrators", "subject": "s",
			"text": `{{range .enrollment.parameters}}{{if eq .externalId "ssn"}}{{range .value}}{{end}}{{end}}{{end}}`}).expect(201)
		e.do("PUT", "/v1/programInstances/"+inst+"/notificationSettings", map[string]any{"enabled": true,
			"adminEmails": []string{"review@example.com"}}).expect(200)
	}
	submit := func(inst string) string {
		id := e.enrollIn(inst, customerInfo(map[string]any{"parameters": []map[string]any{
			{"externalId": "ssn", "value": "999-99"}, {"externalId": "vis", "value": "v"}}}))["id"].(string)
		e.patchStatus(id, "submitted")
		return id
	}
	byAudience := func(ns []map[string]any) (participant, admins map[string]any) {
		for _, n := range ns {
			if n["audience"] == "participant" {
				participant = n
			} else {
				admins = n
			}
		}
		return participant, admins
	}

	hidden := submit(hiding)
	for _, key := range []string{e.secret, staff} {
		p, a := byAudience(notifications(hidden, key))
		if p["text"] != text || p["subject"] != "s 999-99v" || p["html"] != "<p>999-99v</p>" || a["status"] != "failed" ||
			!strings.Contains(a["reason"].(string), "999-99") {
			t.Fatalf("notifications shown to a key with programs:write: %v\n%v", p, a)
		}
	}
	res := e.do("GET", "/v1/enrollments/"+hidden+"/notifications", nil, withKey(reader)).expect(200)
	if strings.Contains(string(res.Body), "999-99") {
		t.Fatalf("a hidden value shown to a key without programs:write: %s", res.Body)
	}
	p, a := byAudience(notifications(hidden, reader))
	for _, m := range []string{"subject", "text", "html"} {
		if v, ok := p[m]; !ok || v != nil {
			t.Errorf("%s = %v, want null", m, v)
		}
	}
	if p["recipient"] == nil || p["status"] != "pending" || a["status"] != "failed" || a["reason"] != enroll.WithheldRenderFailure {
		t.Errorf("withheld notifications = %v\n%v", p, a)
	}

	// An instance that hides nothing shows the texts to any reader.
	shown := submit(plain)
	p, a = byAudience(notifications(shown, reader))
	if p["text"] != text || p["subject"] != "s 999-99v" || !strings.Contains(a["reason"].(string), "999-99") {
		t.Errorf("notifications of an instance without hidden parameters = %v\n%v", p, a)
	}
}

// TestNotificationSettingsStoredWithCaseRepeat checks that settings saved
// before adminEmails ignored case (two addresses of one mailbox) can be
// read and sent back as they are, while a list set anew must name each
// mailbox once (SQLite only: it edits the file; the stores share
// NotificationSettings.ValidateChange).
func TestNotificationSettingsStoredWithCaseRepeat(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	path := "/v1/programInstances/" + inst + "/notificationSettings"
	e.do("PUT", path, map[string]any{"enabled": true, "adminEmails": []string{"review@example.com"}}).expect(200)
	// As an older release stored it.
	e.exec(`UPDATE notification_settings SET doc = json_set(doc, '$.adminEmails', json('["review@example.com","Review@Example.com"]')) WHERE instance_id = ?`, inst)
	got := e.do("GET", path, nil).expect(200).obj()
	body := map[string]any{"enabled": false, "adminEmails": got["adminEmails"], "linkUrl": got["linkUrl"]}
	if got = e.do("PUT", path, body).expect(200).obj(); len(got["adminEmails"].([]any)) != 2 || got["enabled"] != false {
		t.Fatalf("settings = %v", got)
	}
	e.do("PUT", path, map[string]any{"enabled": true, "adminEmails": []string{"review@example.com", "Review@Example.com", "ops@example.com"}}).expect(422)
}

// TestRenderLinksAsSent previews templates naming {{.link}} and
// {{.unsubscribeUrl}}: as in the messages sent, the link is empty while
// the instance has no linkUrl, and an essential template has no
// unsubscribe link, rather than the sample's links showing in a preview
// of what will be sent without them.
func TestRenderLinksAsSent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(nil)
	enr := e.enrollIn(inst, customerInfo(nil))
	id := enr["id"].(string)
	tpl := func(essential bool, status string) string {
		return e.do("POST", "/v1/notificationTemplates", map[string]any{"programInstanceId": inst, "name": "Links", "status": status,
			"essential": essential, "subject": "s", "text": "[{{.link}}][{{.unsubscribeUrl}}]"}).expect(201).obj()["id"].(string)
	}
	essential, optional := tpl(true, "approved"), tpl(false, "rejected")
	render := func(tplID string, body map[string]any) string {
		return e.do("POST", "/v1/notificationTemplates/"+tplID+"/render", body).expect(200).obj()["text"].(string)
	}
	for _, body := range []map[string]any{{}, {"enrollmentId": id}} {
		if got := render(essential, body); got != "[][]" {
			t.Errorf("essential, %v, no linkUrl: %q, want no links", body, got)
		}
		if got := render(optional, body); !strings.HasPrefix(got, "[][https://") {
			t.Errorf("non-essential, %v, no linkUrl: %q, want an unsubscribe link only", body, got)
		}
	}
	e.do("PUT", "/v1/programInstances/"+inst+"/notificationSettings", map[string]any{"enabled": true,
		"linkUrl": "https://portal.example.com/e/{enrollmentId}"}).expect(200)
	if got := render(essential, map[string]any{"enrollmentId": id}); got != "[https://portal.example.com/e/"+id+"][]" {
		t.Errorf("essential with a linkUrl: %q", got)
	}
}

// TestRenderMissingKey: a key the enrollment's metadata lacks, named
// through index, and a member an item of its devices lacks, named in a
// range, render empty in the message sent and in previews alike, as when
// named as a member, rather than as "<no value>" or failing.
func TestRenderMissingKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		name, src  string
		enrollment map[string]any
		// sent is the message on the enrollment, sample a preview's
		// without one.
		sent, sample string
	}{
		{"metadata", `[{{index .enrollment.metadata "absent"}}|{{.enrollment.metadata.missing}}|{{index .enrollment.metadata "k"}}]`,
			map[string]any{"metadata": map[string]any{"k": "v"}}, "[||v]", "[||]"},
		{"devices", `[{{range .enrollment.devices}}{{.id}}:{{.serialNumber}}:{{.attributes.brand}},{{end}}]`,
			map[string]any{"devices": []any{map[string]any{"id": "d1", "serialNumber": "SN"}, map[string]any{"id": "d2", "attributes": map[string]any{"x": 1}}}},
			"[d1:SN:,d2::,]", "[]"},
	} {
		inst := e.createInstance(nil)
		tpl := e.do("POST", "/v1/notificationTemplates", map[string]any{"programInstanceId": inst, "name": "Eligible", "status": "eligible",
			"subject": tc.src, "text": tc.src}).expect(201).obj()
		enr := e.enrollIn(inst, customerInfo(tc.enrollment))
		id := enr["id"].(string)
		var page struct {
			Data []map[string]any `json:"data"`
		}
		for i := 0; len(page.Data) < 1; i++ {
			if _, err := e.store.(enroll.WebhookStore).DispatchEvents(context.Background(), 500, 0); err != nil {
				t.Fatal(err)
			}
			e.do("GET", "/v1/enrollments/"+id+"/notifications", nil).expect(200).decode(&page)
			if i == 200 {
				t.Fatalf("%s: no notification", tc.name)
			}
			time.Sleep(time.Duration(i) * time.Millisecond)
		}
		if n := page.Data[0]; n["status"] == "failed" || n["subject"] != tc.sent || n["text"] != tc.sent {
			t.Errorf("%s: message = %v; want %s", tc.name, n, tc.sent)
		}
		render := "/v1/notificationTemplates/" + tpl["id"].(string) + "/render"
		for body, want := range map[string]string{"": tc.sample, id: tc.sent} {
			r := e.do("POST", render, map[string]any{"enrollmentId": body}).expect(200).obj()
			if r["subject"] != want || r["text"] != want {
				t.Errorf("%s: preview on %q = %v, want %s", tc.name, body, r, want)
			}
		}
	}
}
