package http_test

import (
	"testing"
)

// TestRuleNamesTrimmed: a rule's name is stored without the white space
// around it, as a person's names are, on a create, a PATCH and in a rules
// test alike. Two rules whose names differ only by it ("income" and
// "income ") read the same in a trace and in an eligible enrollment's
// reason, so they are refused as not unique, at the second rule; and a
// PATCH that sends back a rule with a blank added around its name starts
// no new rules version.
func TestRuleNamesTrimmed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rule := func(name string) map[string]any {
		return map[string]any{"name": name, "expression": "true"}
	}
	prog := e.createProgram("trim-" + uniq())

	// A create refuses namesakes, trims the names it keeps.
	p := e.do("POST", "/v1/programs/"+prog+"/instances", map[string]any{"slug": "twins", "name": "Twins",
		"eligibilityRules": []any{rule("income"), rule("income ")}}).expect(422).problem()
	if !p.hasLocation("body.eligibilityRules[1].name") {
		t.Fatalf("create with rules income and \"income \": %+v, want a 422 at body.eligibilityRules[1].name", p)
	}
	inst := e.do("POST", "/v1/programs/"+prog+"/instances", map[string]any{"slug": "trimmed", "name": "Trimmed",
		"eligibilityRules": []any{rule(" income\t"), rule("\u00a0area\n")}}).expect(201).obj()
	id := inst["id"].(string)
	names := func(inst map[string]any) []string {
		var out []string
		for _, r := range inst["eligibilityRules"].([]any) {
			out = append(out, r.(map[string]any)["name"].(string))
		}
		return out
	}
	if got := names(inst); len(got) != 2 || got[0] != "income" || got[1] != "area" {
		t.Fatalf("created rules named %q, want [income area]", got)
	}

	// A PATCH refuses namesakes, and one that differs only by blanks
	// around a name changes nothing.
	p = e.do("PATCH", "/v1/programInstances/"+id, map[string]any{
		"eligibilityRules": []any{rule("area"), rule(" area")}}).expect(422).problem()
	if !p.hasLocation("body.eligibilityRules[1].name") {
		t.Fatalf("PATCH with rules area and \" area\": %+v, want a 422 at body.eligibilityRules[1].name", p)
	}
	got := e.do("PATCH", "/v1/programInstances/"+id, map[string]any{
		"eligibilityRules": []any{rule("income "), rule(" area")}}).expect(200).obj()
	if v := got["rulesVersion"]; v != float64(1) {
		t.Errorf("rules sent back with blanks around their names: rulesVersion %v, want 1", v)
	}
	if n := names(got); len(n) != 2 || n[0] != "income" || n[1] != "area" {
		t.Errorf("rules after PATCH named %q, want [income area]", n)
	}

	// The rules test sees draft rules as a save would.
	p = e.do("POST", "/v1/programInstances/"+id+"/eligibility:test", map[string]any{
		"eligibilityRules": []any{rule("x"), rule("x ")}, "enrollment": map[string]any{}}).expect(422).problem()
	if !p.hasLocation("body.eligibilityRules[1].name") {
		t.Fatalf("rules test with rules x and \"x \": %+v, want a 422 at body.eligibilityRules[1].name", p)
	}
	sample := e.do("POST", "/v1/programInstances/"+id+"/eligibility:test", map[string]any{
		"eligibilityRules": []any{rule(" income"), rule("area ")}, "enrollment": map[string]any{}}).expect(200).obj()["sample"].(map[string]any)
	if sample["rulesVersion"] != float64(1) || sample["reason"] != "Meets all eligibility rules: income, area" {
		t.Errorf("rules test of the saved rules with blanks around their names: %v, want rulesVersion 1 and the saved names", sample)
	}
}
