package http_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// seedCreate is seed 000's "Creating an Enrollment" example, verbatim but
// for the closing braces the page lost.
const seedCreate = `{
  "identificationType": "customerInfo",
  "firstName": "Suzie",
  "lastName": "Homeowner",
  "email": "suzie.homeowner@example.com",
  "phone": "+1234567890",
  "address": {
    "streetOne": "123 Main St",
    "streetTwo": "Apt 4B",
    "city": "New York",
    "state": "NY",
    "postalCode": "10001",
    "country": "USA"
  },
  "manufacturerSlugs": ["tesla", "enphase"],
  "serialNumber": "1234567890",
  "referenceId": "1234567890",
  "referenceDescription": "Tesla Grid Services id.",
  "tags": ["tag1", "tag2"]
}`

func TestAPI_201(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	t.Run("every member of the representation", func(t *testing.T) {
		// SPEC §4's members are all shown, null when unset, wherever an
		// enrollment appears: created, read, listed (from the stored
		// document on SQLite) and in its events.
		inst := e.manualInstance()
		created := e.do("POST", "/v1/programInstances/"+inst+"/enrollments",
			customerInfo(map[string]any{"address": map[string]any{"city": "Albany"}})).expect(201).obj()
		id := created["id"].(string)
		list := e.do("GET", "/v1/programInstances/"+inst+"/enrollments", nil).expect(200).obj()["data"].([]any)
		events := e.do("GET", "/v1/events?enrollmentId="+id, nil).expect(200).obj()["data"].([]any)
		if len(list) != 1 || len(events) == 0 {
			t.Fatalf("%d listed, %d events", len(list), len(events))
		}
		shown := map[string]map[string]any{
			"created": created, "read": e.do("GET", "/v1/enrollments/"+id, nil).expect(200).obj(), "listed": list[0].(map[string]any),
			"event": events[0].(map[string]any)["data"].(map[string]any)["object"].(map[string]any),
		}
		for where, m := range shown {
			for _, name := range strings.Split("id identificationType programInstanceId leadId customerId enrollmentId "+
				"firstName lastName email phone address manufacturerSlugs serialNumber devices referenceId "+
				"referenceDescription tags metadata parameters groupIds notes assignee enrollmentStartDate enrolledAt "+
				"unenrolledAt eligibility createdAt updatedAt", " ") {
				if _, ok := m[name]; !ok {
					t.Errorf("%s: no %s", where, name)
				}
			}
			for _, name := range []string{"leadId", "phone", "notes", "enrolledAt", "unenrolledAt"} {
				if v, ok := m[name]; ok && v != nil {
					t.Errorf("%s: %s = %v, want null", where, name, v)
				}
			}
			if el := m["eligibility"].(map[string]any); !hasNull(el, "reason") {
				t.Errorf("%s: eligibility = %v, want a null reason", where, el)
			}
			if a := m["address"].(map[string]any); a["city"] != "Albany" || len(a) != 6 || !hasNull(a, "streetOne") || !hasNull(a, "country") {
				t.Errorf("%s: address = %v, want its six members, null but city", where, a)
			}
		}
		if ev := events[0].(map[string]any); !hasNull(ev["data"].(map[string]any), "previousAttributes") {
			t.Errorf("enrollment.created event: %v, want null previousAttributes", ev)
		}
	})

	t.Run("seed example", func(t *testing.T) {
		inst := e.createInstance(nil)
		r := e.do("POST", "/v1/programInstances/"+inst+"/enrollments", raw(seedCreate)).expect(201)
		m := r.obj()
		id, _ := m["id"].(string)
		if id == "" {
			t.Fatalf("no id: %s", r.Body)
		}
		if got := r.Header.Get("Location"); got != "/v1/enrollments/"+id {
			t.Errorf("Location = %q", got)
		}
		if r.Header.Get("ETag") == "" {
			t.Error("no ETag on create")
		}
		want := map[string]any{
			"identificationType": "customerInfo", "programInstanceId": inst, "firstName": "Suzie",
			"lastName": "Homeowner", "email": "suzie.homeowner@example.com", "phone": "+1234567890",
			"serialNumber": "1234567890", "referenceId": "1234567890", "referenceDescription": "Tesla Grid Services id.",
		}
		for k, v := range want {
			if m[k] != v {
				t.Errorf("%s = %v, want %v", k, m[k], v)
			}
		}
		addr := m["address"].(map[string]any)
		for k, v := range map[string]string{"streetOne": "123 Main St", "streetTwo": "Apt 4B", "city": "New York", "state": "NY", "postalCode": "10001", "country": "USA"} {
			if addr[k] != v {
				t.Errorf("address.%s = %v, want %v", k, addr[k], v)
			}
		}
		if got := m["manufacturerSlugs"].([]any); len(got) != 2 || got[0] != "tesla" || got[1] != "enphase" {
			t.Errorf("manufacturerSlugs = %v", got)
		}
		if got := m["tags"].([]any); len(got) != 2 || got[0] != "tag1" {
			t.Errorf("tags = %v", got)
		}
		if _, ok := m["metadata"].(map[string]any); !ok {
			t.Errorf("metadata = %v, want {}", m["metadata"])
		}
		if m["customerId"] == nil || m["customerId"] == "" {
			t.Error("customerInfo must create a customer")
		}
		el := m["eligibility"].(map[string]any)
		if el["programInstanceId"] != inst || el["status"] == "" {
			t.Errorf("eligibility = %v", el)
		}
		for _, k := range []string{"createdAt", "updatedAt"} {
			if _, err := time.Parse(time.RFC3339, m[k].(string)); err != nil {
				t.Errorf("%s not RFC 3339: %v", k, m[k])
			}
		}
		if _, ok := m["$schema"]; ok {
			t.Error("response carries $schema")
		}
		if r.Header.Get("Link") != "" {
			t.Error("response carries a schema Link header")
		}
	})

	t.Run("program", func(t *testing.T) {
		r := e.do("POST", "/v1/programs", map[string]any{"slug": "rebate", "name": "Rebate", "states": []string{"NY"}, "metadata": map[string]any{"k": 1}}).expect(201)
		m := r.obj()
		if r.Header.Get("Location") != "/v1/programs/"+m["id"].(string) {
			t.Errorf("Location = %q", r.Header.Get("Location"))
		}
		if m["active"] != true || m["slug"] != "rebate" || m["name"] != "Rebate" {
			t.Errorf("program = %s", r.Body)
		}
		off := e.do("POST", "/v1/programs", map[string]any{"slug": "off", "name": "Off", "active": false}).expect(201).obj()
		if off["active"] != false {
			t.Errorf("active:false not kept: %v", off)
		}
	})

	t.Run("instance by program slug", func(t *testing.T) {
		e.createProgram("by-slug")
		r := e.do("POST", "/v1/programs/by-slug/instances", map[string]any{"slug": "y2025", "name": "2025"}).expect(201)
		m := r.obj()
		if r.Header.Get("Location") != "/v1/programInstances/"+m["id"].(string) {
			t.Errorf("Location = %q", r.Header.Get("Location"))
		}
		if m["autoEvaluate"] != true || m["status"] != "active" {
			t.Errorf("defaults: autoEvaluate=%v status=%v", m["autoEvaluate"], m["status"])
		}
		if p := e.do("GET", "/v1/programs/by-slug", nil).expect(200).obj(); m["programId"] != p["id"] {
			t.Errorf("programId = %v, want %v", m["programId"], p["id"])
		}
		m2 := e.do("POST", "/v1/programs/by-slug/instances", map[string]any{"slug": "y2026", "name": "2026", "autoEvaluate": false,
			"capacity": 2, "groups": []any{map[string]any{"id": "g1", "name": "Group 1"}},
			"parameters":       []any{map[string]any{"externalId": "size", "name": "Size", "type": "number"}},
			"eligibilityRules": []any{map[string]any{"name": "ny", "expression": "true", "reason": "always"}}}).expect(201).obj()
		if m2["autoEvaluate"] != false || m2["capacity"] != float64(2) {
			t.Errorf("instance = %v", m2)
		}
	})

	t.Run("customer and lead", func(t *testing.T) {
		r := e.do("POST", "/v1/customers", map[string]any{"firstName": "Ann", "lastName": "Lee", "email": "ann@example.com", "referenceId": "ref-1"}).expect(201)
		if r.Header.Get("Location") != "/v1/customers/"+r.obj()["id"].(string) {
			t.Errorf("Location = %q", r.Header.Get("Location"))
		}
		r = e.do("POST", "/v1/leads", map[string]any{"email": "lead@example.com"}).expect(201)
		if r.Header.Get("Location") != "/v1/leads/"+r.obj()["id"].(string) {
			t.Errorf("Location = %q", r.Header.Get("Location"))
		}
	})

	t.Run("api key", func(t *testing.T) {
		r := e.do("POST", "/v1/apiKeys", map[string]any{"name": "ci", "scopes": []string{"programs:read"}}).expect(201)
		m := r.obj()
		if r.Header.Get("Location") != "/v1/apiKeys/"+m["id"].(string) {
			t.Errorf("Location = %q", r.Header.Get("Location"))
		}
		secret, _ := m["secret"].(string)
		if !strings.HasPrefix(secret, "sk_") || m["kind"] != "scoped" || !strings.HasPrefix(secret, m["prefix"].(string)) {
			t.Errorf("key = %s", r.Body)
		}
		if _, ok := m["hash"]; ok {
			t.Error("hash shown")
		}
		e.do("GET", "/v1/programs", nil, withKey(secret)).expect(200)
	})

	t.Run("date parameter in lower case", func(t *testing.T) {
		// RFC 3339 §5.6 allows "t" and "z"; the value is kept in upper
		// case, as a rule's timestamp() reads only that, and a read-only
		// value sent back in lower case is the same value.
		inst := e.createInstance(map[string]any{
			"parameters": []any{map[string]any{"externalId": "installed", "name": "Installed", "type": "date",
				"constraints": map[string]any{"readonly": true}}},
			"eligibilityRules": []any{map[string]any{"name": "recent", "reason": "Installed too early",
				"expression": `timestamp(enrollment.params.installed) > timestamp("2020-01-01T00:00:00Z")`}}})
		m := e.enrollIn(inst, customerInfo(map[string]any{"parameters": []any{map[string]any{"externalId": "installed", "value": "2026-01-02t03:04:05z"}}}))
		if v := m["parameters"].([]any)[0].(map[string]any)["value"]; v != "2026-01-02T03:04:05Z" || status(m) != "eligible" {
			t.Fatalf("value %v, status %s: %v", v, status(m), m["eligibility"])
		}
		e.do("PATCH", "/v1/enrollments/"+m["id"].(string),
			map[string]any{"parameters": []any{map[string]any{"externalId": "installed", "value": "2026-01-02T03:04:05z"}}}).expect(200)
	})

	t.Run("submitted self-enrollment passes eligibility", func(t *testing.T) {
		inst := e.createInstance(nil)
		m := e.enrollIn(inst, customerInfo(map[string]any{"eligibilityStatus": "submitted"}))
		if status(m) != "submitted" {
			t.Errorf("status = %s, want submitted", status(m))
		}
	})
}

