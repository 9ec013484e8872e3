package http_test

import "testing"

// TestNotificationNumbersAsShown checks that a number of the enrollment
// (a metadata value) renders as GET /v1/enrollments/{id} shows it,
// 1234567 rather than fmt's 1.234567e+06, in the message queued and in
// the preview, and that printf still formats them as numbers.
func TestNotificationNumbersAsShown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(nil)
	src := `Account {{.enrollment.metadata.account}}, {{.enrollment.metadata.kwh}} kWh, {{index .enrollment.metadata "small"}}` +
		`, {{printf "%.1f" .enrollment.metadata.kwh}}`
	tpl := e.do("POST", "/v1/notificationTemplates", map[string]any{"programInstanceId": inst, "name": "Numbers", "status": "submitted",
		"audience": "participant", "subject": src, "text": src, "html": "<p>" + src + "</p>"}).expect(201).obj()
	id := e.enrollIn(inst, customerInfo(map[string]any{"eligibilityStatus": "submitted",
		"metadata": map[string]any{"account": 1234567, "kwh": 21000000.5, "small": 0.000001}}))["id"].(string)
	const want = "Account 1234567, 21000000.5 kWh, 0.000001, 21000000.5"
	n := e.dispatchUntil(id, 1)[0]
	if n["subject"] != want || n["text"] != want || n["html"] != "<p>"+want+"</p>" {
		t.Errorf("notification = %q / %q / %q, want %q", n["subject"], n["text"], n["html"], want)
	}
	r := e.do("POST", "/v1/notificationTemplates/"+tpl["id"].(string)+"/render", map[string]any{"enrollmentId": id}).expect(200).obj()
	if r["text"] != want {
		t.Errorf("preview = %q, want %q", r["text"], want)
	}
}

// TestNotificationMetadataComparison holds docs/notifications.md's advice
// for comparing a metadata member with a number: unguarded, the sample,
// which has no metadata, refuses the template; guarded with the member,
// it is saved and compares the enrollment's number.
func TestNotificationMetadataComparison(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(nil)
	body := func(text string) map[string]any {
		return map[string]any{"programInstanceId": inst, "name": "Big", "status": "submitted", "audience": "participant",
			"subject": "Hi", "text": text}
	}
	e.do("POST", "/v1/notificationTemplates", body(`{{if gt .enrollment.metadata.kwh 100.0}}big{{end}}`)).expect(422)
	e.do("POST", "/v1/notificationTemplates", body(`{{if and .enrollment.metadata.kwh (gt .enrollment.metadata.kwh 100.0)}}big{{else}}small{{end}}`)).expect(201)
	id := e.enrollIn(inst, customerInfo(map[string]any{"eligibilityStatus": "submitted", "metadata": map[string]any{"kwh": 150}}))["id"].(string)
	if n := e.dispatchUntil(id, 1)[0]; n["text"] != "big" {
		t.Errorf("text = %q, want big", n["text"])
	}
}
