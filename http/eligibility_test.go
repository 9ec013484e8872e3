package http_test

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestEligibility covers rules on instances over HTTP: auto-evaluation,
// re-evaluation after the criteria change, the rules test endpoint, and
// parameter errors, hidden and unique parameters.
func TestEligibility(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rules := []map[string]any{
		{"name": "territory", "expression": `inStates(["NY", "NJ"])`, "reason": "Outside service area"},
		{"name": "device", "expression": `hasManufacturer(["tesla", "enphase"])`, "reason": "No qualifying device"},
		{"name": "exclusive", "expression": `!enrolledInOtherProgram()`, "reason": "Already enrolled in another program"},
	}
	inst := e.createInstance(map[string]any{"eligibilityRules": rules})

	ny := e.enrollIn(inst, customerInfo(map[string]any{"address": map[string]any{"state": "NY"}, "manufacturerSlugs": []string{"tesla"}}))
	if status(ny) != "eligible" {
		t.Fatalf("NY with tesla = %s", status(ny))
	}
	ca := e.enrollIn(inst, customerInfo(map[string]any{"address": map[string]any{"state": "CA"}, "manufacturerSlugs": []string{"tesla"}}))
	if status(ca) != "ineligible" || ca["eligibility"].(map[string]any)["reason"] != "Outside service area" {
		t.Fatalf("CA = %v", ca["eligibility"])
	}
	trace := ca["evaluation"].(map[string]any)["trace"].([]any)
	if len(trace) != 3 || trace[0].(map[string]any)["outcome"] != "failed" || trace[1].(map[string]any)["outcome"] != "passed" {
		t.Fatalf("trace = %v", trace)
	}

	// The criteria change: the instance now serves CA too; re-evaluation makes it eligible.
	rules[0]["expression"] = `inStates(["NY", "NJ", "CA"])`
	upd := e.do("PATCH", "/v1/programInstances/"+inst, map[string]any{"eligibilityRules": rules}).expect(200).obj()
	if upd["rulesVersion"] != float64(2) {
		t.Fatalf("rulesVersion = %v", upd["rulesVersion"])
	}
	re := e.do("POST", "/v1/enrollments/"+ca["id"].(string)+"/evaluate", nil).expect(200).obj()
	if status(re) != "eligible" || re["evaluation"].(map[string]any)["rulesVersion"] != float64(2) {
		t.Fatalf("re-evaluated = %v", re["eligibility"])
	}

	// A bad rule is a 422 naming the rule and the position.
	p := e.do("PATCH", "/v1/programInstances/"+inst, map[string]any{"eligibilityRules": []map[string]any{
		{"name": "ok", "expression": "true"}, {"name": "broken", "expression": "enrollment.address.state == "}}}).expect(422).problem()
	if !p.hasLocation("body.eligibilityRules[1].expression") {
		t.Fatalf("bad rule problem = %+v", p)
	}

	// The rules test endpoint.
	{
		draft := []map[string]any{{"name": "ny-only", "expression": `inStates(["NY"])`, "reason": "Not NY"}}
		res := e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test", map[string]any{
			"eligibilityRules": draft,
			"enrollment":       map[string]any{"address": map[string]any{"state": "NJ"}},
			"current":          true,
		}).expect(200).obj()
		sample := res["sample"].(map[string]any)
		// Draft rules are not version 2's: the version they would get.
		if sample["status"] != "ineligible" || sample["reason"] != "Not NY" || sample["rulesVersion"] != float64(3) {
			t.Fatalf("sample = %v", sample)
		}
		cur := res["current"].(map[string]any)
		counts := cur["rules"].([]any)[0].(map[string]any)
		if cur["evaluated"] != float64(2) || cur["eligible"] != float64(1) || counts["passed"] != float64(1) || counts["failed"] != float64(1) {
			t.Fatalf("current = %v", cur)
		}
		// Nothing was saved.
		if got := e.do("GET", "/v1/programInstances/"+inst, nil).expect(200).obj(); got["rulesVersion"] != float64(2) {
			t.Fatal("the test endpoint changed the instance")
		}
		bad := e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test", map[string]any{
			"eligibilityRules": []map[string]any{{"name": "x", "expression": "1 + "}}}).expect(422).problem()
		if !bad.hasLocation("body.eligibilityRules[0].expression") {
			t.Fatalf("bad draft = %+v", bad)
		}
		e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test", map[string]any{"current": true},
			withKey(e.scopedKey([]string{"programs:read"}, nil))).expect(403)
	}

	// enrolledInOtherProgram() asks about other programs: an approval in
	// another season of the same program does not count, one in another
	// program does, in evaluations and in the test endpoint alike.
	{
		approve := func(instance, customer string) {
			id := e.enrollIn(instance, map[string]any{"identificationType": "customerId", "customerId": customer})["id"].(string)
			for _, s := range []string{"eligible", "submitted", "approved"} {
				e.patchStatus(id, s)
			}
		}
		program := e.do("GET", "/v1/programInstances/"+inst, nil).expect(200).obj()["programId"].(string)
		season := e.do("POST", "/v1/programs/"+program+"/instances", map[string]any{"slug": "last-season", "name": "Last", "autoEvaluate": false}).expect(201).obj()["id"].(string)
		approve(season, ny["customerId"].(string))
		if got := e.do("POST", "/v1/enrollments/"+ny["id"].(string)+"/evaluate", nil).expect(200).obj(); status(got) != "eligible" {
			t.Fatalf("approved in another season of the program: %v", got["eligibility"])
		}
		exclusive := []map[string]any{rules[2]}
		test := func() float64 {
			cur := e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test", map[string]any{"eligibilityRules": exclusive, "current": true}).
				expect(200).obj()["current"].(map[string]any)
			return cur["eligible"].(float64)
		}
		if n := test(); n != 2 {
			t.Fatalf("test endpoint, approved in another season: %v of 2 eligible", n)
		}
		approve(e.manualInstance(), ny["customerId"].(string))
		if got := e.do("POST", "/v1/enrollments/"+ny["id"].(string)+"/evaluate", nil).expect(200).obj(); status(got) != "ineligible" {
			t.Fatalf("approved in another program: %v", got["eligibility"])
		}
		if n := test(); n != 1 {
			t.Fatalf("test endpoint, approved in another program: %v of 2 eligible", n)
		}
	}

	// Parameters: errors, unique values, hidden values, needs_action.
	{
		pinst := e.createInstance(map[string]any{"autoEvaluate": false, "parameters": []map[string]any{
			{"externalId": "tenant_id", "name": "Tenant ID", "type": "string", "constraints": map[string]any{"required": true, "pattern": "^t-[0-9]+$"}},
			{"externalId": "account", "name": "Account", "type": "string", "constraints": map[string]any{"unique": true}},
			{"externalId": "score", "name": "Score", "type": "number", "constraints": map[string]any{"hidden": true}},
		}})
		p := e.do("POST", "/v1/programInstances/"+pinst+"/enrollments", customerInfo(map[string]any{
			"parameters": []map[string]any{{"externalId": "tenant_id", "value": "nope"}}})).expect(422)
		prob := p.problem()
		if !prob.hasLocation("body.parameters[0].value") || p.obj()["parameters"] == nil {
			t.Fatalf("parameter error = %+v", p.obj())
		}
		first := e.enrollIn(pinst, customerInfo(map[string]any{"parameters": []map[string]any{
			{"externalId": "account", "value": "A-1"}, {"externalId": "score", "value": 9}}}))
		params := first["parameters"].([]any)
		if len(params) != 3 || params[2].(map[string]any)["error"].(map[string]any)["id"] != "PARAM_REQUIRED" {
			t.Fatalf("missing required parameter = %v", params)
		}
		conflict := e.do("POST", "/v1/programInstances/"+pinst+"/enrollments", customerInfo(map[string]any{
			"parameters": []map[string]any{{"externalId": "account", "value": "A-1"}}})).expect(409).obj()
		if conflict["existingId"] != first["id"] {
			t.Fatalf("unique conflict = %v", conflict)
		}
		reader := e.scopedKey([]string{"enrollments:read"}, nil)
		seen := e.do("GET", "/v1/enrollments/"+first["id"].(string), nil, withKey(reader)).expect(200).obj()
		for _, p := range seen["parameters"].([]any) {
			if p.(map[string]any)["externalId"] == "score" {
				t.Fatal("a hidden parameter was shown to a key without programs:write")
			}
		}
		list := e.do("GET", "/v1/programInstances/"+pinst+"/enrollments", nil, withKey(reader)).expect(200).obj()
		if n := len(list["data"].([]any)[0].(map[string]any)["parameters"].([]any)); n != 2 {
			t.Fatalf("list shows %d parameters to a reader, want 2", n)
		}
		// An enrollment of that instance without a hidden value reads the
		// same to both keys, though the reader's is decoded and encoded
		// again and the admin's answered as stored.
		plain := e.enrollIn(pinst, customerInfo(map[string]any{"parameters": []map[string]any{{"externalId": "account", "value": "A-2"}}}))
		asAdmin := e.do("GET", "/v1/enrollments/"+plain["id"].(string), nil).expect(200)
		asReader := e.do("GET", "/v1/enrollments/"+plain["id"].(string), nil, withKey(reader)).expect(200)
		if !bytes.Equal(asAdmin.Body, asReader.Body) || asAdmin.Header.Get("ETag") != asReader.Header.Get("ETag") {
			t.Fatalf("GET as admin %s %s\nas reader %s %s", asAdmin.Header.Get("ETag"), asAdmin.Body, asReader.Header.Get("ETag"), asReader.Body)
		}
		// Nor in the events, which carry the enrollment.
		if b := e.do("GET", "/v1/events?enrollmentId="+first["id"].(string), nil).expect(200).Body; !bytes.Contains(b, []byte(`"score"`)) {
			t.Fatalf("events show an admin no hidden value: %s", b)
		}
		events := e.scopedKey([]string{"events:read"}, nil)
		evs := e.do("GET", "/v1/events?enrollmentId="+first["id"].(string), nil, withKey(events)).expect(200)
		if bytes.Contains(evs.Body, []byte(`"score"`)) || !bytes.Contains(evs.Body, []byte(`"account"`)) {
			t.Fatalf("events shown to a key without programs:write: %s", evs.Body)
		}
		evID := evs.obj()["data"].([]any)[0].(map[string]any)["id"].(string)
		if b := e.do("GET", "/v1/events/"+evID, nil, withKey(events)).expect(200).Body; bytes.Contains(b, []byte(`"score"`)) {
			t.Fatalf("event shown to a key without programs:write: %s", b)
		}
		// A key that is not shown hidden values may still edit parameters:
		// what it sends back, whole or in part, keeps the hidden value,
		// and it cannot remove a read-only one (see TestParameterUpdates).
		writer := e.scopedKey([]string{"enrollments:read", "enrollments:write"}, nil)
		fid := first["id"].(string)
		shown := e.do("GET", "/v1/enrollments/"+fid, nil, withKey(writer)).expect(200).obj()
		e.do("PATCH", "/v1/enrollments/"+fid, shown, withKey(writer)).expect(200)
		e.do("PATCH", "/v1/enrollments/"+fid, map[string]any{"parameters": []map[string]any{{"externalId": "account", "value": "A-9"}}},
			withKey(writer)).expect(200)
		kept := e.do("GET", "/v1/enrollments/"+fid, nil).expect(200).obj()["parameters"].([]any)
		if !slices.ContainsFunc(kept, func(p any) bool {
			return p.(map[string]any)["externalId"] == "score" && p.(map[string]any)["value"] == 9.0
		}) ||
			!slices.ContainsFunc(kept, func(p any) bool { return p.(map[string]any)["value"] == "A-9" }) {
			t.Fatalf("after a reader's edits the parameters are %v", kept)
		}
		// Submitting without the required parameter asks the participant for it.
		id := first["id"].(string)
		e.patchStatus(id, "eligible")
		sub := e.patchStatus(id, "submitted")
		if status(sub) != "needs_action" {
			t.Fatalf("submission without tenant_id = %s", status(sub))
		}
		// Supplied and submitted again, then taken away by a change: back
		// to the participant. Nor can a submission be approved without it.
		withTenant := []map[string]any{{"externalId": "account", "value": "A-9"}, {"externalId": "tenant_id", "value": "t-1"}}
		withoutTenant := []map[string]any{{"externalId": "account", "value": "A-9"}}
		if s := status(e.do("PATCH", "/v1/enrollments/"+id, map[string]any{"eligibilityStatus": "submitted", "parameters": withTenant}).expect(200).obj()); s != "submitted" {
			t.Fatalf("resubmission with tenant_id = %s", s)
		}
		if s := status(e.do("PATCH", "/v1/enrollments/"+id, map[string]any{"parameters": withoutTenant}).expect(200).obj()); s != "needs_action" {
			t.Fatalf("a submission whose tenant_id is removed = %s", s)
		}
		e.do("PATCH", "/v1/enrollments/"+id, map[string]any{"eligibilityStatus": "submitted", "parameters": withTenant}).expect(200)
		refused := e.do("PATCH", "/v1/enrollments/"+id, map[string]any{"eligibilityStatus": "approved", "parameters": withoutTenant}).expect(409).obj()
		if refused["currentStatus"] != "submitted" || !reflect.DeepEqual(refused["invalidParameters"], []any{"tenant_id"}) {
			t.Fatalf("approval without tenant_id = %v", refused)
		}
		if got := e.do("GET", "/v1/enrollments/"+id, nil).expect(200).obj(); status(got) != "submitted" || len(got["parameters"].([]any)) != 2 {
			t.Fatalf("after a refused approval the enrollment is %v", got)
		}
		e.patchStatus(id, "approved")
	}
}

