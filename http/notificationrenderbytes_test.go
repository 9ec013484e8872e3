package http_test

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestNotificationRenderNULQueued checks that a template whose render
// holds a NUL ({{"\x00"}}, printf "%c" 0) is queued like any other,
// rather than failing the dispatch that queues it: PostgreSQL's jsonb
// refuses \u0000, and the dispatch, which takes events in order, failed
// again at every poll, holding up every later event (webhooks and
// notifications) of every workspace.
func TestNotificationRenderNULQueued(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(nil)
	e.do("POST", "/v1/notificationTemplates", map[string]any{"programInstanceId": inst, "name": "NUL", "status": "submitted",
		"audience": "participant", "subject": `Hi{{printf "%c" 0}}`, "text": `A{{"\x00"}}B`}).expect(201)
	id := e.enrollIn(inst, customerInfo(map[string]any{"eligibilityStatus": "submitted"}))["id"].(string)
	ns := e.dispatchUntil(id, 1)
	for _, part := range []string{"subject", "text"} {
		if s, _ := ns[0][part].(string); strings.ContainsRune(s, 0) {
			t.Errorf("%s = %q: a message may not carry NUL", part, s)
		}
	}
}

// TestNotificationSubjectInvalidUTF8 checks that a subject whose render
// holds a byte that is not UTF-8 (slice cuts "Émile" inside its É) keeps
// the rest of the subject, the byte shown as U+FFFD as in the text,
// rather than being cut back to before the byte.
func TestNotificationSubjectInvalidUTF8(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(nil)
	e.do("POST", "/v1/notificationTemplates", map[string]any{"programInstanceId": inst, "name": "Initial", "status": "submitted",
		"audience": "participant", "subject": "Dear {{slice .enrollment.firstName 0 1}}. {{.enrollment.lastName}}, your application",
		"text": "Dear {{slice .enrollment.firstName 0 1}}. {{.enrollment.lastName}}"}).expect(201)
	id := e.enrollIn(inst, customerInfo(map[string]any{"firstName": "Émile", "lastName": "Zola", "eligibilityStatus": "submitted"}))["id"].(string)
	n := e.dispatchUntil(id, 1)[0]
	if want := "Dear \uFFFD. Zola, your application"; n["subject"] != want {
		t.Errorf("subject = %q, want %q", n["subject"], want)
	}
	if s, _ := n["text"].(string); !utf8.ValidString(s) || s != "Dear \uFFFD. Zola" {
		t.Errorf("text = %q", s)
	}
	// The preview shows the same.
	tpl := e.do("GET", "/v1/notificationTemplates?programInstanceId="+inst, nil).expect(200).obj()["data"].([]any)[0].(map[string]any)
	r := e.do("POST", "/v1/notificationTemplates/"+tpl["id"].(string)+"/render", map[string]any{"enrollmentId": id}).expect(200).obj()
	if want := "Dear \uFFFD. Zola, your application"; r["subject"] != want {
		t.Errorf("preview subject = %q, want %q", r["subject"], want)
	}
}
