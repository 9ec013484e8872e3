package http_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
)

// memberOrder returns the names of the members of the JSON object at path
// (a list of member names, then list indexes as ints) in b, in the order
// they are written.
func memberOrder(t *testing.T, b []byte, path ...any) []string {
	t.Helper()
	var v any = json.RawMessage(b)
	for _, step := range path {
		raw := v.(json.RawMessage)
		switch s := step.(type) {
		case string:
			var m map[string]json.RawMessage
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatalf("at %v: %v", step, err)
			}
			v = m[s]
		case int:
			var l []json.RawMessage
			if err := json.Unmarshal(raw, &l); err != nil {
				t.Fatalf("at %v: %v", step, err)
			}
			v = l[s]
		}
	}
	dec := json.NewDecoder(bytes.NewReader(v.(json.RawMessage)))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("%v: not an object: %s", path, v)
	}
	var names []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return names
}

// TestEventObjectMemberOrder holds an event's data.object to the member
// order of the representation it carries: docs/api.md promises every
// enrollment the seed's members "in the seed's order", and an event's
// object is "an Enrollment" (or a Program, a ProgramInstance). On
// PostgreSQL, whose events.doc is jsonb, the members came back sorted by
// length, in GET /v1/events and in webhook deliveries alike, where SQLite
// kept the representation's order.
func TestEventObjectMemberOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	enr := e.enrollIn(inst, customerInfo(map[string]any{"address": map[string]any{"city": "New York", "state": "NY"}}))
	id := enr["id"].(string)
	got := e.do("GET", "/v1/enrollments/"+id, nil).expect(200)
	want := slices.DeleteFunc(memberOrder(t, got.Body), func(s string) bool { return s == "template" })
	wantAddress := memberOrder(t, got.Body, "address")

	events := e.do("GET", "/v1/events?type=enrollment.created&enrollmentId="+id, nil).expect(200)
	if order := memberOrder(t, events.Body, "data", 0, "data", "object"); !slices.Equal(order, want) {
		t.Errorf("enrollment.created object members:\n got %v\nwant %v", order, want)
	}
	if order := memberOrder(t, events.Body, "data", 0, "data", "object", "address"); !slices.Equal(order, wantAddress) {
		t.Errorf("enrollment.created object address members:\n got %v\nwant %v", order, wantAddress)
	}

	prog := e.do("GET", "/v1/programInstances/"+inst, nil).expect(200).obj()["programId"].(string)
	wantProgram := memberOrder(t, e.do("GET", "/v1/programs/"+prog, nil).expect(200).Body)
	pe := e.do("GET", "/v1/events?type=program.created&perPage=1", nil).expect(200)
	if order := memberOrder(t, pe.Body, "data", 0, "data", "object"); !slices.Equal(order, wantProgram) {
		t.Errorf("program.created object members:\n got %v\nwant %v", order, wantProgram)
	}
}
