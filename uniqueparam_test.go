package enroll_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestUniqueParameterChanges checks which declaration changes drop and
// register the values held: unique made or unmade, a parameter declared
// or removed, a type changed to or from date; nothing else.
func TestUniqueParameterChanges(t *testing.T) {
	t.Parallel()
	p := func(id string, typ enroll.ParameterType, unique bool) enroll.Parameter {
		return enroll.Parameter{ExternalID: id, Name: id, Type: typ, Constraints: enroll.ParameterConstraints{Unique: unique}}
	}
	hidden := p("a", enroll.ParamString, true)
	hidden.Constraints.Hidden, hidden.Constraints.Required, hidden.Name = true, true, "renamed"
	for _, c := range []struct {
		name           string
		old, new       []enroll.Parameter
		drop, register []string
	}{
		{"unchanged", []enroll.Parameter{p("a", enroll.ParamString, true)}, []enroll.Parameter{p("a", enroll.ParamString, true)}, nil, nil},
		{"made unique", []enroll.Parameter{p("a", enroll.ParamString, false)}, []enroll.Parameter{p("a", enroll.ParamString, true)}, []string{"a"}, []string{"a"}},
		{"declared unique", nil, []enroll.Parameter{p("a", enroll.ParamNumber, true)}, []string{"a"}, []string{"a"}},
		{"unique removed", []enroll.Parameter{p("a", enroll.ParamString, true)}, []enroll.Parameter{p("a", enroll.ParamString, false)}, []string{"a"}, nil},
		{"parameter removed", []enroll.Parameter{p("a", enroll.ParamString, true), p("b", enroll.ParamString, false)}, []enroll.Parameter{p("b", enroll.ParamString, false)}, []string{"a"}, nil},
		{"plain ones", []enroll.Parameter{p("a", enroll.ParamString, false)}, []enroll.Parameter{p("b", enroll.ParamDate, false)}, nil, nil},
		{"string to number", []enroll.Parameter{p("a", enroll.ParamString, true)}, []enroll.Parameter{p("a", enroll.ParamNumber, true)}, nil, nil},
		{"string to date", []enroll.Parameter{p("a", enroll.ParamString, true)}, []enroll.Parameter{p("a", enroll.ParamDate, true)}, []string{"a"}, []string{"a"}},
		{"date to choice", []enroll.Parameter{p("a", enroll.ParamDate, true)}, []enroll.Parameter{p("a", enroll.ParamChoice, true)}, []string{"a"}, []string{"a"}},
		{"hidden, required, renamed", []enroll.Parameter{p("a", enroll.ParamString, true)}, []enroll.Parameter{hidden}, nil, nil},
		{"swapped", []enroll.Parameter{p("a", enroll.ParamString, true), p("b", enroll.ParamString, false)},
			[]enroll.Parameter{p("a", enroll.ParamString, false), p("b", enroll.ParamString, true)}, []string{"a", "b"}, []string{"b"}},
	} {
		drop, register := enroll.UniqueParameterChanges(&enroll.ProgramInstance{Parameters: c.old}, &enroll.ProgramInstance{Parameters: c.new})
		if !slices.Equal(drop, c.drop) || !slices.Equal(register, c.register) {
			t.Errorf("%s: drop %q, register %q; want %q, %q", c.name, drop, register, c.drop, c.register)
		}
	}
}