func TestAPI_204(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	enr := e.enrollIn(inst, customerInfo(nil))
	lead := e.do("POST", "/v1/leads", map[string]any{"firstName": "L"}).expect(201).obj()["id"].(string)
	cust := e.do("POST", "/v1/customers", map[string]any{"firstName": "C", "lastName": "D", "email": "cd@example.com"}).expect(201).obj()["id"].(string)
	prog := e.createProgram("to-delete")
	emptyInst := e.do("POST", "/v1/programs/"+prog+"/instances", map[string]any{"slug": "x", "name": "x"}).expect(201).obj()["id"].(string)
	key := e.do("POST", "/v1/apiKeys", map[string]any{"name": "gone"}).expect(201).obj()

	for _, path := range []string{
		"/v1/enrollments/" + enr["id"].(string),
		"/v1/leads/" + lead,
		"/v1/customers/" + cust,
		"/v1/programInstances/" + emptyInst,
		"/v1/programs/" + prog,
	} {
		t.Run(path, func(t *testing.T) {
			r := e.do("DELETE", path, nil).expect(204)
			if len(r.Body) != 0 {
				t.Errorf("204 with a body: %s", r.Body)
			}
			e.do("GET", path, nil).expect(404).problem()
			e.do("DELETE", path, nil).expect(404).problem()
		})
	}
	t.Run("api key revoked at once", func(t *testing.T) {
		e.do("DELETE", "/v1/apiKeys/"+key["id"].(string), nil).expect(204)
		e.do("GET", "/v1/programs", nil, withKey(key["secret"].(string))).expect(401)
		var list struct {
			Data []map[string]any `json:"data"`
		}
		e.do("GET", "/v1/apiKeys", nil).expect(200).decode(&list)
		for _, k := range list.Data {
			if k["id"] == key["id"] && k["revokedAt"] == nil {
				t.Error("revoked key lists without revokedAt")
			}
		}
	})
}

func TestAPI_400(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	enr := e.enrollIn(inst, customerInfo(nil))["id"].(string)
	for _, tc := range []struct {
		name, method, path string
		body               any
	}{
		{"truncated JSON", "POST", "/v1/programs", raw(`{"slug": "a", "name": `)},
		{"not JSON", "POST", "/v1/customers", raw(`hello`)},
		{"trailing garbage", "POST", "/v1/leads", raw(`{"email": "a@example.com"}}`)},
		{"invalid UTF-8", "POST", "/v1/leads", []byte("{\"firstName\": \"\xff\xfe\"}")},
		{"malformed patch", "PATCH", "/v1/enrollments/" + enr, raw(`{"notes": "x"`)},
		{"empty body", "POST", "/v1/programs", raw(``)},
		// The last value would win, the first be lost without a word.
		{"a member named twice", "POST", "/v1/programInstances/" + inst + "/enrollments",
			raw(`{"identificationType": "customerInfo", "firstName": "a", "firstName": "b", "lastName": "c", "email": "twice@example.com"}`)},
		{"a nested member named twice", "PATCH", "/v1/enrollments/" + enr, raw(`{"metadata": {"x": 1, "x": 2}}`)},
		// Go's parser drops a pair it cannot decode, which would widen the
		// filter to every enrollment.
		{"bad percent-encoding in the query", "GET", "/v1/enrollments?email=%zz", nil},
		// No stored value can hold NUL; the console answers its own.
		{"NUL in the query", "GET", "/v1/enrollments?q=%00", nil},
		// PostgreSQL refuses to compare text with bytes that are not
		// UTF-8: these filters were 500s there.
		{"invalid UTF-8 in a query value", "GET", "/v1/enrollments?referenceId=%FF%FE", nil},
		{"invalid UTF-8 in an id filter", "GET", "/v1/events?enrollmentId=%C0%80", nil},
		{"invalid UTF-8 in a query name", "GET", "/v1/customers?%FF=1", nil},
		{"invalid UTF-8 in the path", "GET", "/v1/customers/%FF", nil},
		{"malformed body to an operation that takes none", "POST", "/v1/enrollments/" + enr + "/evaluate", raw(`<evaluate/>`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := e.do(tc.method, tc.path, tc.body).expect(400).problem()
			if p.Detail == "" {
				t.Error("no detail")
			}
			if strings.Contains(tc.name, "twice") && !strings.Contains(p.Detail, "twice") {
				t.Errorf("detail %q does not name the member", p.Detail)
			}
		})
	}
	t.Run("the HTML pages keep answering in HTML", func(t *testing.T) {
		t.Parallel()
		r := e.do("GET", "/unsubscribe?token=x;y", nil, withKey(""))
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("unsubscribe page with a malformed query: %d %s", r.Status, ct)
		}
	})
	t.Cleanup(func() { // after the parallel subtests
		if got := e.do("GET", "/v1/enrollments/"+enr, nil).expect(200).obj()["metadata"].(map[string]any); len(got) != 0 {
			t.Errorf("metadata = %v after refused patches", got)
		}
	})
}

func TestAPI_415(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.do("POST", "/v1/leads", raw(`email=a@example.com`), withHeader("Content-Type", "application/x-www-form-urlencoded")).expect(415).problem()
	// A body without Content-Type is read as JSON.
	e.do("POST", "/v1/leads", raw(`{"email": "a@example.com"}`), withHeader("Content-Type", "")).expect(201)
	// Media types are case-insensitive.
	e.do("POST", "/v1/leads", raw(`{"email": "b@example.com"}`), withHeader("Content-Type", "Application/JSON; Charset=utf-8")).expect(201)
	// A compressed body, or a JSON Patch, would be misread.
	e.do("POST", "/v1/leads", raw("\x1f\x8b\x08\x00"), withHeader("Content-Encoding", "gzip")).expect(415).problem()
	lead := e.do("POST", "/v1/leads", raw(`{"email": "c@example.com"}`)).expect(201).obj()["id"].(string)
	e.do("PATCH", "/v1/leads/"+lead, raw(`[{"op": "replace", "path": "/phone", "value": "1"}]`),
		withHeader("Content-Type", "application/json-patch+json")).expect(415).problem()
	e.do("PATCH", "/v1/leads/"+lead, raw(`{"phone": "1"}`), withHeader("Content-Type", "application/merge-patch+json")).expect(200)
	// Huma reads any +json type as JSON; only a PATCH takes a merge patch.
	for _, ct := range []string{"application/json-patch+json", "application/merge-patch+json", "application/vnd.example+json"} {
		e.do("POST", "/v1/leads", raw(`{"email": "d@example.com"}`), withHeader("Content-Type", ct)).expect(415).problem()
	}
	e.do("PATCH", "/v1/leads/"+lead, raw(`{"phone": "2"}`), withHeader("Content-Type", "application/vnd.example+json")).expect(415).problem()
}

