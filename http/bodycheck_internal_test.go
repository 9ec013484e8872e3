package http

import (
	"strings"
	"testing"
)

// TestCheckBody checks what checkBody refuses: members named twice and
// integers a float64 would round, nothing else.
func TestCheckBody(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body, want string // want: a part of the error, or "" for none
	}{
		{`{"a": 1, "b": {"a": 2}}`, ""},
		{`{"a": 1, "a": 2}`, `member "a" twice`},
		{`[{"x": [1, {"y": 1, "y": 2}]}]`, `member "y" twice, at /0/x/1/y`},
		{`{"n": 9007199254740992, "m": -9007199254740992}`, ""},
		{`{"n": 9007199254740993}`, inexactIntegerPrefix + "/n 9007199254740993"},
		{`{"l": [1, 12345678901234567890]}`, inexactIntegerPrefix + "/l/1 12345678901234567890"},
		{`{"n": -12345678901234567890}`, inexactIntegerPrefix},
		{`{"n": 100000000000000000000}`, ""}, // 1e20 is exact
		{`{"f": 0.12345678901234567890123, "e": 1e300, "g": 12345678901234567890.5}`, ""},
		{`{"truncated": `, ""}, // left to the decoder
	} {
		err := checkBody([]byte(tc.body))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.body, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want %q", tc.body, err, tc.want)
		}
	}
	for ptr, want := range map[string]string{"": "", "/metadata/n": ".metadata.n", "/parameters/0/value": ".parameters[0].value", "/m/a~1b~0": ".m.a/b~"} {
		if got := pointerLocation(ptr); got != want {
			t.Errorf("pointerLocation(%q) = %q, want %q", ptr, got, want)
		}
	}
}