// TestCollectionRules saves and tries rules over the lists and maps every
// enrollment and customer carries, [] or {} when empty. They are valid
// rules: saving them is no type error, and on enrollments without the
// items they pass or fail, never err; so on a rules test's sample that
// leaves the members out, which is evaluated as it would be created.
func TestCollectionRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(map[string]any{"autoEvaluate": false})
	e.enrollIn(inst, customerInfo(nil))
	tests := []struct {
		expr string
		pass bool // on an enrollment without items
	}{
		{"enrollment.parameters.size() > 0", false},
		{"size(enrollment.parameters) == 0", true},
		{"enrollment.params.size() == 0", true},
		{"enrollment.tags.size() == 0", true},
		{"enrollment.devices.size() == 0", true},
		{"enrollment.manufacturerSlugs.size() == 0", true},
		{"enrollment.groupIds.size() == 0", true},
		{"size(enrollment.metadata) == 0", true},
		{"size(customer.metadata) == 0", true},
		{`enrollment.eligibility.status == "candidate" && enrollment.eligibility.programInstanceId == enrollment.programInstanceId`, true},
	}
	for _, tt := range tests {
		rules := []map[string]any{{"name": "r", "expression": tt.expr}}
		if p := e.do("PATCH", "/v1/programInstances/"+inst, map[string]any{"eligibilityRules": rules}); p.Status != 200 {
			t.Errorf("%s: PATCH status %d: %s", tt.expr, p.Status, p.Body)
			continue
		}
		res := e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test", map[string]any{"eligibilityRules": rules, "current": true,
			"enrollment": map[string]any{"firstName": "a"}, "customer": map[string]any{"firstName": "a"}})
		if res.Status != 200 {
			t.Errorf("%s: test status %d: %s", tt.expr, res.Status, res.Body)
			continue
		}
		want := map[bool]string{true: "passed", false: "failed"}[tt.pass]
		body := res.obj()
		if counts := body["current"].(map[string]any)["rules"].([]any)[0].(map[string]any); counts[want] != float64(1) {
			t.Errorf("%s: current enrollments %v, want 1 %s", tt.expr, counts, want)
		}
		if got := body["sample"].(map[string]any)["trace"].([]any)[0]; got.(map[string]any)["outcome"] != want {
			t.Errorf("%s: sample %v, want %s", tt.expr, got, want)
		}
	}
}