// TestUniqueHolders checks the values registered for the enrollments'
// holdings, and the conflict when two share one.
func TestUniqueHolders(t *testing.T) {
	t.Parallel()
	inst := &enroll.ProgramInstance{Parameters: []enroll.Parameter{
		{ExternalID: "s", Name: "S", Type: enroll.ParamString, Constraints: enroll.ParameterConstraints{Unique: true}},
		{ExternalID: "n", Name: "N", Type: enroll.ParamNumber, Constraints: enroll.ParameterConstraints{Unique: true}},
		{ExternalID: "d", Name: "D", Type: enroll.ParamDate, Constraints: enroll.ParameterConstraints{Unique: true}},
		{ExternalID: "o", Name: "O", Type: enroll.ParamObject, Constraints: enroll.ParameterConstraints{Unique: true, Hidden: true}},
		{ExternalID: "plain", Name: "Plain", Type: enroll.ParamString},
	}}
	h := func(id, ext string, v any) enroll.UniqueHolding {
		return enroll.UniqueHolding{EnrollmentID: id, ExternalID: ext, Value: v}
	}
	got, err := inst.UniqueHolders([]enroll.UniqueHolding{
		h("e2", "s", "x"), h("e1", "s", "X"), h("e3", "s", ""), h("e4", "s", "  "), h("e5", "s", nil),
		h("e1", "plain", "x"), h("e2", "plain", "x"), h("e6", "gone", "x"), h("e7", "gone", "x"),
		h("e1", "n", 7.0), h("e2", "n", "7.5"), h("e1", "o", map[string]any{"b": 1.0, "a": "<"}),
		h("e1", "d", "2026-01-02t03:04:05z"), h("e2", "d", "2026-01-02"),
		h("e8", "s", "dup"), h("e8", "s", "dup"), // one enrollment, one value
	})
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, u := range got {
		rows = append(rows, u.ExternalID+"="+u.Value+"@"+u.EnrollmentID)
	}
	want := []string{"d=2026-01-02@e2", "d=2026-01-02T03:04:05Z@e1", "n=7@e1", "n=7.5@e2",
		`o={"a":"\u003c","b":1}@e1`, "s=X@e1", "s=dup@e8", "s=x@e2"}
	if !slices.Equal(rows, want) {
		t.Fatalf("holders\n%q\nwant\n%q", rows, want)
	}

	for _, c := range []struct {
		holdings []enroll.UniqueHolding
		value    string
		ids      []string
		message  string
	}{
		{[]enroll.UniqueHolding{h("e2", "s", "x"), h("e1", "s", "x"), h("e3", "s", "y")}, "x", []string{"e1", "e2"}, "enrollments e1 and e2 have the value \"x\""},
		{[]enroll.UniqueHolding{h("e1", "d", "2026-01-02t03:04:05z"), h("e2", "d", "2026-01-02T03:04:05Z")}, "2026-01-02T03:04:05Z", []string{"e1", "e2"}, "e1 and e2"},
		{[]enroll.UniqueHolding{h("e1", "o", map[string]any{"k": "v"}), h("e2", "o", map[string]any{"k": "v"})}, `{"k":"v"}`, []string{"e1", "e2"}, "e1 and e2"},
		{[]enroll.UniqueHolding{h("e1", "s", "b"), h("e2", "s", "b"), h("e3", "s", "a"), h("e4", "s", "a"), h("e5", "s", "a")}, "a", []string{"e3", "e4", "e5"}, "e3, e4 and 1 other have"},
	} {
		_, err := inst.UniqueHolders(c.holdings)
		de, ok := err.(*enroll.Error)
		if !ok || de.Code != enroll.ECONFLICT || !strings.Contains(de.Message, c.message) ||
			de.Extra["value"] != c.value || !slices.Equal(de.Extra["enrollmentIds"].([]string), c.ids) {
			t.Errorf("%v: %v, want %s shared by %v", c.holdings, err, c.value, c.ids)
		}
	}

	var many []enroll.UniqueHolding
	for i := range 25 {
		many = append(many, h(fmt.Sprintf("e%02d", i), "s", "same"))
	}
	_, err = inst.UniqueHolders(many)
	if de := err.(*enroll.Error); len(de.Extra["enrollmentIds"].([]string)) != 10 || !strings.Contains(de.Message, "e00, e01 and 23 others") {
		t.Fatalf("25 holders: %v %v", de, de.Extra)
	}
}

