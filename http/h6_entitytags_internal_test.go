package http

import (
	"slices"
	"testing"
)

// TestH6EntityTags splits If-Match values by RFC 9110's grammar: quoted
// tags (a comma inside one is part of it), W/ for weak ones, "*", empty
// elements and blanks skipped; anything else refused.
func TestH6EntityTags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
		ok   bool
	}{
		{`"a"`, []string{`"a"`}, true},
		{`"a", W/"b",*`, []string{`"a"`, `W/"b"`, "*"}, true},
		{" ,\t\"a,b\" ,, ", []string{`"a,b"`}, true},
		{`""`, []string{`""`}, true},
		{"\"caf\xc3\xa9\"", []string{"\"caf\xc3\xa9\""}, true},
		{``, nil, true},
		{`a`, nil, false},
		{`"a`, nil, false},
		{`a"`, nil, false},
		{`W/a`, nil, false},
		{`w/"a"`, nil, false},
		{`"a" "b"`, nil, false},
		{`"a"b`, nil, false},
		{`"a b"`, nil, false},
		{"\"a\x7f\"", nil, false},
		{`**`, nil, false},
	} {
		got, ok := entityTags(tc.in)
		if ok != tc.ok || !slices.Equal(got, tc.want) {
			t.Errorf("entityTags(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