// TestNumberParameterRules saves rules over a parameter the instance
// declares as number: rules see its values as doubles, so the rule
// written with doubles serves 7 and 7.5 alike, and the one written with
// ints, which would fail for both, is refused when saved or tried.
func TestNumberParameterRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(map[string]any{"parameters": []map[string]any{
		{"externalId": "kw", "name": "kW", "type": "number"}}})
	path := "/v1/programInstances/" + inst
	ints := []map[string]any{{"name": "size", "expression": "enrollment.params.kw * 2 > 10", "reason": "Too small"}}
	for _, p := range []problem{
		e.do("PATCH", path, map[string]any{"eligibilityRules": ints}).expect(422).problem(),
		e.do("POST", path+"/eligibility:test", map[string]any{"eligibilityRules": ints}).expect(422).problem(),
	} {
		if !p.hasLocation("body.eligibilityRules[0].expression") || !strings.Contains(p.Errors[0].Message, "enrollment.params.kw is a number parameter") ||
			!strings.Contains(p.Errors[0].Message, "2.0, not 2") {
			t.Errorf("rule with ints: %+v", p)
		}
	}
	doubles := []map[string]any{
		{"name": "size", "expression": "enrollment.params.kw * 2.0 > 10.0", "reason": "Too small"},
		{"name": "range", "expression": "enrollment.params.kw >= 5 && enrollment.params.kw < 8 && !(enrollment.params.kw in [1, 2])"},
	}
	e.do("PATCH", path, map[string]any{"eligibilityRules": doubles}).expect(200)
	for _, kw := range []any{7, 7.5, 7.0} {
		got := e.enrollIn(inst, customerInfo(map[string]any{"parameters": []map[string]any{{"externalId": "kw", "value": kw}}}))
		if status(got) != "eligible" {
			t.Errorf("kw %v: %v", kw, got["evaluation"])
		}
	}
	if got := e.enrollIn(inst, customerInfo(map[string]any{"parameters": []map[string]any{{"externalId": "kw", "value": 2}}})); status(got) != "ineligible" ||
		got["eligibility"].(map[string]any)["reason"] != "Too small" {
		t.Errorf("kw 2: %v", got["evaluation"])
	}
	res := e.do("POST", path+"/eligibility:test", map[string]any{"current": true,
		"enrollment": map[string]any{"parameters": []map[string]any{{"externalId": "kw", "value": 6}}}}).expect(200).obj()
	if s := res["sample"].(map[string]any); s["status"] != "eligible" {
		t.Errorf("sample with kw 6: %v", s)
	}
	if cur := res["current"].(map[string]any); cur["eligible"] != float64(3) || cur["ineligible"] != float64(1) {
		t.Errorf("current: %v", cur)
	}
}