// TestUniqueUnregistered checks what registering, once, the values held
// before their parameter's values were registered adds: a value nobody
// is registered for goes to its first holder by id, and the other holders
// of a value someone is registered for are left out, naming that one.
func TestUniqueUnregistered(t *testing.T) {
	t.Parallel()
	inst := &enroll.ProgramInstance{Parameters: []enroll.Parameter{
		{ExternalID: "s", Name: "S", Type: enroll.ParamString, Constraints: enroll.ParameterConstraints{Unique: true}},
		{ExternalID: "d", Name: "D", Type: enroll.ParamDate, Constraints: enroll.ParameterConstraints{Unique: true}},
		{ExternalID: "plain", Name: "Plain", Type: enroll.ParamString},
	}}
	h := func(id, ext string, v any) enroll.UniqueHolding {
		return enroll.UniqueHolding{EnrollmentID: id, ExternalID: ext, Value: v}
	}
	r := func(id, ext, v string) enroll.UniqueHolder {
		return enroll.UniqueHolder{UniqueValue: enroll.UniqueValue{ExternalID: ext, Value: v}, EnrollmentID: id}
	}
	for _, c := range []struct {
		name           string
		holdings       []enroll.UniqueHolding
		registered     []enroll.UniqueHolder
		register, left []string
	}{
		{"nothing held", nil, nil, nil, nil},
		{"all registered", []enroll.UniqueHolding{h("e1", "s", "a"), h("e2", "s", "b")}, []enroll.UniqueHolder{r("e1", "s", "a"), r("e2", "s", "b")}, nil, nil},
		{"one unregistered", []enroll.UniqueHolding{h("e1", "s", "a"), h("e2", "s", "b")}, []enroll.UniqueHolder{r("e1", "s", "a")}, []string{"s=b@e2"}, nil},
		{"shared, none registered", []enroll.UniqueHolding{h("e3", "s", "a"), h("e2", "s", "a"), h("e1", "s", "b"), h("e4", "s", "a")}, nil,
			[]string{"s=a@e2", "s=b@e1"}, []string{"s=a@e3 by e2", "s=a@e4 by e2"}},
		{"shared, the later registered", []enroll.UniqueHolding{h("e1", "s", "a"), h("e2", "s", "a")}, []enroll.UniqueHolder{r("e2", "s", "a")},
			nil, []string{"s=a@e1 by e2"}},
		{"registered for another", []enroll.UniqueHolding{h("e1", "s", "a")}, []enroll.UniqueHolder{r("e9", "s", "a")}, nil, []string{"s=a@e1 by e9"}},
		{"held as a write holds it", []enroll.UniqueHolding{h("e1", "d", "2026-01-02t03:04:05z"), h("e2", "d", "2026-01-02T03:04:05Z"),
			h("e1", "s", ""), h("e1", "s", nil), h("e1", "plain", "a"), h("e2", "plain", "a"), h("e1", "gone", "a")}, nil,
			[]string{"d=2026-01-02T03:04:05Z@e1"}, []string{"d=2026-01-02T03:04:05Z@e2 by e1"}},
		{"a value held twice by one", []enroll.UniqueHolding{h("e1", "s", "a"), h("e1", "s", "a")}, nil, []string{"s=a@e1"}, nil},
	} {
		register, left := inst.UniqueUnregistered(c.holdings, c.registered)
		var gotR, gotL []string
		for _, u := range register {
			gotR = append(gotR, u.ExternalID+"="+u.Value+"@"+u.EnrollmentID)
		}
		for _, u := range left {
			gotL = append(gotL, u.ExternalID+"="+u.Value+"@"+u.EnrollmentID+" by "+u.HolderID)
		}
		if !slices.Equal(gotR, c.register) || !slices.Equal(gotL, c.left) {
			t.Errorf("%s: register %q, left %q; want %q, %q", c.name, gotR, gotL, c.register, c.left)
		}
	}
}