func TestAPI_401(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	revoked := e.do("POST", "/v1/apiKeys", map[string]any{"name": "old"}).expect(201).obj()
	e.do("DELETE", "/v1/apiKeys/"+revoked["id"].(string), nil).expect(204)
	other := e.scopedKey([]string{"programs:read", "enrollments:read", "events:read", "keys:write"}, nil)
	// Two keys, both good: which one acts must not depend on their order.
	twice := func(r *http.Request) { r.Header.Add("Authorization", "Bearer "+other) }
	for _, tc := range []struct {
		name string
		opt  reqOpt
	}{
		{"missing", withKey("")},
		{"not a secret", withKey("hello")},
		{"unknown", withKey("sk_" + strings.Repeat("x", 32))},
		{"revoked", withKey(revoked["secret"].(string))},
		{"wrong scheme", withHeader("Authorization", "Basic "+e.secret)},
		{"sent twice", twice},
	} {
		for _, path := range []string{"/v1/programs", "/v1/enrollments/abc", "/v1/apiKeys", "/v1/events"} {
			t.Run(tc.name+" "+path, func(t *testing.T) {
				t.Parallel()
				r := e.do("GET", path, nil, tc.opt).expect(401)
				r.problem()
				if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate = %q", r.Header.Get("WWW-Authenticate"))
				}
			})
		}
	}
	t.Run("before validation", func(t *testing.T) {
		e.do("POST", "/v1/programs", raw(`{bad`), withKey("")).expect(401)
	})
	t.Run("lastUsedAt", func(t *testing.T) {
		deadline := time.Now().Add(5 * time.Second)
		for {
			var list struct {
				Data []map[string]any `json:"data"`
			}
			e.do("GET", "/v1/apiKeys", nil).expect(200).decode(&list)
			for _, k := range list.Data {
				if k["id"] == e.keyID && k["lastUsedAt"] != nil {
					return
				}
			}
			if time.Now().After(deadline) {
				t.Fatal("lastUsedAt never set")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func TestAPI_403(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	enr := e.enrollIn(inst, customerInfo(nil))["id"].(string)
	readOnly := e.scopedKey([]string{"programs:read", "enrollments:read"}, nil)
	writer := e.scopedKey([]string{"enrollments:read", "enrollments:write"}, nil)
	for _, tc := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/v1/programs", map[string]any{"slug": "x", "name": "x"}},
		{"PATCH", "/v1/programInstances/" + inst, map[string]any{"name": "x"}},
		{"POST", "/v1/programInstances/" + inst + "/enrollments", customerInfo(nil)},
		{"PATCH", "/v1/enrollments/" + enr, map[string]any{"notes": "x"}},
		{"DELETE", "/v1/enrollments/" + enr, nil},
		{"POST", "/v1/enrollments/" + enr + "/evaluate", nil},
		{"POST", "/v1/customers", map[string]any{"firstName": "a", "lastName": "b", "email": "ab@example.com"}},
		{"GET", "/v1/events", nil},
		{"GET", "/v1/apiKeys", nil},
		{"POST", "/v1/apiKeys", map[string]any{"name": "x"}},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			t.Parallel()
			e.do(tc.method, tc.path, tc.body, withKey(readOnly)).expect(403).problem()
		})
	}
	t.Run("reading is allowed", func(t *testing.T) {
		e.do("GET", "/v1/enrollments/"+enr, nil, withKey(readOnly)).expect(200)
		e.do("GET", "/v1/programInstances/"+inst, nil, withKey(readOnly)).expect(200)
	})
	t.Run("review needs enrollments:review", func(t *testing.T) {
		e.patchStatus(enr, "eligible", withKey(writer))
		e.patchStatus(enr, "submitted", withKey(writer))
		for _, s := range []string{"approved", "rejected", "needs_action"} {
			e.do("PATCH", "/v1/enrollments/"+enr, map[string]any{"eligibilityStatus": s}, withKey(writer)).expect(403).problem()
		}
		reviewer := e.scopedKey([]string{"enrollments:write", "enrollments:review"}, nil)
		e.patchStatus(enr, "approved", withKey(reviewer))
	})
	t.Run("instance-limited key cannot create instances", func(t *testing.T) {
		limited := e.scopedKey([]string{"programs:write", "programs:read"}, []string{inst})
		prog := e.createProgram("limited")
		e.do("POST", "/v1/programs/"+prog+"/instances", map[string]any{"slug": "x", "name": "x"}, withKey(limited)).expect(403)
	})
	t.Run("no escalation through new keys", func(t *testing.T) {
		keys := e.scopedKey([]string{"keys:write"}, nil)
		e.do("POST", "/v1/apiKeys", map[string]any{"scopes": []string{"programs:write"}}, withKey(keys)).expect(403)
		m := e.do("POST", "/v1/apiKeys", map[string]any{"name": "child"}, withKey(keys)).expect(201).obj()
		if sc := m["scopes"].([]any); len(sc) != 1 || sc[0] != "keys:write" {
			t.Errorf("child scopes = %v, want the maker's", sc)
		}
	})
}

func TestAPI_404(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	enr := e.enrollIn(inst, customerInfo(nil))
	enrID := enr["id"].(string)
	t.Run("an empty segment", func(t *testing.T) {
		t.Parallel()
		// Not redirected to the cleaned path, which names another
		// resource (the enrollment "history", the program "instances").
		for _, rt := range [][2]string{{"GET", "/v1/enrollments//history"}, {"POST", "/v1/programs//instances"},
			{"GET", "/v1/enrollments/" + enrID + "/./history"}, {"GET", "/v1/programs/x/../" + enrID}} {
			p := e.do(rt[0], rt[1], nil).expect(404).problem()
			if !strings.Contains(p.Detail, "empty, . or .. segment") {
				t.Errorf("%s %s: %q", rt[0], rt[1], p.Detail)
			}
		}
	})
	cust := enr["customerId"].(string)
	prog := e.do("GET", "/v1/programInstances/"+inst, nil).expect(200).obj()["programId"].(string)
	lead := e.do("POST", "/v1/leads", map[string]any{"firstName": "L"}).expect(201).obj()["id"].(string)
	key := e.do("POST", "/v1/apiKeys", map[string]any{"name": "k"}).expect(201).obj()["id"].(string)
	var events struct {
		Data []map[string]any `json:"data"`
	}
	e.do("GET", "/v1/events", nil).expect(200).decode(&events)
	if len(events.Data) == 0 {
		t.Fatal("no events")
	}
	event := events.Data[0]["id"].(string)

	routes := []struct {
		method, path string
		body         any
	}{
		{"GET", "/v1/programs/" + prog, nil},
		{"PATCH", "/v1/programs/" + prog, map[string]any{"name": "x"}},
		{"DELETE", "/v1/programs/" + prog, nil},
		{"POST", "/v1/programs/" + prog + "/instances", map[string]any{"slug": "x", "name": "x"}},
		{"GET", "/v1/programs/" + prog + "/instances", nil},
		{"GET", "/v1/programInstances/" + inst, nil},
		{"PATCH", "/v1/programInstances/" + inst, map[string]any{"name": "x"}},
		{"DELETE", "/v1/programInstances/" + inst, nil},
		{"GET", "/v1/programInstances/" + inst + "/stats", nil},
		{"GET", "/v1/programInstances/" + inst + "/enrollments", nil},
		{"POST", "/v1/programInstances/" + inst + "/enrollments", customerInfo(nil)},
		{"GET", "/v1/customers/" + cust, nil},
		{"PATCH", "/v1/customers/" + cust, map[string]any{"phone": "1"}},
		{"DELETE", "/v1/customers/" + cust, nil},
		{"GET", "/v1/leads/" + lead, nil},
		{"PATCH", "/v1/leads/" + lead, map[string]any{"phone": "1"}},
		{"DELETE", "/v1/leads/" + lead, nil},
		{"GET", "/v1/enrollments/" + enrID, nil},
		{"PATCH", "/v1/enrollments/" + enrID, map[string]any{"notes": "x"}},
		{"DELETE", "/v1/enrollments/" + enrID, nil},
		{"POST", "/v1/enrollments/" + enrID + "/evaluate", nil},
		{"GET", "/v1/enrollments/" + enrID + "/history", nil},
		{"GET", "/v1/events/" + event, nil},
		{"GET", "/v1/apiKeys/" + key, nil},
		{"DELETE", "/v1/apiKeys/" + key, nil},
	}
	_, _, other := e.newWorkspace()
	for _, rt := range routes {
		t.Run("other workspace "+rt.method+" "+rt.path, func(t *testing.T) {
			t.Parallel()
			e.do(rt.method, rt.path, rt.body, withKey(other)).expect(404).problem()
		})
	}
	t.Run("other workspace re-enrollment", func(t *testing.T) {
		otherInst := e.do("POST", "/v1/programs", map[string]any{"slug": "o", "name": "o"}, withKey(other)).expect(201).obj()["id"].(string)
		otherInst = e.do("POST", "/v1/programs/"+otherInst+"/instances", map[string]any{"slug": "o", "name": "o"}, withKey(other)).expect(201).obj()["id"].(string)
		for _, body := range []map[string]any{
			{"identificationType": "enrollmentId", "enrollmentId": enrID},
			{"identificationType": "customerId", "customerId": cust},
			{"identificationType": "leadId", "leadId": lead},
		} {
			e.do("POST", "/v1/programInstances/"+otherInst+"/enrollments", body, withKey(other)).expect(404).problem()
		}
	})
	t.Run("a key for an instance the caller cannot name", func(t *testing.T) {
		// As the customerId of an enrollment create: 404 whether the
		// instance is another workspace's, none, or not the caller's.
		limited := e.scopedKey([]string{"keys:write"}, []string{e.manualInstance()})
		for _, tc := range []struct {
			instance string
			key      string
		}{{inst, other}, {enroll.NewID(), ""}, {"abc", ""}, {inst, limited}} {
			var opts []reqOpt
			if tc.key != "" {
				opts = append(opts, withKey(tc.key))
			}
			p := e.do("POST", "/v1/apiKeys", map[string]any{"name": "k", "programInstanceIds": []string{tc.instance}}, opts...).expect(404).problem()
			if p.Detail != "Program instance "+tc.instance+" not found." {
				t.Errorf("%s: %q", tc.instance, p.Detail)
			}
		}
	})
	t.Run("keys broader than the caller", func(t *testing.T) {
		// A key sees and revokes only the keys it could have made.
		narrow := e.scopedKey([]string{"keys:write", "enrollments:read"}, nil)
		limited := e.scopedKey([]string{"keys:write", "enrollments:read"}, []string{inst})
		for _, caller := range []string{narrow, limited} {
			e.do("GET", "/v1/apiKeys/"+key, nil, withKey(caller)).expect(404).problem()
			e.do("DELETE", "/v1/apiKeys/"+key, nil, withKey(caller)).expect(404).problem()
			var list struct {
				Data []map[string]any `json:"data"`
			}
			e.do("GET", "/v1/apiKeys", nil, withKey(caller)).expect(200).decode(&list)
			for _, k := range list.Data {
				if k["id"] == key || len(k["scopes"].([]any)) > 2 {
					t.Errorf("a narrower key lists %v", k)
				}
			}
			child := e.do("POST", "/v1/apiKeys", map[string]any{"name": "child", "scopes": []string{"enrollments:read"}}, withKey(caller)).expect(201).obj()["id"].(string)
			e.do("GET", "/v1/apiKeys/"+child, nil, withKey(caller)).expect(200)
			e.do("DELETE", "/v1/apiKeys/"+child, nil, withKey(caller)).expect(204)
		}
		e.do("GET", "/v1/apiKeys/"+key, nil).expect(200)
	})
	t.Run("instance-limited key", func(t *testing.T) {
		otherInst := e.manualInstance()
		limited := e.scopedKey([]string{"programs:read", "enrollments:read", "enrollments:write", "events:read"}, []string{otherInst})
		for _, path := range []string{"/v1/programInstances/" + inst, "/v1/enrollments/" + enrID, "/v1/enrollments/" + enrID + "/history",
			"/v1/programInstances/" + inst + "/enrollments", "/v1/programInstances/" + inst + "/stats"} {
			e.do("GET", path, nil, withKey(limited)).expect(404)
		}
		e.do("PATCH", "/v1/enrollments/"+enrID, map[string]any{"notes": "x"}, withKey(limited)).expect(404)
		e.do("POST", "/v1/programInstances/"+inst+"/enrollments", customerInfo(nil), withKey(limited)).expect(404)
		mine := e.enrollIn(otherInst, customerInfo(nil))["id"].(string)
		list := e.do("GET", "/v1/enrollments", nil, withKey(limited)).expect(200).obj()
		if got := ids(list); !slices.Equal(got, []string{mine}) {
			t.Errorf("limited list = %v, want [%s]", got, mine)
		}
		instances := e.do("GET", "/v1/programInstances", nil, withKey(limited)).expect(200).obj()
		if got := ids(instances); !slices.Equal(got, []string{otherInst}) {
			t.Errorf("limited instances = %v, want [%s]", got, otherInst)
		}
		var evs struct {
			Data       []map[string]any `json:"data"`
			TotalItems int              `json:"totalItems"`
		}
		e.do("GET", "/v1/events?type=enrollment.created", nil, withKey(limited)).expect(200).decode(&evs)
		for _, ev := range evs.Data {
			if obj := ev["data"].(map[string]any)["object"].(map[string]any); obj["programInstanceId"] != otherInst {
				t.Errorf("limited key sees event of instance %v", obj["programInstanceId"])
			}
		}
		// The count is of what the key sees: the one enrollment it made.
		if len(evs.Data) != 1 || evs.TotalItems != 1 {
			t.Errorf("limited key: %d enrollment.created events, totalItems %d; want 1 and 1", len(evs.Data), evs.TotalItems)
		}
	})
	t.Run("unknown ids and routes", func(t *testing.T) {
		for _, path := range []string{"/v1/enrollments/nope", "/v1/enrollments/" + strings.Repeat("a", 80), "/v1/programs/does-not-exist",
			"/v1/customers/zzz", "/v1/nothing", "/nothing", "/v1/events/evt_nope"} {
			r := e.do("GET", path, nil).expect(404)
			r.problem()
			if r.Header.Get("X-Request-Id") == "" {
				t.Errorf("%s: no X-Request-Id", path)
			}
		}
	})
}

func TestAPI_405(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do("PUT", "/v1/programs", map[string]any{}).expect(405)
	r.problem()
	if r.Header.Get("Allow") == "" || r.Header.Get("X-Request-Id") == "" {
		t.Errorf("headers = %v", r.Header)
	}
}

func TestAPI_409(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	t.Run("redelivering a pending delivery", func(t *testing.T) {
		// Sent at once, the copy could overtake an earlier event of the
		// same object that is still being retried.
		endpoint, delivery := e.pendingWebhookDelivery()
		deliveries := func() int {
			return int(e.do("GET", "/v1/webhookEndpoints/"+endpoint+"/deliveries", nil).expect(200).obj()["totalItems"].(float64))
		}
		before := deliveries()
		p := e.do("POST", "/v1/webhookEndpoints/"+endpoint+"/deliveries/"+delivery+"/redeliver", nil).expect(409).problem()
		if !strings.Contains(p.Detail, "pending") {
			t.Errorf("problem = %+v", p)
		}
		if n := deliveries(); n != before {
			t.Errorf("%d deliveries after a refused redelivery, want %d", n, before)
		}
	})

	t.Run("redelivering to a disabled endpoint", func(t *testing.T) {
		// The copy would wait, unsent, until the endpoint is enabled.
		endpoint, delivery := e.webhookDelivery()
		deliveries := func() any {
			return e.do("GET", "/v1/webhookEndpoints/"+endpoint+"/deliveries", nil).expect(200).obj()["totalItems"]
		}
		e.do("PATCH", "/v1/webhookEndpoints/"+endpoint, map[string]any{"enabled": false}).expect(200)
		before := deliveries()
		path := "/v1/webhookEndpoints/" + endpoint + "/deliveries/" + delivery + "/redeliver"
		p := e.do("POST", path, nil).expect(409).problem()
		if !strings.Contains(p.Detail, "is disabled") || !strings.Contains(p.Detail, "enable it first") {
			t.Errorf("problem = %+v", p)
		}
		if n := deliveries(); n != before {
			t.Errorf("%v deliveries after a refused redelivery, want %v", n, before)
		}
		e.do("PATCH", "/v1/webhookEndpoints/"+endpoint, map[string]any{"enabled": true}).expect(200)
		e.do("POST", path, nil).expect(202)
	})

	t.Run("transition not in the table", func(t *testing.T) {
		inst := e.manualInstance()
		id := e.enrollIn(inst, customerInfo(nil))["id"].(string)
		p := e.do("PATCH", "/v1/enrollments/"+id, map[string]any{"eligibilityStatus": "approved"}).expect(409).problem()
		if p.CurrentStatus != "candidate" || !slices.Equal(p.AllowedStatuses, []string{"eligible", "ineligible"}) {
			t.Errorf("problem = %+v", p)
		}
	})
	t.Run("terminal status", func(t *testing.T) {
		inst := e.manualInstance()
		id := e.enrollIn(inst, customerInfo(nil))["id"].(string)
		for _, s := range []string{"eligible", "submitted", "rejected"} {
			e.patchStatus(id, s)
		}
		p := e.do("PATCH", "/v1/enrollments/"+id, map[string]any{"eligibilityStatus": "submitted"}).expect(409).problem()
		if p.CurrentStatus != "rejected" || p.AllowedStatuses == nil || len(p.AllowedStatuses) != 0 {
			t.Errorf("problem = %s", p.Detail)
		}
	})
	t.Run("duplicate open enrollment", func(t *testing.T) {
		inst := e.manualInstance()
		body := customerInfo(nil)
		first := e.enrollIn(inst, body)["id"].(string)
		p := e.do("POST", "/v1/programInstances/"+inst+"/enrollments", body).expect(409).problem()
		if p.ExistingID != first {
			t.Errorf("existingId = %q, want %q", p.ExistingID, first)
		}
	})
	t.Run("instance not active", func(t *testing.T) {
		inst := e.createInstance(map[string]any{"status": "inactive"})
		e.do("POST", "/v1/programInstances/"+inst+"/enrollments", customerInfo(nil)).expect(409).problem()
		e.do("PATCH", "/v1/programInstances/"+inst, map[string]any{"status": "archived"}).expect(200)
		e.do("POST", "/v1/programInstances/"+inst+"/enrollments", customerInfo(nil)).expect(409).problem()
	})
	t.Run("capacity", func(t *testing.T) {
		inst := e.createInstance(map[string]any{"autoEvaluate": false, "capacity": 1})
		var ids []string
		for range 2 {
			id := e.enrollIn(inst, customerInfo(nil))["id"].(string)
			e.patchStatus(id, "eligible")
			e.patchStatus(id, "submitted")
			ids = append(ids, id)
		}
		e.patchStatus(ids[0], "approved")
		e.do("PATCH", "/v1/enrollments/"+ids[1], map[string]any{"eligibilityStatus": "approved"}).expect(409).problem()
	})
	t.Run("taken slug and email", func(t *testing.T) {
		e.createProgram("taken")
		e.do("POST", "/v1/programs", map[string]any{"slug": "taken", "name": "again"}).expect(409).problem()
		c := map[string]any{"firstName": "A", "lastName": "B", "email": "taken@example.com"}
		id := e.do("POST", "/v1/customers", c).expect(201).obj()["id"].(string)
		c["email"] = "TAKEN@example.com"
		if p := e.do("POST", "/v1/customers", c).expect(409).problem(); p.ExistingID != id {
			t.Errorf("existingId = %q, want %q", p.ExistingID, id)
		}
	})
	t.Run("delete with dependents", func(t *testing.T) {
		inst := e.manualInstance()
		enr := e.enrollIn(inst, customerInfo(nil))
		prog := e.do("GET", "/v1/programInstances/"+inst, nil).expect(200).obj()["programId"].(string)
		e.do("DELETE", "/v1/programs/"+prog, nil).expect(409).problem()
		e.do("DELETE", "/v1/programInstances/"+inst, nil).expect(409).problem()
		e.do("DELETE", "/v1/customers/"+enr["customerId"].(string), nil).expect(409).problem()
	})
	t.Run("evaluate past eligibility", func(t *testing.T) {
		inst := e.manualInstance()
		id := e.enrollIn(inst, customerInfo(nil))["id"].(string)
		e.patchStatus(id, "eligible")
		e.patchStatus(id, "submitted")
		e.do("POST", "/v1/enrollments/"+id+"/evaluate", nil).expect(409).problem()
	})
}

// TestAPI_409_SameEmail replays the audit's sequences (audit-seed,
// finding 1): a lead with an email only, which cannot become a customer,
// and a customerInfo create of the same email, in either order, and a
// customer's open enrollment then such a lead with the email in another
// case, each left one person with two open enrollments in an instance,
// while an import of the same row was skipped. The second create is now a
// 409 naming the first, as the import's skip.
func TestAPI_409_SameEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lead := func(email string) string {
		return e.do("POST", "/v1/leads", map[string]any{"email": email}).expect(201).obj()["id"].(string)
	}
	byLead := func(l string) map[string]any { return map[string]any{"identificationType": "leadId", "leadId": l} }
	byInfo := func(email string) map[string]any {
		return map[string]any{"identificationType": "customerInfo", "firstName": "Two", "lastName": "Person", "email": email}
	}
	refused := func(inst string, body map[string]any, existing string) {
		t.Helper()
		if p := e.do("POST", "/v1/programInstances/"+inst+"/enrollments", body).expect(409).problem(); p.ExistingID != existing {
			t.Errorf("existingId = %q, want %q (%s)", p.ExistingID, existing, p.Detail)
		}
	}
	open := func(inst, email string) int {
		t.Helper()
		return e.total("/v1/programInstances/" + inst + "/enrollments?email=" + email)
	}

	// The lead, then customerInfo.
	inst := e.createInstance(nil)
	first := e.enrollIn(inst, byLead(lead("two@example.com")))["id"].(string)
	refused(inst, byInfo("two@example.com"), first)
	if n := open(inst, "two@example.com"); n != 1 {
		t.Errorf("%d enrollments with the email, want 1", n)
	}

	// customerInfo, then the lead.
	inst = e.createInstance(nil)
	first = e.enrollIn(inst, byInfo("two@example.com"))["id"].(string)
	refused(inst, byLead(lead("two@example.com")), first)

	// A customer's open enrollment, then a lead with its email in
	// another case: the lead is the customer, here refused and elsewhere
	// enrolled as the customer.
	inst = e.createInstance(nil)
	cust := e.enrollIn(inst, map[string]any{"identificationType": "customerInfo", "firstName": "One", "lastName": "Person", "email": "one@example.com"})
	one := lead("ONE@example.com")
	refused(inst, byLead(one), cust["id"].(string))
	if n := open(inst, "one@example.com"); n != 1 {
		t.Errorf("%d enrollments with the email, want 1", n)
	}
	if m := e.enrollIn(e.createInstance(nil), byLead(one)); m["customerId"] != cust["customerId"] || m["leadId"] != one {
		t.Errorf("lead of a customer's email enrolled = %v", m)
	}
	if l := e.do("GET", "/v1/leads/"+one, nil).expect(200).obj(); l["customerId"] != cust["customerId"] {
		t.Errorf("lead = %v, want customer %v", l, cust["customerId"])
	}

	// The import and the create agree: the row is skipped, and the same
	// row sent as a create is a 409.
	inst = e.createInstance(nil)
	first = e.enrollIn(inst, byLead(lead("three@example.com")))["id"].(string)
	j := e.waitImport(e.startImport(inst, csvUpload("firstName,lastName,email\nThree,Person,three@example.com\n"), "").ID)
	if j.Status != "succeeded" || j.CreatedCount != 0 || j.SkippedCount != 1 {
		t.Errorf("import = %+v", j)
	}
	refused(inst, map[string]any{"identificationType": "customerInfo", "firstName": "Three", "lastName": "Person", "email": "three@example.com"}, first)
}