// TestEligibilitySampleAsCreated tries rules on a sample whose parameters
// a create would store otherwise than sent: a date-time in lower case
// (stored in upper case) and a required parameter left out (stored as an
// entry with its PARAM_REQUIRED error). The rules test must see them as
// the create does, and give the same trace.
func TestEligibilitySampleAsCreated(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rules := []map[string]any{
		{"name": "timestamp", "expression": `timestamp(enrollment.params.start) > timestamp("2026-01-01T00:00:00Z")`},
		{"name": "upper", "expression": `enrollment.params.start.startsWith("2026-01-02T")`},
		{"name": "lacks", "expression": `enrollment.parameters.exists(p, p.externalId == "permit" && p.error.id == "PARAM_REQUIRED")`},
		{"name": "entries", "expression": `enrollment.parameters.size() == 3`},
		{"name": "kw", "expression": `enrollment.params.kw * 2.0 == 14.0`},
	}
	inst := e.createInstance(map[string]any{"eligibilityRules": rules, "parameters": []map[string]any{
		{"externalId": "start", "name": "Start", "type": "date"},
		{"externalId": "permit", "name": "Permit", "type": "string", "constraints": map[string]any{"required": true}},
		{"externalId": "kw", "name": "kW", "type": "number"},
	}})
	params := []map[string]any{{"externalId": "start", "value": "2026-01-02t03:04:05z"}, {"externalId": "kw", "value": 7}}
	created := e.enrollIn(inst, customerInfo(map[string]any{"parameters": params}))
	sample := e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test", map[string]any{
		"enrollment": map[string]any{"firstName": "Suzie", "parameters": params}}).expect(200).obj()["sample"].(map[string]any)
	got, want := sample["trace"], created["evaluation"].(map[string]any)["trace"]
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sample's trace %v, created enrollment's %v", got, want)
	}
	if status(created) != "eligible" {
		t.Errorf("created: %v", created["evaluation"])
	}
}

