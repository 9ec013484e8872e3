package http_test

import (
	"strings"
	"testing"
)

// TestF1HelperListItems: a rule calling inStates, inPostalCodes or
// hasManufacturer with a list holding anything but strings, as written,
// is a 422 at its expression naming the function and what it takes,
// rather than being saved to fail every evaluation (["NY", 1]) or refused
// with CEL's "no such overload" ([1, "NY"]).
func TestF1HelperListItems(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	prog := e.createProgram("helpers-" + uniq())
	inst := e.manualInstance()
	for _, tc := range []struct {
		expr, fn, want string
		// checked: CEL's checker refuses it, in its words ("found no
		// matching overload"), which the message completes.
		checked bool
	}{
		{`inStates(["NY", 1])`, "inStates", "item 1 of its list is a number", false},
		{`inStates([1, "NY"])`, "inStates", "item 0 of its list is a number", false},
		{`inStates(["NY", null])`, "inStates", "item 1 of its list is null", false},
		{`inStates([["NY"]])`, "inStates", "item 0 of its list is a list", true},
		{`inStates([1])`, "inStates", "item 0 of its list is a number", true},
		{`inStates("NY")`, "inStates", "not a string", true},
		{`enrollment.firstName != "" && inPostalCodes(["100*", true])`, "inPostalCodes", "item 1 of its list is a boolean", false},
		{`hasManufacturer(["ecobee", 2.5])`, "hasManufacturer", "item 1 of its list is a number", false},
	} {
		rules := []any{map[string]any{"name": "ok", "expression": "true"}, map[string]any{"name": "r", "expression": tc.expr}}
		for _, req := range []struct {
			method, path string
			body         map[string]any
		}{
			{"POST", "/v1/programs/" + prog + "/instances", map[string]any{"slug": "s-" + uniq(), "name": "n", "eligibilityRules": rules}},
			{"PATCH", "/v1/programInstances/" + inst, map[string]any{"eligibilityRules": rules}},
			{"POST", "/v1/programInstances/" + inst + "/eligibility:test", map[string]any{"eligibilityRules": rules, "enrollment": map[string]any{"firstName": "A"}}},
		} {
			r := e.do(req.method, req.path, req.body)
			if r.Status != 422 {
				t.Errorf("%s %s with %s: status %d, want 422: %s", req.method, req.path, tc.expr, r.Status, r.Body)
				continue
			}
			p := r.problem()
			if len(p.Errors) != 1 || p.Errors[0].Location != "body.eligibilityRules[1].expression" ||
				!strings.Contains(p.Errors[0].Message, tc.fn+" takes a list of strings") || !strings.Contains(p.Errors[0].Message, tc.want) ||
				!tc.checked && strings.Contains(p.Errors[0].Message, "overload") {
				t.Errorf("%s %s with %s: %+v, want one error at body.eligibilityRules[1].expression saying %s takes a list of strings (%s)",
					req.method, req.path, tc.expr, p.Errors, tc.fn, tc.want)
			}
		}
	}
	// Items known only when evaluated are taken, as before.
	e.do("PATCH", "/v1/programInstances/"+inst, map[string]any{"eligibilityRules": []any{
		map[string]any{"name": "r", "expression": `inStates(["NY", enrollment.address.state]) || inStates(enrollment.tags)`}}}).expect(200)
}
