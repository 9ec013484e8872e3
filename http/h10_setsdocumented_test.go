package http_test

import (
	"testing"
)

// TestSetListsDocumented checks that every list of a request body the
// server refuses a repeat in (422 at the repeated item) is marked
// uniqueItems in the OpenAPI document, as the enrollments' tags and a
// program's states are, so that a client checking its requests against
// the document does not send what the server refuses; and that a new
// key's scopes, which may not be empty, say minItems 1.
func TestSetListsDocumented(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(nil)
	endpoint := e.do("POST", "/v1/webhookEndpoints", map[string]any{"url": "https://example.com/hook"}).expect(201).obj()["id"].(string)
	choice := func(options ...string) map[string]any {
		return map[string]any{"parameters": []any{map[string]any{"externalId": "c", "name": "C", "type": "choice",
			"constraints": map[string]any{"options": options}}}}
	}
	for _, c := range []struct {
		name, method, path string
		body               map[string]any
		location           string
		schemas            []string
		member             string
	}{
		{"key scopes", "POST", "/v1/apiKeys", map[string]any{"scopes": []string{"events:read", "events:read"}},
			"body.scopes[1]", []string{"APIKeyCreate"}, "scopes"},
		{"key instances", "POST", "/v1/apiKeys", map[string]any{"programInstanceIds": []string{inst, inst}},
			"body.programInstanceIds[1]", []string{"APIKeyCreate"}, "programInstanceIds"},
		{"endpoint event types", "POST", "/v1/webhookEndpoints",
			map[string]any{"url": "https://example.com/a", "eventTypes": []string{"program.created", "program.created"}},
			"body.eventTypes[1]", []string{"WebhookEndpointCreate"}, "eventTypes"},
		{"endpoint event types patched", "PATCH", "/v1/webhookEndpoints/" + endpoint,
			map[string]any{"eventTypes": []string{"program.created", "program.created"}},
			"body.eventTypes[1]", []string{"WebhookEndpointPatch"}, "eventTypes"},
		{"administrator emails", "PUT", "/v1/programInstances/" + inst + "/notificationSettings",
			map[string]any{"enabled": true, "adminEmails": []string{"ops@example.com", "ops@example.com"}},
			"body.adminEmails[1]", []string{"NotificationSettingsPut"}, "adminEmails"},
		{"choice options", "PATCH", "/v1/programInstances/" + inst, choice("a", "a"),
			"body.parameters[0].constraints.options[1]", []string{"ConstraintsInput"}, "options"},
	} {
		p := e.do(c.method, c.path, c.body).expect(422).problem()
		if !p.hasLocation(c.location) {
			t.Errorf("%s: %s %s answered %q at %v, want a repeat at %s", c.name, c.method, c.path, p.Detail, p.locations(), c.location)
		}
		props := e.schemaProperties()
		for _, s := range c.schemas {
			if m := props[s][c.member]; m["uniqueItems"] != true {
				t.Errorf("%s: the server refuses a repeat in %s.%s, which the document does not mark uniqueItems: %v", c.name, s, c.member, m)
			}
		}
	}

	p := e.do("POST", "/v1/apiKeys", map[string]any{"scopes": []string{}}).expect(422).problem()
	if !p.hasLocation("body.scopes") {
		t.Errorf("scopes [] answered %q at %v", p.Detail, p.locations())
	}
	if m := e.schemaProperties()["APIKeyCreate"]["scopes"]; m["minItems"] != 1.0 {
		t.Errorf("the server refuses an empty scopes, which the document does not say (minItems 1): %v", m)
	}
}
