package http_test

import (
	"slices"
	"strings"
	"testing"
)

// TestUniqueParameterDeclared makes an instance's parameter unique after
// its enrollments hold values: the values held are registered by the
// PATCH, which is a 409 naming the parameter, the value and the
// enrollments when two open ones share a value, and then no enrollment is
// refused a write that leaves its value alone.
func TestUniqueParameterDeclared(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	param := func(unique bool) map[string]any {
		return map[string]any{"parameters": []map[string]any{
			{"externalId": "s", "name": "S", "type": "string", "constraints": map[string]any{"unique": unique}}}}
	}
	withS := func(v string) map[string]any {
		return customerInfo(map[string]any{"parameters": []map[string]any{{"externalId": "s", "value": v}}})
	}
	enroll := func(inst, v string) string { return e.enrollIn(inst, withS(v))["id"].(string) }

	// The auditor's reproduction: U1 holds SAME, s is made unique, U2
	// may not take SAME.
	inst := e.createInstance(param(false))
	u1 := enroll(inst, "SAME")
	e.do("PATCH", "/v1/programInstances/"+inst, param(true)).expect(200)
	taken := e.do("POST", "/v1/programInstances/"+inst+"/enrollments", withS("SAME")).expect(409).obj()
	if taken["existingId"] != u1 || taken["parameter"] != "s" {
		t.Fatalf("create with a held value = %v", taken)
	}

	// The variant: U1 and U2 share SAME before the change, which is
	// refused and changes nothing.
	inst = e.createInstance(param(false))
	u1, u2 := enroll(inst, "SAME"), enroll(inst, "SAME")
	before := e.do("GET", "/v1/programInstances/"+inst, nil).expect(200)
	p := e.do("PATCH", "/v1/programInstances/"+inst, param(true)).expect(409)
	prob := p.obj()
	want := []string{u1, u2}
	slices.Sort(want)
	var got []string
	for _, id := range prob["enrollmentIds"].([]any) {
		got = append(got, id.(string))
	}
	if prob["parameter"] != "s" || prob["value"] != "SAME" || !slices.Equal(got, want) ||
		!strings.Contains(prob["detail"].(string), u1) || !strings.Contains(prob["detail"].(string), u2) {
		t.Fatalf("PATCH making shared values unique = %s", p.Body)
	}
	if after := e.do("GET", "/v1/programInstances/"+inst, nil).expect(200); after.Header.Get("ETag") != before.Header.Get("ETag") {
		t.Fatalf("the refused PATCH changed the instance: %s", after.Body)
	}
	// Once they differ it passes, and neither enrollment is refused a
	// write that leaves s alone.
	e.do("PATCH", "/v1/enrollments/"+u2, map[string]any{"parameters": []map[string]any{{"externalId": "s", "value": "OTHER"}}}).expect(200)
	e.do("PATCH", "/v1/programInstances/"+inst, param(true)).expect(200)
	for _, id := range []string{u1, u2} {
		e.do("PATCH", "/v1/enrollments/"+id, map[string]any{"notes": "x"}).expect(200)
		e.do("POST", "/v1/enrollments/"+id+"/evaluate", nil).expect(200)
		if got := e.patchStatus(id, "submitted"); status(got) != "submitted" {
			t.Fatalf("submitted %s is %s", id, status(got))
		}
	}
	taken = e.do("PATCH", "/v1/enrollments/"+u2, map[string]any{"parameters": []map[string]any{{"externalId": "s", "value": "SAME"}}}).expect(409).obj()
	if taken["existingId"] != u1 {
		t.Fatalf("taking a held value = %v", taken)
	}
	// Removing unique frees the values.
	e.do("PATCH", "/v1/programInstances/"+inst, param(false)).expect(200)
	e.do("PATCH", "/v1/enrollments/"+u2, map[string]any{"parameters": []map[string]any{{"externalId": "s", "value": "SAME"}}}).expect(200)
}