// TestAPI_409_PatchEmail checks that a PATCH giving an open enrollment
// the email another open enrollment of the instance holds, in any case,
// is the create's 409 naming that one and changes nothing, while a change
// of case of its own email, or of a closed enrollment's email, is taken.
func TestAPI_409_PatchEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	held := e.enrollIn(inst, customerInfo(nil))
	mover := e.enrollIn(inst, customerInfo(nil))
	path := "/v1/enrollments/" + mover["id"].(string)
	etag := e.do("GET", path, nil).expect(200).Header.Get("ETag")

	p := e.do("PATCH", path, map[string]any{"email": strings.ToUpper(held["email"].(string))}).expect(409).problem()
	if p.ExistingID != held["id"] || !strings.Contains(p.Detail, held["id"].(string)) {
		t.Errorf("problem = %+v, want existingId %v", p, held["id"])
	}
	if got := e.do("GET", path, nil).expect(200); got.Header.Get("ETag") != etag || got.obj()["email"] != mover["email"] {
		t.Errorf("refused PATCH left %s (ETag %s, was %s)", got.Body, got.Header.Get("ETag"), etag)
	}

	own := strings.ToUpper(mover["email"].(string))
	if got := e.do("PATCH", path, map[string]any{"email": own}).expect(200).obj(); got["email"] != own {
		t.Errorf("email = %v, want %s", got["email"], own)
	}
	closed := e.enrollIn(inst, customerInfo(nil))["id"].(string)
	for _, s := range []string{"eligible", "submitted", "rejected"} {
		e.patchStatus(closed, s)
	}
	e.do("PATCH", "/v1/enrollments/"+closed, map[string]any{"email": held["email"]}).expect(200)
}

