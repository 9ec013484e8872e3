package http_test

import (
	"slices"
	"testing"
)

// TestH3DottedMemberLocations: a member the body may not have whose name
// holds a dot or a bracket is located by its name, and the errors after it
// keep their own places: Huma's path buffer, popping back to the last dot
// or bracket, left part of such a name in every later location
// (body.a.zz for zz, body.devices[0][1].serialNumber for the second
// device's serialNumber). Metadata keys with dots stay as sent.
func TestH3DottedMemberLocations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	base := `{"identificationType":"customerInfo","firstName":"A","lastName":"B","email":"a@example.com",`
	for body, want := range map[string][]string{
		base + `"a.b":1,"zz":2}`:                           {"body.a.b", "body.zz"},
		base + `"devices":[{"a.b":1},{"serialNumber":5}]}`: {"body.devices[0].a.b", "body.devices[1].serialNumber"},
		base + `"devices":[{"a[0":1,"b":2}]}`:              {"body.devices[0].a[0", "body.devices[0].b"},
		base + `"address":{"x]":1,"y.z":2,"city":3}}`:      {"body.address.city", "body.address.x]", "body.address.y.z"},
	} {
		p := e.do("POST", "/v1/programInstances/"+inst+"/enrollments", raw(body)).expect(422).problem()
		got := p.locations()
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: locations %v, want %v", body, got, want)
		}
	}
	// A refused value echoes its member names as sent.
	p := e.do("POST", "/v1/programInstances/"+inst+"/enrollments",
		raw(`{"identificationType":"customerInfo","firstName":{"a.b":1},"lastName":"B","email":"a@example.com"}`)).expect(422).problem()
	if len(p.Errors) != 1 || p.Errors[0].Location != "body.firstName" || h3JSON(p.Errors[0].Value) != `{"a.b":1}` {
		t.Errorf("errors %+v", p.Errors)
	}
	enr := e.enrollIn(inst, customerInfo(map[string]any{"metadata": map[string]any{"a.b": 1, "c[0]": map[string]any{"d.e": true}}}))
	if got := h3JSON(enr["metadata"]); got != `{"a.b":1,"c[0]":{"d.e":true}}` {
		t.Errorf("metadata %s", got)
	}
}