// customerRules are rules that read a sample's customer, then more.
func customerRules(more ...map[string]any) []map[string]any {
	return append([]map[string]any{
		{"name": "email", "expression": `customer.email.endsWith("@example.com")`},
		{"name": "has", "expression": `has(customer.email)`},
		{"name": "empty", "expression": `size(customer) == 0`},
		{"name": "metadata", "expression": `customer.metadata.tier == "gold"`},
	}, more...)
}

// TestEligibilitySampleWithoutCustomer: rules that read the customer see,
// on a sample that gives no customer, what they see on a real enrollment
// without one (a lead's): an empty customer, whose members are missing
// (an error, has() false), and no enrollment in another program, so the
// test's trace is the enrollment's.
func TestEligibilitySampleWithoutCustomer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rules := customerRules(map[string]any{"name": "elsewhere", "expression": `!enrolledInOtherProgram()`})
	inst := e.createInstance(map[string]any{"eligibilityRules": rules})
	lead := e.do("POST", "/v1/leads", map[string]any{"phone": "555-0100"}).expect(201).obj()["id"]
	created := e.enrollIn(inst, map[string]any{"identificationType": "leadId", "leadId": lead})
	if created["customerId"] != nil {
		t.Fatalf("a bare lead's enrollment has a customer: %v", created)
	}
	for _, body := range []map[string]any{
		{"enrollment": map[string]any{"identificationType": "leadId", "leadId": lead, "phone": "555-0100"}},
		{"enrollment": map[string]any{"identificationType": "leadId", "leadId": lead}, "customer": nil},
	} {
		sample := e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test", body).expect(200).obj()["sample"].(map[string]any)
		want := created["evaluation"].(map[string]any)
		if !reflect.DeepEqual(sample["trace"], want["trace"]) || sample["status"] != want["status"] || sample["reason"] != want["reason"] {
			t.Errorf("%v: sample's evaluation %v, the enrollment's %v", body, sample, want)
		}
	}
}