func TestAPI_412(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	id := e.enrollIn(inst, customerInfo(nil))["id"].(string)
	get := e.do("GET", "/v1/enrollments/"+id, nil).expect(200)
	etag := get.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	patched := e.do("PATCH", "/v1/enrollments/"+id, map[string]any{"notes": "first"}, withHeader("If-Match", etag)).expect(200)
	newTag := patched.Header.Get("ETag")
	if newTag == "" || newTag == etag {
		t.Fatalf("ETag after change = %q (was %q)", newTag, etag)
	}
	stale := withHeader("If-Match", etag)
	e.do("PATCH", "/v1/enrollments/"+id, map[string]any{"notes": "second"}, stale).expect(412).problem()
	e.do("POST", "/v1/enrollments/"+id+"/evaluate", nil, stale).expect(412).problem()
	e.do("DELETE", "/v1/enrollments/"+id, nil, stale).expect(412).problem()
	if got := e.do("GET", "/v1/enrollments/"+id, nil).expect(200).obj()["notes"]; got != "first" {
		t.Errorf("a refused change was written: notes = %v", got)
	}
	e.do("PATCH", "/v1/enrollments/"+id, map[string]any{"notes": "star"}, withHeader("If-Match", "*")).expect(200)
	ev := e.do("POST", "/v1/enrollments/"+id+"/evaluate", nil, withHeader("If-Match", `"nope", `+e.do("GET", "/v1/enrollments/"+id, nil).Header.Get("ETag"))).expect(200)
	if ev.Header.Get("ETag") == "" {
		t.Error("evaluate without ETag")
	}
	e.do("DELETE", "/v1/enrollments/"+id, nil, withHeader("If-Match", ev.Header.Get("ETag"))).expect(204)
}

func TestAPI_413(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	big := `{"email": "big@example.com", "metadata": {"x": "` + strings.Repeat("a", 2<<20) + `"}}`
	// Huma's 413 reads as the API's own, with or without an
	// Idempotency-Key (which reads the body first).
	for _, opts := range [][]reqOpt{nil, {withHeader("Idempotency-Key", "big")}} {
		p := e.do("POST", "/v1/leads", raw(big), opts...).expect(http.StatusRequestEntityTooLarge).problem()
		if want := "Request body is too large: the limit is 1048576 bytes."; p.Detail != want {
			t.Errorf("413 detail %q, want %q", p.Detail, want)
		}
	}
}

