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
		name, value    string
	}{
		{doc: `{"a": 1, "b": {"a": 2}, "c": [{"a": 1}, {"a": 2}]}`},
		{doc: `{"a": 1, "a": 2}`, pointer: "/a", field: ".a", name: "a"},
		{doc: `[{"x": [1, {"y": 1, "y": 2}]}]`, pointer: "/0/x/1/y", field: "[0].x[1].y", name: "y"},
		{doc: `{"a/b": {"c~d": 1, "c~d": 2}}`, pointer: "/a~1b/c~0d", field: ".a/b.c~d", name: "c~d"},
		{doc: `{"n": 9007199254740992, "m": -9007199254740992, "o": 9007199254740994}`},
		{doc: `{"n": 9007199254740993}`, pointer: "/n", field: ".n", value: "9007199254740993"},
		{doc: `{"l": [1, 12345678901234567890]}`, pointer: "/l/1", field: ".l[1]", value: "12345678901234567890"},
		{doc: `{"n": -12345678901234567890}`, pointer: "/n", field: ".n", value: "-12345678901234567890"},
		{doc: `{"n": 9007199254740993.0}`, pointer: "/n", field: ".n", value: "9007199254740993.0"},
		{doc: `{"n": 90071992547409930e-1}`, pointer: "/n", field: ".n", value: "90071992547409930e-1"},
		{doc: `{"n": 100000000000000000000, "e": 1e22, "f": 0.12345678901234567890123, "g": 9007199254740993.5, "h": 1e300}`},
		{doc: `{"first": {"a": 1, "a": 2}, "then": 9007199254740993}`, pointer: "/first/a", field: ".first.a", name: "a"},
		// A float64 would hold these as 0; its smallest subnormal and zero
		// itself are kept.
		{doc: `{"n": 1e-400}`, pointer: "/n", field: ".n", value: "1e-400"},
		{doc: `[-2.5E-330]`, pointer: "/0", field: "[0]", value: "-2.5E-330"},
		{doc: `{"z": 0e-400, "y": 0.0, "s": 4e-324, "t": 1e-300}`},
		// A lone surrogate would become U+FFFD; a pair is one character,
		// and an escaped backslash starts no escape.
		{doc: `{"s": "ok \ud83d\ude00", "t": "\\ud800", "u": "\u00e9"}`},
		{doc: `{"s": "x\ud800y"}`, pointer: "/s", field: ".s", value: `\ud800`},
		{doc: `{"s": "\udc00"}`, pointer: "/s", field: ".s", value: `\udc00`},
		{doc: `{"s": "\uD83D\u0041"}`, pointer: "/s", field: ".s", value: `\uD83D`},
		{doc: `{"s": "end \ud83d"}`, pointer: "/s", field: ".s", value: `\ud83d`},
		{doc: `{"n\ud800": 1}`, pointer: "/n\ufffd", field: ".n\ufffd", value: `\ud800`},
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
		case tc.pointer != "" && (p == nil || p.Pointer != tc.pointer || p.Field() != tc.field || p.Name != tc.name || p.Value != tc.value):
			t.Errorf("%s: %+v, want %s %s %q %q", tc.doc, p, tc.pointer, tc.field, tc.name, tc.value)
		}
	}
}
