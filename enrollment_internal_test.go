package enroll

import (
	"encoding/json"
	"maps"
	"testing"
	"time"
)

// TestJSONFields checks the one-scan split of json.Marshal's objects
// against json.Unmarshal, on objects with every kind of member.
func TestJSONFields(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	e := &Enrollment{ID: "e1", FirstName: `Quo"te, {brace} [x] \ back`, Email: "a@example.com", Address: &Address{City: "Albany", State: "NY"},
		Tags: []string{"a", "}", `"`}, Metadata: map[string]any{"n": 3.5, "nested": map[string]any{"k": []any{1, "x", nil, true}}, "": "empty"},
		Parameters:  []ParameterValue{{ExternalID: "kw", Value: 7.0}, {ExternalID: "p", Error: &ParameterError{ID: ParamErrRequired, Message: "P is required."}}},
		Eligibility: Eligibility{Status: StatusCandidate}, Evaluation: &Evaluation{Status: StatusEligible, Trace: []RuleResult{{Name: "r", Outcome: RulePassed}}},
		EnrollmentStartDate: &now, CreatedAt: now, UpdatedAt: now}
	e.normalize()
	for _, v := range []any{e, &Customer{ID: "c"}, map[string]any{}, map[string]any{"a\"b": 1, "é": []any{}}, &ProgramInstance{ID: "i", Capacity: new(int)}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]json.RawMessage{}
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
		got := map[string]json.RawMessage{}
		for _, m := range jsonFields(b) {
			got[string(m.key)] = m.val
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d members, want %d", b, len(got), len(want))
		}
		for k, w := range want {
			if string(got[k]) != string(w) {
				t.Fatalf("%s: member %q = %s, want %s", b, k, got[k], w)
			}
		}
	}
	for _, bad := range []string{``, `[]`, `{"a":1`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":1 }`} {
		if _, ok := splitObject([]byte(bad)); ok {
			t.Errorf("splitObject(%q) accepted", bad)
		}
	}
	// Diff reports the changed members with their old values.
	n := e.dup()
	n.Eligibility.Status, n.Evaluation, n.Tags = StatusEligible, nil, nil
	d := Diff(e, n)
	if len(d) != 3 || d["eligibility"].(map[string]any)["status"] != "candidate" || d["evaluation"] == nil || len(d["tags"].([]any)) != 3 {
		t.Fatalf("Diff = %v", d)
	}
	// Members only one side has: a's with its value, b's with null; and
	// members in another order still pair up.
	d = diffJSON([]byte(`{"a":1,"b":2,"c":3}`), []byte(`{"c":3,"d":4,"b":5}`))
	if want := map[string]any{"a": 1.0, "b": 2.0, "d": nil}; !maps.Equal(d, want) {
		t.Fatalf("diffJSON = %v, want %v", d, want)
	}
	if d := diffJSON([]byte(`{"a":{"x":[1,2]}}`), []byte(`{"a":{"x":[1,2]}}`)); len(d) != 0 {
		t.Fatalf("diffJSON of equal objects = %v", d)
	}
}