func TestAPI_422(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	enr := e.enrollIn(inst, customerInfo(nil))
	enrID := enr["id"].(string)
	prog := e.do("GET", "/v1/programInstances/"+inst, nil).expect(200).obj()["programId"].(string)

	for _, tc := range []struct {
		name, method, path string
		body               any
		want               []string // every location that must be reported
	}{
		{"program missing fields", "POST", "/v1/programs", map[string]any{}, []string{"body.slug", "body.name"}},
		{"program wrong types", "POST", "/v1/programs", map[string]any{"slug": 1, "name": true, "states": "NY", "active": "yes"},
			[]string{"body.slug", "body.name", "body.states", "body.active"}},
		{"program bad slug", "POST", "/v1/programs", map[string]any{"slug": "Not A Slug", "name": "x"}, []string{"body.slug"}},
		{"program slug shaped like an id", "POST", "/v1/programs", map[string]any{"slug": "mwulzlcxojl24agjvx599ls8", "name": "x"}, []string{"body.slug"}},
		{"instance slug shaped like an id", "POST", "/v1/programs/" + prog + "/instances", map[string]any{"slug": "mwulzlcxojl24agjvx599ls8", "name": "x"}, []string{"body.slug"}},
		{"unknown member", "POST", "/v1/programs", map[string]any{"slug": "a", "name": "b", "colour": "red"}, []string{"body.colour"}},
		{"customer every field", "POST", "/v1/customers", map[string]any{"email": "not-an-email", "phone": 5}, []string{"body.firstName", "body.lastName", "body.phone"}},
		{"customer every domain field", "POST", "/v1/customers", map[string]any{"firstName": " ", "lastName": " ", "email": "nope"},
			[]string{"body.firstName", "body.lastName", "body.email"}},
		{"customer bad email", "POST", "/v1/customers", map[string]any{"firstName": "a", "lastName": "b", "email": "nope"}, []string{"body.email"}},
		{"lead empty", "POST", "/v1/leads", map[string]any{}, []string{"body"}},
		{"instance bad enum and capacity", "POST", "/v1/programs/" + prog + "/instances",
			map[string]any{"slug": "s", "name": "n", "status": "open", "capacity": -1, "autoEvaluate": "yes"},
			[]string{"body.status", "body.capacity", "body.autoEvaluate"}},
		{"number out of range", "POST", "/v1/programInstances/" + inst + "/enrollments",
			raw(`{"identificationType": "customerInfo", "firstName": "a", "lastName": "b", "email": "big@example.com", "metadata": {"n": 1e400}}`), []string{"body"}},
		// A float64 would round it to 9007199254740992.
		{"integer a float cannot hold", "POST", "/v1/programInstances/" + inst + "/enrollments",
			raw(`{"identificationType": "customerInfo", "firstName": "a", "lastName": "b", "email": "int@example.com", "metadata": {"ids": [1, 9007199254740993]}}`),
			[]string{"body.metadata.ids[1]"}},
		{"integer a float cannot hold, in a patch", "PATCH", "/v1/enrollments/" + enrID, raw(`{"metadata": {"n": 12345678901234567890}}`), []string{"body.metadata.n"}},
		// A float64 would hold it as 0, and a lone surrogate would become
		// U+FFFD: stored other than sent.
		{"number a float holds as 0", "PATCH", "/v1/enrollments/" + enrID, raw(`{"metadata": {"tiny": 1e-400}}`), []string{"body.metadata.tiny"}},
		{"lone surrogate escape", "PATCH", "/v1/enrollments/" + enrID, raw(`{"notes": "half \ud83d of a pair"}`), []string{"body.notes"}},
		{"instance huge capacity", "POST", "/v1/programs/" + prog + "/instances",
			map[string]any{"slug": "s", "name": "n", "capacity": 1e30}, []string{"body.capacity"}},
		{"instance bad rule", "POST", "/v1/programs/" + prog + "/instances",
			map[string]any{"slug": "bad-rule", "name": "n", "eligibilityRules": []any{map[string]any{"name": "r", "expression": "this is not CEL"}}},
			[]string{"body.eligibilityRules[0].expression"}},
		{"instance bad dates", "POST", "/v1/programs/" + prog + "/instances",
			map[string]any{"slug": "s", "name": "n", "startDate": "yesterday"}, []string{"body.startDate"}},
		// A body's date-time members follow the OpenAPI document's
		// format, which Huma checks before decoding: upper case only
		// (docs/api.md, Times).
		{"instance date in lower case", "POST", "/v1/programs/" + prog + "/instances",
			map[string]any{"slug": "s", "name": "n", "endDate": "2026-01-02t03:04:05z"}, []string{"body.endDate"}},
		{"enrollment no identification", "POST", "/v1/programInstances/" + inst + "/enrollments", map[string]any{"firstName": "x"}, []string{"body.identificationType"}},
		{"enrollment unknown identification", "POST", "/v1/programInstances/" + inst + "/enrollments",
			map[string]any{"identificationType": "passport"}, []string{"body.identificationType"}},
		{"enrollment customerInfo missing every name", "POST", "/v1/programInstances/" + inst + "/enrollments",
			map[string]any{"identificationType": "customerInfo"}, []string{"body.firstName", "body.lastName", "body.email"}},
		{"enrollment wrong types", "POST", "/v1/programInstances/" + inst + "/enrollments",
			map[string]any{"identificationType": "customerInfo", "firstName": 1, "tags": "x", "address": "here", "eligibilityStatus": "approved"},
			[]string{"body.firstName", "body.tags", "body.address", "body.eligibilityStatus"}},
		{"enrollment unknown group", "POST", "/v1/programInstances/" + inst + "/enrollments",
			customerInfo(map[string]any{"groupIds": []string{"nope"}}), []string{"body.groupIds[0]"}},
		{"patch unknown status", "PATCH", "/v1/enrollments/" + enrID, map[string]any{"eligibilityStatus": "done"}, []string{"body.eligibilityStatus"}},
		{"patch null status", "PATCH", "/v1/enrollments/" + enrID, raw(`{"eligibilityStatus": null}`), []string{"body.eligibilityStatus"}},
		{"patch read-only member", "PATCH", "/v1/enrollments/" + enrID, map[string]any{"id": "other", "programInstanceId": "x"},
			[]string{"body.id", "body.programInstanceId"}},
		{"patch bad email and tags", "PATCH", "/v1/enrollments/" + enrID, map[string]any{"email": "nope", "tags": []any{1}},
			[]string{"body.tags[0]"}},
		{"patch required to null", "PATCH", "/v1/programs/" + prog, raw(`{"name": null, "active": null}`), []string{"body.name", "body.active"}},
		{"patch customerInfo names away", "PATCH", "/v1/enrollments/" + enrID, raw(`{"firstName": null, "email": " "}`), []string{"body.firstName", "body.email"}},
		// PostgreSQL's jsonb refuses \u0000: these were 500s there.
		{"instance pattern with NUL", "POST", "/v1/programs/" + prog + "/instances",
			raw(`{"slug": "nul-pattern", "name": "n", "parameters": [{"externalId": "s", "name": "S", "type": "string", "constraints": {"pattern": "a\u0000b"}}]}`),
			[]string{"body.parameters[0].constraints.pattern"}},
		{"instance patch pattern with NUL", "PATCH", "/v1/programInstances/" + inst,
			raw(`{"parameters": [{"externalId": "s", "name": "S", "type": "string", "constraints": {"pattern": "\u0000"}}]}`),
			[]string{"body.parameters[0].constraints.pattern"}},
		{"patch reason with NUL", "PATCH", "/v1/enrollments/" + enrID, raw(`{"eligibilityStatus": "eligible", "eligibilityReason": "a\u0000b"}`), []string{"body.eligibilityReason"}},
		{"perPage not a number", "GET", "/v1/enrollments?perPage=abc", nil, []string{"query.perPage"}},
		{"perPage too large", "GET", "/v1/enrollments?perPage=100000", nil, []string{"query.perPage"}},
		{"perPage zero", "GET", "/v1/programs?perPage=0", nil, []string{"query.perPage"}},
		{"page negative", "GET", "/v1/customers?page=-1", nil, []string{"query.page"}},
		{"bad sort", "GET", "/v1/enrollments?sort=firstName", nil, []string{"query.sort"}},
		{"bad date", "GET", "/v1/enrollments?createdAfter=notadate", nil, []string{"query.createdAfter"}},
		// Lower case and an unencoded "+" are read as meant (TestFlow_Filters);
		// what is still no date-time is refused as before.
		{"bad date in lower case", "GET", "/v1/enrollments?createdBefore=2026-01-02t03:04:05", nil, []string{"query.createdBefore"}},
		{"bad date with an unencoded plus", "GET", "/v1/enrollments?updatedAfter=2026-13-02t03:04:05+02:00", nil, []string{"query.updatedAfter"}},
		{"bad date with a space for its T", "GET", "/v1/enrollments?createdAfter=2026-01-02+03:04:05Z", nil, []string{"query.createdAfter"}},
		{"bad date with two spaces", "GET", "/v1/programInstances/" + inst + "/enrollments?createdAfter=2026-01-02T03:04:05++02:00", nil, []string{"query.createdAfter"}},
		{"bad status filter", "GET", "/v1/enrollments?status=approved,done", nil, []string{"query.status[1]"}},
		{"bad page token", "GET", "/v1/enrollments?pageToken=garbage", nil, []string{"query.pageToken"}},
		{"bad active filter", "GET", "/v1/programs?active=maybe", nil, []string{"query.active"}},
		{"bad instance status filter", "GET", "/v1/programInstances?status=open", nil, []string{"query.status[0]"}},
		{"every bad query parameter at once", "GET", "/v1/enrollments?perPage=abc&createdAfter=x&status=done&sort=nope&page=-2", nil,
			[]string{"query.perPage", "query.createdAfter", "query.status[0]", "query.sort", "query.page"}},
		{"bad event type", "GET", "/v1/events?type=enrollment.exploded", nil, []string{"query.type[0]"}},
		{"repeated single-valued parameters", "GET", "/v1/enrollments?tag=a&status=eligible&tag=b&page=1&page=2", nil,
			[]string{"query.tag", "query.page"}},
		// A typo must not widen a list or an export to everything.
		{"unknown query parameters", "GET", "/v1/enrollments?stauts=approved&tag=a&Tag=b", nil, []string{"query.stauts", "query.Tag"}},
		{"unknown query parameter on an export", "GET", "/v1/programInstances/" + inst + "/enrollments?statuses=approved", nil, []string{"query.statuses"}},
		{"unknown query parameter on a create", "POST", "/v1/programs?dryRun=true", map[string]any{"slug": "typo", "name": "x"}, []string{"query.dryRun"}},
		{"unknown and repeated parameters at once", "GET", "/v1/events?limit=5&type=enrollment.created&cursor=x&cursor=y", nil, []string{"query.limit", "query.cursor"}},
		{"repeated sort", "GET", "/v1/programInstances/" + inst + "/enrollments?sort=lastName&sort=-createdAt", nil, []string{"query.sort"}},
		{"bad key scope", "POST", "/v1/apiKeys", map[string]any{"scopes": []string{"root"}}, []string{"body.scopes[0]"}},
		{"key for an instance that is no id", "POST", "/v1/apiKeys", map[string]any{"programInstanceIds": []string{"a/b"}}, []string{"body.programInstanceIds[0]"}},
		{"key with an empty list of scopes", "POST", "/v1/apiKeys", map[string]any{"name": "none", "scopes": []string{}}, []string{"body.scopes"}},
		// A client's unset list, as a Go nil slice marshals: not every scope.
		{"key with null scopes", "POST", "/v1/apiKeys", raw(`{"name": "ci", "scopes": null}`), []string{"body.scopes"}},
		{"key scope listed twice", "POST", "/v1/apiKeys", map[string]any{"scopes": []string{"programs:read", "events:read", "programs:read"}}, []string{"body.scopes[2]"}},
		{"key instance listed twice", "POST", "/v1/apiKeys", map[string]any{"programInstanceIds": []string{inst, inst}}, []string{"body.programInstanceIds[1]"}},
		// Addresses and links mail relays and readers would not take.
		{"admin emails relays refuse", "PUT", "/v1/programInstances/" + inst + "/notificationSettings",
			map[string]any{"enabled": true, "adminEmails": []string{"a@b", "ops@[127.0.0.1]", "josé@example.com", "ops@example.com"}},
			[]string{"body.adminEmails[0]", "body.adminEmails[1]", "body.adminEmails[2]"}},
		{"link with a space", "PUT", "/v1/programInstances/" + inst + "/notificationSettings",
			map[string]any{"enabled": true, "linkUrl": "https://portal.example.com/my enrollments/{enrollmentId}"}, []string{"body.linkUrl"}},
		// The caller meant something by it; acting as if it had not been
		// sent would hide that it was not understood.
		{"body to an operation that takes none", "POST", "/v1/enrollments/" + enrID + "/evaluate", map[string]any{"force": true}, []string{"body"}},
		{"an array to an operation that takes none", "POST", "/v1/enrollments/" + enrID + "/evaluate", raw(`[]`), []string{"body"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := e.do(tc.method, tc.path, tc.body).expect(422).problem()
			for _, loc := range tc.want {
				if !p.hasLocation(loc) {
					t.Errorf("no error at %s; got %v", loc, p.locations())
				}
			}
			if p.Detail == "" {
				t.Error("no detail")
			}
		})
	}

	t.Run("a list filtered by an instance the key cannot see", func(t *testing.T) {
		// Of another workspace, of none, or not the limited key's: one
		// answer, as GET /v1/enrollments gives, never an empty list.
		_, _, other := e.newWorkspace()
		otherInst := e.do("POST", "/v1/programs", map[string]any{"slug": "o", "name": "o"}, withKey(other)).expect(201).obj()["id"].(string)
		otherInst = e.do("POST", "/v1/programs/"+otherInst+"/instances", map[string]any{"slug": "o", "name": "o"}, withKey(other)).expect(201).obj()["id"].(string)
		limited := e.scopedKey([]string{"programs:read", "enrollments:read"}, []string{e.manualInstance()})
		for _, tc := range []struct {
			instance string
			opts     []reqOpt
		}{{otherInst, nil}, {enroll.NewID(), nil}, {"nope", nil}, {inst, []reqOpt{withKey(limited)}}} {
			for _, list := range []string{"/v1/notificationTemplates", "/v1/enrollments"} {
				p := e.do("GET", list+"?programInstanceId="+tc.instance, nil, tc.opts...).expect(422).problem()
				if len(p.Errors) != 1 || p.Errors[0].Location != "query.programInstanceId" || p.Errors[0].Message != "is not a program instance of the workspace" {
					t.Errorf("%s?programInstanceId=%s: %+v", list, tc.instance, p.Errors)
				}
			}
		}
	})
	t.Run("a bad date is echoed as sent", func(t *testing.T) {
		p := e.do("GET", "/v1/enrollments?createdAfter=2026-01-02t03:04:05+02", nil).expect(422).problem()
		if len(p.Errors) != 1 || p.Errors[0].Location != "query.createdAfter" || p.Errors[0].Value != "2026-01-02t03:04:05 02" ||
			!strings.Contains(p.Errors[0].Message, "RFC 3339") {
			t.Errorf("errors = %+v", p.Errors)
		}
	})
	t.Run("repeatable parameters may repeat", func(t *testing.T) {
		e.do("GET", "/v1/enrollments?status=eligible&status=candidate&tag=a", nil).expect(200)
		e.do("GET", "/v1/events?type=enrollment.created&type=enrollment.updated", nil).expect(200)
	})
	t.Run("integers written with a fraction or exponent are integers", func(t *testing.T) {
		// JSON Schema counts 5.0 and 1e2 integers, as the OpenAPI document's
		// integer fields are checked.
		got := e.do("POST", "/v1/programs/"+prog+"/instances", raw(`{"slug": "cap-float", "name": "x", "capacity": 5.0}`)).expect(201).obj()
		if got["capacity"] != 5.0 {
			t.Errorf("capacity = %v", got["capacity"])
		}
		got = e.do("PATCH", "/v1/programInstances/"+got["id"].(string), raw(`{"capacity": 1e2}`)).expect(200).obj()
		if got["capacity"] != 100.0 {
			t.Errorf("capacity = %v", got["capacity"])
		}
		p := e.do("POST", "/v1/programs/"+prog+"/instances", raw(`{"slug": "cap-frac", "name": "x", "capacity": 5.5}`)).expect(422).problem()
		if !p.hasLocation("body.capacity") {
			t.Errorf("5.5: errors at %v", p.locations())
		}
	})
	t.Run("$schema member is accepted", func(t *testing.T) {
		e.do("POST", "/v1/programs", map[string]any{"$schema": "https://example.com/schemas/ProgramCreate.json", "slug": "with-schema", "name": "x"}).expect(201)
		e.do("PATCH", "/v1/programs/with-schema", map[string]any{"$schema": "x", "name": "y"}).expect(200)
	})
	t.Run("read-only members echoed unchanged are accepted", func(t *testing.T) {
		cur := e.do("GET", "/v1/enrollments/"+enrID, nil).expect(200).obj()
		cur["notes"] = "round trip"
		got := e.do("PATCH", "/v1/enrollments/"+enrID, cur).expect(200).obj()
		if got["notes"] != "round trip" {
			t.Errorf("notes = %v", got["notes"])
		}
		// A client that leaves nulls out of what it sends (Jackson's
		// NON_NULL, pydantic's exclude_none) sends back what it read
		// without them, the eligibility's reason included.
		cur = e.do("GET", "/v1/enrollments/"+enrID, nil).expect(200).obj()
		dropNulls(cur)
		if _, ok := cur["eligibility"].(map[string]any)["reason"]; ok {
			t.Fatalf("the fixture's eligibility has a reason: %v", cur["eligibility"])
		}
		e.do("PATCH", "/v1/enrollments/"+enrID, cur).expect(200)
		// An enrollment's template is shown, not stored: sent back, it is
		// ignored, whatever it says.
		cur = e.do("GET", "/v1/enrollments/"+enrID, nil).expect(200).obj()
		cur["template"] = map[string]any{"id": "t", "href": "/x", "name": "n"}
		e.do("PATCH", "/v1/enrollments/"+enrID, cur).expect(200)
		// A webhook endpoint's, after a rotation.
		ep := e.do("POST", "/v1/webhookEndpoints", map[string]any{"url": "https://receiver.example/hooks"}).expect(201).obj()
		e.do("POST", "/v1/webhookEndpoints/"+ep["id"].(string)+"/rotateSecret", nil).expect(200)
		read := e.do("GET", "/v1/webhookEndpoints/"+ep["id"].(string), nil).expect(200).obj()
		if read["previousSecretExpiresAt"] == nil {
			t.Fatalf("no previousSecretExpiresAt after a rotation: %v", read)
		}
		read["description"] = "round trip"
		e.do("PATCH", "/v1/webhookEndpoints/"+ep["id"].(string), read).expect(200)
		read["previousSecretExpiresAt"] = "2000-01-01T00:00:00Z"
		e.do("PATCH", "/v1/webhookEndpoints/"+ep["id"].(string), read).expect(422)
		// Every representation read, with its null members, goes back as it is.
		inst := e.createInstance(nil)
		for _, path := range []string{
			"/v1/customers/" + cur["customerId"].(string),
			"/v1/leads/" + e.do("POST", "/v1/leads", map[string]any{"email": "echo@example.com"}).expect(201).obj()["id"].(string),
			"/v1/programInstances/" + inst,
			"/v1/programs/" + e.do("GET", "/v1/programInstances/"+inst, nil).obj()["programId"].(string),
		} {
			read := e.do("GET", path, nil).expect(200).obj()
			if got := e.do("PATCH", path, read).expect(200).obj(); got["updatedAt"] != read["updatedAt"] {
				t.Errorf("%s sent back as read changed it: %v", path, got)
			}
		}
	})
	t.Run("merge patch nulls", func(t *testing.T) {
		e.do("PATCH", "/v1/enrollments/"+enrID, map[string]any{"address": map[string]any{"city": "Albany", "state": "NY"}, "metadata": map[string]any{"a": 1}}).expect(200)
		got := e.do("PATCH", "/v1/enrollments/"+enrID, raw(`{"address": {"city": null}}`)).expect(200).obj()
		if a := got["address"].(map[string]any); a["city"] != nil || a["state"] != "NY" {
			t.Errorf("address after city: null = %v", a)
		}
		got = e.do("PATCH", "/v1/enrollments/"+enrID, raw(`{"address": null, "metadata": null}`)).expect(200).obj()
		if got["address"] != nil || len(got["metadata"].(map[string]any)) != 0 {
			t.Errorf("after address and metadata null: %v, %v", got["address"], got["metadata"])
		}
	})
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seen := map[string]bool{}
	for _, tc := range []struct {
		method, path string
		opts         []reqOpt
	}{
		{"GET", "/v1/programs", nil},
		{"GET", "/v1/programs", []reqOpt{withKey("")}},
		{"GET", "/v1/nope", nil},
		{"PUT", "/v1/programs", nil},
		{"GET", "/healthz", nil},
		{"GET", "/readyz", nil},
		{"GET", "/metrics", nil},
		{"GET", "/openapi.json", nil},
		{"GET", "/docs", nil},
		{"POST", "/v1/programs", nil},
	} {
		r := e.do(tc.method, tc.path, nil, tc.opts...)
		id := r.Header.Get("X-Request-Id")
		if !strings.HasPrefix(id, "req_") || seen[id] {
			t.Errorf("%s %s (%d): X-Request-Id %q", tc.method, tc.path, r.Status, id)
		}
		seen[id] = true
	}
	if got := e.do("GET", "/healthz", nil, withHeader("X-Request-Id", "client-42")).Header.Get("X-Request-Id"); got != "client-42" {
		t.Errorf("incoming id not reused: %q", got)
	}
	for _, bad := range []string{strings.Repeat("x", 129), "has space", "tab\there"} {
		if got := e.do("GET", "/healthz", nil, withHeader("X-Request-Id", bad)).Header.Get("X-Request-Id"); got == bad || !strings.HasPrefix(got, "req_") {
			t.Errorf("insane id %q reused: %q", bad, got)
		}
	}
}

