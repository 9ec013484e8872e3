package enroll_test

import (
	"testing"

	"github.com/enrollhq/enroll"
)

// TestCheckJSON checks what CheckJSON reports: members named twice and
// integers a float64 would round, where they are, and nothing in a
// document that is not well formed (its decoder reports that).
func TestCheckJSON(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		doc            string
		pointer, field string // "" for no problem
		name, number   string
	}{
		{doc: `{"a": 1, "b": {"a": 2}, "c": [{"a": 1}, {"a": 2}]}`},
		{doc: `{"a": 1, "a": 2}`, pointer: "/a", field: ".a", name: "a"},
		{doc: `[{"x": [1, {"y": 1, "y": 2}]}]`, pointer: "/0/x/1/y", field: "[0].x[1].y", name: "y"},
		{doc: `{"a/b": {"c~d": 1, "c~d": 2}}`, pointer: "/a~1b/c~0d", field: ".a/b.c~d", name: "c~d"},
		{doc: `{"n": 9007199254740992, "m": -9007199254740992, "o": 9007199254740994}`},
		{doc: `{"n": 9007199254740993}`, pointer: "/n", field: ".n", number: "9007199254740993"},
		{doc: `{"l": [1, 12345678901234567890]}`, pointer: "/l/1", field: ".l[1]", number: "12345678901234567890"},
		{doc: `{"n": -12345678901234567890}`, pointer: "/n", field: ".n", number: "-12345678901234567890"},
		{doc: `{"n": 9007199254740993.0}`, pointer: "/n", field: ".n", number: "9007199254740993.0"},
		{doc: `{"n": 90071992547409930e-1}`, pointer: "/n", field: ".n", number: "90071992547409930e-1"},
		{doc: `{"n": 100000000000000000000, "e": 1e22, "f": 0.12345678901234567890123, "g": 9007199254740993.5, "h": 1e300}`},
		{doc: `{"first": {"a": 1, "a": 2}, "then": 9007199254740993}`, pointer: "/first/a", field: ".first.a", name: "a"},
		// Malformed, or more than one value: the decoder's to report.
		{doc: `{"truncated": 9007199254740993`},
		{doc: `{"a": 1, "a": 2`},
		{doc: `{} {"a": 1, "a": 2}`},
		{doc: `{"n": 1e400}`},
	} {
		p := enroll.CheckJSON([]byte(tc.doc))
		switch {
		case tc.pointer == "" && p != nil:
			t.Errorf("%s: %v", tc.doc, p)
		case tc.pointer != "" && (p == nil || p.Pointer != tc.pointer || p.Field() != tc.field || p.Name != tc.name || p.Number != tc.number):
			t.Errorf("%s: %+v, want %s %s %q %q", tc.doc, p, tc.pointer, tc.field, tc.name, tc.number)
		}
	}
}