// TestEligibilitySampleCustomer: a sample sent without a customer is
// evaluated with the customer the enrollment it stands for would have: the
// one its customerId names, or, for customerInfo, the one its create
// makes of its contact fields. Its trace is then the created enrollment's.
func TestEligibilitySampleCustomer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rules := customerRules(map[string]any{"name": "reference", "expression": `customer.referenceId == "ACC-1"`})
	inst := e.createInstance(map[string]any{"eligibilityRules": rules})
	gold := e.do("POST", "/v1/customers", map[string]any{"firstName": "Goldie", "lastName": "Hawn", "email": "goldie@example.com",
		"referenceId": "ACC-1", "metadata": map[string]any{"tier": "gold"}}).expect(201).obj()["id"].(string)
	for _, tc := range []struct {
		name            string
		create, sample  map[string]any
		passes, catches int // the rules passed, and those failed or in error
	}{
		{"customerId", map[string]any{"identificationType": "customerId", "customerId": gold},
			map[string]any{"identificationType": "customerId", "customerId": gold}, 4, 1},
		{"customerInfo", customerInfo(map[string]any{"email": "new.one@example.com", "referenceId": "ACC-1"}),
			customerInfo(map[string]any{"email": "new.two@example.com", "referenceId": "ACC-1"}), 3, 2},
	} {
		created := e.enrollIn(inst, tc.create)["evaluation"].(map[string]any)
		sample := e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test", map[string]any{"enrollment": tc.sample}).
			expect(200).obj()["sample"].(map[string]any)
		if !reflect.DeepEqual(sample["trace"], created["trace"]) || sample["status"] != created["status"] {
			t.Errorf("%s: sample's evaluation %v, the enrollment's %v", tc.name, sample, created)
		}
		passed := 0
		for _, r := range sample["trace"].([]any) {
			if r.(map[string]any)["outcome"] == "passed" {
				passed++
			}
		}
		if passed != tc.passes || len(sample["trace"].([]any))-passed != tc.catches {
			t.Errorf("%s: %d rules passed of %v, want %d", tc.name, passed, sample["trace"], tc.passes)
		}
	}

	// A customerId naming nothing is the sample's mistake; a key that
	// cannot read customers cannot try rules on one.
	e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test", map[string]any{"enrollment": map[string]any{"customerId": "nosuchcustomerzzzzzzzzzz"}}).
		expect(422).problem()
	key := e.scopedKey([]string{"programs:write"}, nil)
	e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test", map[string]any{"enrollment": map[string]any{"customerId": gold}}, withKey(key)).
		expect(403).problem()
	// Nor with a customer of its own: enrolledInOtherProgram() would still
	// read the enrollments of the customer named.
	e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test", map[string]any{"enrollment": map[string]any{"customerId": gold},
		"customer": map[string]any{"firstName": "A", "lastName": "B", "email": "a@example.com"}}, withKey(key)).
		expect(403).problem()
}