// TestHeaderLimit: a request whose head (request line and headers) takes
// more than 64 KiB, the limit docs/security.md states, is a 431 problem
// with X-Request-Id, as the document declares; one of exactly 64 KiB is
// served. net/http reads heads up to 128 KiB (and 4 KiB of slack) so that
// the service answers the larger ones; past that it answers 431 itself,
// in plain text without X-Request-Id, the exception docs/api.md states.
func TestHeaderLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const limit = 64 << 10
	head := func(size int) string {
		const prefix, suffix = "GET /healthz HTTP/1.1\r\nHost: enroll\r\nX-Request-Id: head-limit\r\nX-Big: ", "\r\n\r\n"
		return prefix + strings.Repeat("a", size-len(prefix)-len(suffix)) + suffix
	}
	for _, tc := range []struct{ size, want int }{{limit, 200}, {limit + 1, 431}, {2 * limit, 431}} {
		r, err := e.exchange(head(tc.size))
		if err != nil {
			t.Fatalf("%d bytes: %v", tc.size, err)
		}
		r.req = fmt.Sprintf("a head of %d bytes", tc.size)
		r.expect(tc.want)
		if r.Header.Get("X-Request-Id") != "head-limit" {
			t.Errorf("%s: X-Request-Id %q", r.req, r.Header.Get("X-Request-Id"))
		}
		if tc.want == 431 {
			r.problem()
		}
		for _, msg := range e.checkResponse("GET", "/healthz", r.Status, r.Header, r.Body) {
			t.Errorf("%s: answer not as documented in the OpenAPI document: %s", r.req, msg)
		}
	}
	r, err := e.exchange(head(140 << 10))
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != 431 || r.Header.Get("X-Request-Id") != "" || r.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("a head past what net/http reads: %d %v, want net/http's own 431: update docs/api.md", r.Status, r.Header)
	}
}

