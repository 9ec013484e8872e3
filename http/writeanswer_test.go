package http_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// answerDiff lists where the representation write answered differs from
// read, a GET of the same resource after it: members one has and the
// other lacks, at any depth, and, unless membersOnly, values.
func answerDiff(write, read any, membersOnly bool, at string) []string {
	switch w := write.(type) {
	case map[string]any:
		r, ok := read.(map[string]any)
		if !ok {
			if membersOnly && read == nil { // a member cleared since
				return nil
			}
			return []string{fmt.Sprintf("%s: an object in the write's answer, %v in the GET's", at, read)}
		}
		var out []string
		keys := make([]string, 0, len(w)+len(r))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range r {
			if _, ok := w[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			wv, inW := w[k]
			rv, inR := r[k]
			switch {
			case !inW:
				out = append(out, fmt.Sprintf("%s.%s: only in the GET's answer", at, k))
			case !inR:
				out = append(out, fmt.Sprintf("%s.%s: only in the write's answer", at, k))
			default:
				out = append(out, answerDiff(wv, rv, membersOnly, at+"."+k)...)
			}
		}
		return out
	case []any:
		r, ok := read.([]any)
		if !ok || len(r) != len(w) {
			if membersOnly {
				return nil
			}
			return []string{fmt.Sprintf("%s: %v in the write's answer, %v in the GET's", at, write, read)}
		}
		var out []string
		for i := range w {
			out = append(out, answerDiff(w[i], r[i], membersOnly, fmt.Sprintf("%s[%d]", at, i))...)
		}
		return out
	}
	if !membersOnly && !reflect.DeepEqual(write, read) {
		return []string{fmt.Sprintf("%s: %v in the write's answer, %v in the GET's", at, write, read)}
	}
	return nil
}

// TestWriteAnswersAsRead: every write that answers a resource (a
// create's 201 or 202, a PATCH's, PUT's or action's 200) answers the
// members a GET of it then shows, with the same values and ETag, but for
// the secrets shown once; an import job, which goes on in the background,
// and a redelivery, which is sent at once, the same members.
func TestWriteAnswersAsRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(nil)
	prog := e.do("GET", "/v1/programInstances/"+inst, nil).expect(200).obj()["programId"].(string)
	e.do("POST", "/v1/notificationTemplates", map[string]any{"programInstanceId": inst, "name": "Received", "status": "submitted",
		"audience": "participant", "subject": "Received", "text": "Thanks"}).expect(201)
	type write struct {
		name        string
		do          func() *response
		get         string // the path of the GET; "" reads the answer's Location
		onlyWrite   []string
		membersOnly bool
		// key, when set, is the secret the write and the GET use.
		key string
	}
	var enrID, epID, tplID, leadID, custID, progID, instID, hiddenID string
	// A key not shown hidden parameter values is shown none in a write's
	// answer either.
	hiding := e.createInstance(map[string]any{"parameters": []map[string]any{{"externalId": "sec", "name": "Secret", "type": "string",
		"constraints": map[string]any{"hidden": true}}}})
	enrolling := e.scopedKey([]string{"enrollments:read", "enrollments:write"}, nil)
	writes := []write{
		{name: "createProgram", do: func() *response {
			r := e.do("POST", "/v1/programs", map[string]any{"slug": "answers", "name": "Answers", "metadata": map[string]any{"a": 1}}).expect(201)
			progID = r.obj()["id"].(string)
			return r
		}},
		{name: "updateProgram", do: func() *response {
			return e.do("PATCH", "/v1/programs/"+progID, map[string]any{"description": "d"}).expect(200)
		}, get: "/v1/programs/{progID}"},
		{name: "createProgramInstance", do: func() *response {
			r := e.do("POST", "/v1/programs/"+prog+"/instances", map[string]any{"slug": "answers", "name": "Answers", "capacity": 3,
				"parameters": []any{map[string]any{"externalId": "kwh", "name": "kWh", "type": "number", "constraints": map[string]any{"required": false}}}}).expect(201)
			instID = r.obj()["id"].(string)
			return r
		}},
		{name: "updateProgramInstance", do: func() *response {
			return e.do("PATCH", "/v1/programInstances/"+instID, map[string]any{"name": "Renamed"}).expect(200)
		}, get: "/v1/programInstances/{instID}"},
		{name: "createCustomer", do: func() *response {
			r := e.do("POST", "/v1/customers", map[string]any{"firstName": "A", "lastName": "B", "email": "answers@example.com",
				"address": map[string]any{"city": "Austin"}}).expect(201)
			custID = r.obj()["id"].(string)
			return r
		}},
		{name: "updateCustomer", do: func() *response {
			return e.do("PATCH", "/v1/customers/"+custID, map[string]any{"phone": "+15550100"}).expect(200)
		}, get: "/v1/customers/{custID}"},
		{name: "createLead", do: func() *response {
			r := e.do("POST", "/v1/leads", map[string]any{"email": "lead-answers@example.com"}).expect(201)
			leadID = r.obj()["id"].(string)
			return r
		}},
		{name: "updateLead", do: func() *response {
			return e.do("PATCH", "/v1/leads/"+leadID, map[string]any{"firstName": "L"}).expect(200)
		}, get: "/v1/leads/{leadID}"},
		{name: "createEnrollment", do: func() *response {
			r := e.do("POST", "/v1/programInstances/"+inst+"/enrollments", customerInfo(map[string]any{"tags": []string{"t"}})).expect(201)
			enrID = r.obj()["id"].(string)
			return r
		}},
		{name: "updateEnrollment", do: func() *response {
			return e.do("PATCH", "/v1/enrollments/"+enrID, map[string]any{"notes": "n"}).expect(200)
		}, get: "/v1/enrollments/{enrID}"},
		{name: "evaluateEnrollment", do: func() *response {
			return e.do("POST", "/v1/enrollments/"+enrID+"/evaluate", nil).expect(200)
		}, get: "/v1/enrollments/{enrID}"},
		{name: "updateEnrollment (transition)", do: func() *response {
			return e.do("PATCH", "/v1/enrollments/"+enrID, map[string]any{"eligibilityStatus": "submitted", "eligibilityReason": "applied"}).expect(200)
		}, get: "/v1/enrollments/{enrID}"},
		// Its notification made, the enrollment has a template to show.
		{name: "updateEnrollment (with a template)", do: func() *response {
			e.dispatchUntil(enrID, 1)
			r := e.do("PATCH", "/v1/enrollments/"+enrID, map[string]any{"notes": "notified"}).expect(200)
			if tm, _ := r.obj()["template"].(map[string]any); tm["name"] != "Received" {
				t.Errorf("template after a notification: %s", r.Body)
			}
			return r
		}, get: "/v1/enrollments/{enrID}"},
		{name: "createEnrollment (hidden value)", do: func() *response {
			r := e.do("POST", "/v1/programInstances/"+hiding+"/enrollments", customerInfo(map[string]any{
				"parameters": []map[string]any{{"externalId": "sec", "value": "s3cret"}}}), withKey(enrolling)).expect(201)
			hiddenID = r.obj()["id"].(string)
			if strings.Contains(string(r.Body), "s3cret") {
				t.Errorf("a hidden value shown: %s", r.Body)
			}
			return r
		}, key: enrolling},
		{name: "updateEnrollment (hidden value)", do: func() *response {
			return e.do("PATCH", "/v1/enrollments/"+hiddenID, map[string]any{"notes": "n"}, withKey(enrolling)).expect(200)
		}, get: "/v1/enrollments/{hiddenID}", key: enrolling},
		{name: "evaluateEnrollment (hidden value)", do: func() *response {
			return e.do("POST", "/v1/enrollments/"+hiddenID+"/evaluate", nil, withKey(enrolling)).expect(200)
		}, get: "/v1/enrollments/{hiddenID}", key: enrolling},
		{name: "createWebhookEndpoint", do: func() *response {
			r := e.do("POST", "/v1/webhookEndpoints", map[string]any{"url": "https://hooks.example.com/answers"}).expect(201)
			epID = r.obj()["id"].(string)
			return r
		}, onlyWrite: []string{"secret"}},
		{name: "updateWebhookEndpoint", do: func() *response {
			return e.do("PATCH", "/v1/webhookEndpoints/"+epID, map[string]any{"description": "d"}).expect(200)
		}, get: "/v1/webhookEndpoints/{epID}"},
		{name: "rotateWebhookSecret", do: func() *response {
			return e.do("POST", "/v1/webhookEndpoints/"+epID+"/rotateSecret", nil).expect(200)
		}, get: "/v1/webhookEndpoints/{epID}", onlyWrite: []string{"secret"}},
		{name: "createNotificationTemplate", do: func() *response {
			r := e.do("POST", "/v1/notificationTemplates", map[string]any{"programInstanceId": inst, "name": "T", "status": "approved",
				"subject": "s", "text": "t"}).expect(201)
			tplID = r.obj()["id"].(string)
			return r
		}},
		{name: "updateNotificationTemplate", do: func() *response {
			return e.do("PATCH", "/v1/notificationTemplates/"+tplID, map[string]any{"html": "<p>h</p>"}).expect(200)
		}, get: "/v1/notificationTemplates/{tplID}"},
		{name: "putNotificationSettings", do: func() *response {
			return e.do("PUT", "/v1/programInstances/"+inst+"/notificationSettings", map[string]any{"enabled": true,
				"adminEmails": []string{"admin@example.com"}}).expect(200)
		}, get: "/v1/programInstances/" + inst + "/notificationSettings"},
		{name: "createApiKey", do: func() *response {
			return e.do("POST", "/v1/apiKeys", map[string]any{"name": "answers", "scopes": []string{"events:read"}}).expect(201)
		}, onlyWrite: []string{"secret"}},
		{name: "createImport", do: func() *response {
			return e.do("POST", "/v1/programInstances/"+inst+"/imports", importCSV(2)).expect(202)
		}, membersOnly: true},
		{name: "redeliverWebhook", do: func() *response {
			ep, d := e.webhookDelivery()
			return e.do("POST", "/v1/webhookEndpoints/"+ep+"/deliveries/"+d+"/redeliver", nil).expect(202)
		}, membersOnly: true},
	}
	// Every write of the API is above, or answers no resource.
	noResource := map[string]string{
		"testEligibilityRules":       "answers the rules' results on a sample and on enrollments",
		"renderNotificationTemplate": "answers a preview of a message",
		"unsubscribe":                "answers an HTML page",
	}
	for _, op := range operations(e.srv.OpenAPI()) {
		if op.Method == "GET" || op.Method == "DELETE" || noResource[op.OperationID] != "" {
			continue
		}
		if !slices.ContainsFunc(writes, func(w write) bool { return strings.Fields(w.name)[0] == op.OperationID }) {
			t.Errorf("%s %s (%s) is not checked against a GET", op.Method, op.Path, op.OperationID)
		}
	}
	ids := map[string]*string{"{progID}": &progID, "{instID}": &instID, "{custID}": &custID, "{leadID}": &leadID,
		"{enrID}": &enrID, "{epID}": &epID, "{tplID}": &tplID, "{hiddenID}": &hiddenID}
	for _, w := range writes {
		// In order: each write acts on what the ones before made.
		r := w.do()
		path := w.get
		for k, v := range ids {
			path = strings.ReplaceAll(path, k, *v)
		}
		if path == "" {
			path = r.Header.Get("Location")
		}
		var opts []reqOpt
		if w.key != "" {
			opts = append(opts, withKey(w.key))
		}
		got := e.do("GET", path, nil, opts...).expect(200)
		var wrote, read map[string]any
		if err := json.Unmarshal(r.Body, &wrote); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		read = got.obj()
		for _, m := range w.onlyWrite {
			if _, ok := wrote[m]; !ok {
				t.Errorf("%s: no %s", w.name, m)
			}
			delete(wrote, m)
		}
		for _, d := range answerDiff(wrote, read, w.membersOnly, "") {
			t.Errorf("%s: %s", w.name, d)
		}
		if etag := r.Header.Get("ETag"); etag != got.Header.Get("ETag") {
			t.Errorf("%s: ETag %q, a GET after it %q", w.name, etag, got.Header.Get("ETag"))
		}
	}
}
