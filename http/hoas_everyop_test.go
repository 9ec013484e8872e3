package http_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/enrollhq/enroll"
)

// TestEveryOperationSucceedsAsDocumented drives, on one server, a request
// that succeeds for every operation of the OpenAPI document, answering
// each success status the document declares for it, and an error of each
// kind most operations share. e.do checks every answer against the
// document (status, media type, headers, body against the schema, a
// problem for an error); here each ETag and Location a success declares
// must also be sent, a Location must name what a GET then finds, and a
// write's ETag must be the one that GET answers. The test fails when an
// operation or a success status of the document is left unexercised, so
// that a new operation cannot escape these checks. With
// ENROLL_TEST_STORE=postgres it runs on PostgreSQL.
func TestEveryOperationSucceedsAsDocumented(t *testing.T) {
	t.Parallel()
	e := newWebhookEnv(t)
	hook := newHookReceiver(t)
	seen := map[string]map[int]bool{}
	ops := documentedOperations(e.srv)
	opOf := func(method, target string) *huma.Operation {
		path, _, _ := strings.Cut(target, "?")
		var found *huma.Operation
		for _, op := range ops {
			if op.op.Method == method && op.pattern.MatchString(path) &&
				(found == nil || strings.Count(op.op.Path, "{") < strings.Count(found.Path, "{")) {
				found = op.op
			}
		}
		return found
	}
	do := func(method, target string, body any, want int, opts ...reqOpt) *response {
		t.Helper()
		res := e.do(method, target, body, opts...).expect(want)
		op := opOf(method, target)
		if op == nil {
			t.Fatalf("%s %s: no operation of the document", method, target)
		}
		if seen[op.OperationID] == nil {
			seen[op.OperationID] = map[int]bool{}
		}
		seen[op.OperationID][want] = true
		if want >= 300 {
			return res
		}
		declared := op.Responses[strconv.Itoa(want)].Headers
		for _, h := range []string{"ETag", "Location"} {
			if declared[h] != nil && res.Header.Get(h) == "" {
				t.Errorf("%s %s %d: declares %s, sends none", method, target, want, h)
			}
		}
		if loc := res.Header.Get("Location"); loc != "" {
			got := e.do("GET", loc, nil).expect(200)
			if etag := res.Header.Get("ETag"); etag != "" && got.Header.Get("ETag") != etag {
				t.Errorf("%s %s: ETag %s, GET %s answers %s", method, target, etag, loc, got.Header.Get("ETag"))
			}
		} else if etag := res.Header.Get("ETag"); etag != "" && method != "GET" {
			read := strings.TrimSuffix(strings.TrimSuffix(target, "/evaluate"), "/rotateSecret")
			if got := e.do("GET", read, nil).expect(200); got.Header.Get("ETag") != etag {
				t.Errorf("%s %s: ETag %s, GET %s answers %s", method, target, etag, read, got.Header.Get("ETag"))
			}
		}
		return res
	}
	u := uniq()

	do("GET", "/healthz", nil, 200, withKey(""))
	do("GET", "/readyz", nil, 200, withKey(""))

	wh := do("POST", "/v1/webhookEndpoints", map[string]any{"url": hook.srv.URL + "/hook", "description": "é😀"}, 201).obj()
	whID := wh["id"].(string)
	do("GET", "/v1/webhookEndpoints", nil, 200)
	do("GET", "/v1/webhookEndpoints/"+whID, nil, 200)
	do("PATCH", "/v1/webhookEndpoints/"+whID, map[string]any{"description": "d"}, 200)
	do("POST", "/v1/webhookEndpoints/"+whID+"/rotateSecret", nil, 200)

	prog := do("POST", "/v1/programs", map[string]any{"slug": "p" + u, "name": "P", "states": []string{"NY"}, "metadata": map[string]any{"a": 1}}, 201).obj()["id"].(string)
	do("POST", "/v1/programs", map[string]any{"slug": "p" + u, "name": "P"}, 409)
	do("POST", "/v1/programs", raw("{"), 400)
	do("GET", "/v1/programs?active=true&sort=createdAt", nil, 200)
	do("GET", "/v1/programs/p"+u, nil, 200)
	do("GET", "/v1/programs/nope", nil, 404)
	do("PATCH", "/v1/programs/"+prog, map[string]any{"description": "x"}, 200)
	do("PATCH", "/v1/programs/"+prog, map[string]any{"description": "y"}, 412, withHeader("If-Match", `"stale"`))

	inst := do("POST", "/v1/programs/"+prog+"/instances", map[string]any{"slug": "i" + u, "name": "I", "capacity": 10,
		"startDate": "2026-01-01T00:00:00Z", "eligibilityRules": []any{map[string]any{"name": "r", "expression": "true", "reason": "ok"}},
		"parameters": []any{
			map[string]any{"externalId": "s", "name": "S", "type": "string"},
			map[string]any{"externalId": "c", "name": "C", "type": "choice", "constraints": map[string]any{"options": []string{"x"}}},
			map[string]any{"externalId": "d", "name": "D", "type": "date"},
			map[string]any{"externalId": "n", "name": "N", "type": "number"},
			map[string]any{"externalId": "o", "name": "O", "type": "object"},
			map[string]any{"externalId": "b", "name": "B", "type": "boolean"}},
		"groups": []any{map[string]any{"id": "g", "name": "G"}}}, 201).obj()["id"].(string)
	do("POST", "/v1/programs/"+prog+"/instances", map[string]any{"slug": "bad" + u, "name": "I",
		"eligibilityRules": []any{map[string]any{"name": "r", "expression": "1 +"}}}, 422)
	do("GET", "/v1/programs/"+prog+"/instances", nil, 200)
	do("GET", "/v1/programInstances?status=active&programId="+prog, nil, 200)
	do("GET", "/v1/programInstances/"+inst, nil, 200)
	do("PATCH", "/v1/programInstances/"+inst, map[string]any{"name": "I2"}, 200)
	do("GET", "/v1/programInstances/"+inst+"/stats", nil, 200)
	do("POST", "/v1/programInstances/"+inst+"/eligibility:test", map[string]any{"current": true,
		"enrollment": map[string]any{"email": "a@example.com"}}, 200)
	do("GET", "/v1/programInstances/"+inst+"/notificationSettings", nil, 200)
	do("PUT", "/v1/programInstances/"+inst+"/notificationSettings", map[string]any{"enabled": true,
		"adminEmails": []string{"ops@example.com"}, "linkUrl": "https://example.com/e/{enrollmentId}"}, 200)

	cust := do("POST", "/v1/customers", map[string]any{"firstName": "Zoë", "lastName": "Ünïcode", "email": "z" + u + "@example.com",
		"address": map[string]any{"city": "Paris"}}, 201).obj()["id"].(string)
	do("POST", "/v1/customers", map[string]any{"firstName": "Z", "lastName": "U", "email": "z" + u + "@example.com"}, 409)
	do("GET", "/v1/customers?email=z"+u+"@example.com", nil, 200)
	do("GET", "/v1/customers/"+cust, nil, 200)
	do("PATCH", "/v1/customers/"+cust, map[string]any{"phone": "+1 555 0100", "address": map[string]any{"state": "NY"}}, 200)

	lead := do("POST", "/v1/leads", map[string]any{"email": "l" + u + "@example.com"}, 201).obj()["id"].(string)
	do("GET", "/v1/leads", nil, 200)
	do("GET", "/v1/leads/"+lead, nil, 200)
	do("PATCH", "/v1/leads/"+lead, map[string]any{"firstName": "L"}, 200)

	tpl := do("POST", "/v1/notificationTemplates", map[string]any{"programInstanceId": inst, "name": "t", "status": "submitted",
		"essential": false, "subject": "Hi {{.enrollment.firstName}}", "text": "t {{.unsubscribeUrl}}"}, 201).obj()["id"].(string)
	do("GET", "/v1/notificationTemplates?programInstanceId="+inst, nil, 200)
	do("GET", "/v1/notificationTemplates/"+tpl, nil, 200)
	do("PATCH", "/v1/notificationTemplates/"+tpl, map[string]any{"html": "<p>{{.enrollment.firstName}}</p>"}, 200)

	en := do("POST", "/v1/programInstances/"+inst+"/enrollments", map[string]any{"identificationType": "customerId", "customerId": cust,
		"tags": []string{"t"}, "groupIds": []string{"g"}, "devices": []any{map[string]any{"id": "d", "installDate": "2026-02-01T00:00:00Z"}},
		"manufacturerSlugs": []string{"m"}, "parameters": []any{map[string]any{"externalId": "s", "value": "v"},
			map[string]any{"externalId": "c", "value": "x"}, map[string]any{"externalId": "d", "value": "2026-05-01"},
			map[string]any{"externalId": "n", "value": 1.5}, map[string]any{"externalId": "o", "value": map[string]any{"q": 1}},
			map[string]any{"externalId": "b", "value": true}}}, 201).obj()["id"].(string)
	do("POST", "/v1/programInstances/"+inst+"/enrollments", map[string]any{"identificationType": "customerId", "customerId": cust}, 409)
	do("POST", "/v1/programInstances/"+inst+"/enrollments", map[string]any{"identificationType": "customerInfo"}, 422)
	byLead := do("POST", "/v1/programInstances/"+inst+"/enrollments", map[string]any{"identificationType": "leadId", "leadId": lead,
		"eligibilityStatus": "submitted"}, 201).obj()["id"].(string)
	do("GET", "/v1/enrollments/"+en, nil, 200)
	do("PATCH", "/v1/enrollments/"+en, map[string]any{"eligibilityStatus": "submitted", "eligibilityReason": "go"}, 200)
	do("PATCH", "/v1/enrollments/"+en, map[string]any{"eligibilityStatus": "candidate"}, 409)
	do("PATCH", "/v1/enrollments/"+en, map[string]any{"eligibilityStatus": "approved"}, 200)
	do("PATCH", "/v1/enrollments/"+en, map[string]any{"notes": "n", "assignee": "me", "tags": []string{}}, 200)
	other := do("POST", "/v1/programInstances/"+inst+"/enrollments", customerInfo(nil), 201).obj()["id"].(string)
	do("POST", "/v1/enrollments/"+other+"/evaluate", nil, 200)
	do("GET", "/v1/enrollments/"+en+"/history", nil, 200)
	do("GET", "/v1/enrollments?status=approved&status=submitted&tag=t&groupId=g&manufacturerSlug=m&sort=lastName", nil, 200)
	do("GET", "/v1/enrollments?createdAfter=yesterday", nil, 422)
	do("GET", "/v1/enrollments", nil, 200, withHeader("Accept", "text/csv"))
	do("GET", "/v1/programInstances/"+inst+"/enrollments?perPage=1", nil, 200)
	do("GET", "/v1/programInstances/"+inst+"/enrollments", nil, 200, withHeader("Accept", "text/csv"))
	do("POST", "/v1/notificationTemplates/"+tpl+"/render", map[string]any{"enrollmentId": en}, 200)

	// The lead's submission sent the non-essential template: its
	// unsubscribe link works without a key.
	notes := e.dispatchUntil(byLead, 1)
	do("GET", "/v1/enrollments/"+byLead+"/notifications", nil, 200)
	pg, err := e.store.(enroll.NotificationStore).ListNotifications(context.Background(), e.wsID,
		enroll.NotificationFilter{EnrollmentID: byLead})
	if err != nil || len(pg.Data) != len(notes) || pg.Data[0].UnsubscribeToken == "" {
		t.Fatalf("notifications %v, %v", pg, err)
	}
	token := pg.Data[0].UnsubscribeToken
	do("GET", "/unsubscribe?token="+token, nil, 200, withKey(""))
	do("POST", "/unsubscribe?token="+token, nil, 200, withKey(""))
	do("GET", "/unsubscribe?token=nope", nil, 404, withKey(""))

	imp := do("POST", "/v1/programInstances/"+inst+"/imports", upload{"text/csv",
		"firstName,lastName,email,parameters.s\nA,B,imp" + u + "@example.com,v\n,,bad\n"}, 202).obj()["id"].(string)
	do("POST", "/v1/programInstances/"+inst+"/imports", upload{"application/pdf", "x"}, 415)
	waitFor(t, "the import", func() bool {
		var im enroll.Import
		e.do("GET", "/v1/imports/"+imp, nil).expect(200).decode(&im)
		return im.Finished()
	})
	do("GET", "/v1/imports/"+imp, nil, 200)
	do("GET", "/v1/imports/"+imp+"/errors", nil, 200)
	do("GET", "/v1/imports/"+imp+"/errors", nil, 200, withHeader("Accept", "text/csv"))

	var events struct{ Data []map[string]any }
	do("GET", "/v1/events?perPage=500", nil, 200).decode(&events)
	do("GET", "/v1/events/"+events.Data[0]["id"].(string), nil, 200)
	do("GET", "/v1/events?type=enrollment.created&enrollmentId="+en, nil, 200)
	do("GET", "/v1/events?after="+events.Data[len(events.Data)-1]["id"].(string), nil, 200)

	waitFor(t, "a webhook delivery", func() bool { return hook.count() > 0 })
	var deliveries struct{ Data []map[string]any }
	do("GET", "/v1/webhookEndpoints/"+whID+"/deliveries", nil, 200).decode(&deliveries)
	var done string
	waitFor(t, "a finished delivery", func() bool {
		e.do("GET", "/v1/webhookEndpoints/"+whID+"/deliveries?status=succeeded", nil).expect(200).decode(&deliveries)
		if len(deliveries.Data) > 0 {
			done = deliveries.Data[0]["id"].(string)
		}
		return done != ""
	})
	do("GET", "/v1/webhookEndpoints/"+whID+"/deliveries/"+done, nil, 200)
	do("POST", "/v1/webhookEndpoints/"+whID+"/deliveries/"+done+"/redeliver", nil, 202)

	key := do("POST", "/v1/apiKeys", map[string]any{"name": "k", "scopes": []string{"programs:read"}, "programInstanceIds": []string{inst}}, 201).obj()
	do("GET", "/v1/apiKeys", nil, 200)
	do("GET", "/v1/apiKeys/"+key["id"].(string), nil, 200)
	do("GET", "/v1/programs", nil, 200, withKey(key["secret"].(string)))
	do("POST", "/v1/programs", map[string]any{"slug": "k" + u, "name": "K"}, 403, withKey(key["secret"].(string)))
	do("GET", "/v1/programs", nil, 401, withKey(""))
	do("DELETE", "/v1/apiKeys/"+key["id"].(string), nil, 204)
	do("DELETE", "/v1/apiKeys/"+key["id"].(string), nil, 204) // again: it may be run again (docs/security.md)
	do("DELETE", "/v1/apiKeys/nope", nil, 404)

	do("DELETE", "/v1/notificationTemplates/"+tpl, nil, 204)
	do("DELETE", "/v1/programInstances/"+inst, nil, 409)
	do("DELETE", "/v1/programs/"+prog, nil, 409)
	do("DELETE", "/v1/customers/"+cust, nil, 409)
	do("DELETE", "/v1/enrollments/"+en, nil, 204)
	do("DELETE", "/v1/enrollments/"+en, nil, 404)
	do("DELETE", "/v1/webhookEndpoints/"+whID, nil, 204)
	p2 := do("POST", "/v1/programs", map[string]any{"slug": "q" + u, "name": "Q"}, 201).obj()["id"].(string)
	i2 := do("POST", "/v1/programs/"+p2+"/instances", map[string]any{"slug": "q" + u, "name": "Q"}, 201).obj()["id"].(string)
	do("DELETE", "/v1/programInstances/"+i2, nil, 204)
	do("DELETE", "/v1/programs/"+p2, nil, 204)
	c2 := do("POST", "/v1/customers", map[string]any{"firstName": "D", "lastName": "D", "email": "d" + u + "@example.com"}, 201).obj()["id"].(string)
	do("DELETE", "/v1/customers/"+c2, nil, 204)
	l2 := do("POST", "/v1/leads", map[string]any{"phone": "+1 555 0101"}, 201).obj()["id"].(string)
	do("DELETE", "/v1/leads/"+l2, nil, 204)

	for _, op := range ops {
		for code := range op.op.Responses {
			if status, _ := strconv.Atoi(code); status >= 200 && status < 300 && !seen[op.op.OperationID][status] {
				t.Errorf("%s %s (%s): no request answered its documented %d", op.op.Method, op.op.Path, op.op.OperationID, status)
			}
		}
	}
}