// TestAPI_422_UnknownParameterValue: an unknown parameter's error shows
// its value as sent, and every value when it was given more than once.
func TestAPI_422_UnknownParameterValue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.do("GET", "/v1/enrollments?stauts=approved&colour=red&colour=blue", nil).expect(422).problem()
	got := map[string]any{}
	for _, fe := range p.Errors {
		got[fe.Location] = fe.Value
	}
	if colours, _ := got["query.colour"].([]any); got["query.stauts"] != "approved" || len(colours) != 2 || colours[0] != "red" || colours[1] != "blue" {
		t.Fatalf("values: %v", got)
	}
}

// TestAPI_422_Values checks that field errors repeat the value sent at
// their location (docs/api.md, Errors): an unknown or unpublished after
// cursor, a bad page token, a bad or repeated Idempotency-Key (cut at 200
// characters), a name with a NUL character.
func TestAPI_422_Values(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	e.enrollIn(inst, customerInfo(nil))
	// Nothing has dispatched the events yet: the newest is not published.
	newest := e.do("GET", "/v1/events?perPage=1", nil).expect(200).obj()["data"].([]any)[0].(map[string]any)["id"].(string)
	addHeader := func(k, v string) reqOpt { return func(r *http.Request) { r.Header.Add(k, v) } }
	long := strings.Repeat("k", 256)
	for _, tc := range []struct {
		name, method, path string
		body               any
		opts               []reqOpt
		loc                string
		want               any
	}{
		{"unknown after", "GET", "/v1/events?after=evt_unknown", nil, nil, "query.after", "evt_unknown"},
		{"unpublished after", "GET", "/v1/events?after=" + newest, nil, nil, "query.after", newest},
		{"bad page token", "GET", "/v1/programs?pageToken=garbage", nil, nil, "query.pageToken", "garbage"},
		{"repeated Idempotency-Key", "POST", "/v1/programs", map[string]any{"slug": "a", "name": "a"},
			[]reqOpt{addHeader("Idempotency-Key", "one"), addHeader("Idempotency-Key", "two")}, "header.Idempotency-Key", []any{"one", "two"}},
		{"long Idempotency-Key", "POST", "/v1/programs", map[string]any{"slug": "a", "name": "a"},
			[]reqOpt{withHeader("Idempotency-Key", long)}, "header.Idempotency-Key", long[:200] + "…"},
		{"NUL in a name", "POST", "/v1/programs", map[string]any{"slug": "a", "name": "a\x00b"}, nil, "body.name", "a\x00b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := e.do(tc.method, tc.path, tc.body, tc.opts...).expect(422).problem()
			if len(p.Errors) != 1 || p.Errors[0].Location != tc.loc || !reflect.DeepEqual(p.Errors[0].Value, tc.want) {
				t.Fatalf("errors = %+v, want %s at %s", p.Errors, tc.want, tc.loc)
			}
		})
	}
}

// TestAPI_ErrorsWithoutValue checks that a field error leaves value out
// where there is no one value to repeat (docs/api.md, Errors): the body
// as a whole (a member named twice, not an object, malformed), a list
// judged by its number of items, a required query parameter not sent.
func TestAPI_ErrorsWithoutValue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	states := make([]string, 101)
	for i := range states {
		states[i] = fmt.Sprintf("S%d", i)
	}
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		loc                string
	}{
		{"a member twice", "POST", "/v1/programs", json.RawMessage(`{"slug": "a", "name": "a", "name": "b"}`), 400, "body"},
		{"not an object", "POST", "/v1/programs", json.RawMessage(`[1]`), 422, "body"},
		{"too many items", "POST", "/v1/programs", map[string]any{"slug": "a", "name": "a", "states": states}, 422, "body.states"},
		{"no token", "GET", "/unsubscribe", nil, 422, "query.token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := e.do(tc.method, tc.path, tc.body).expect(tc.status).problem()
			if len(p.Errors) == 0 || p.Errors[0].Location != tc.loc || p.Errors[0].Value != nil {
				t.Fatalf("errors = %+v, want one at %s without a value", p.Errors, tc.loc)
			}
		})
	}
}
