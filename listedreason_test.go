package enroll_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/enrollhq/enroll"
)

// TestListedReason checks that a reason listing names stays within
// MaxTextLength, counting the names that do not fit.
func TestListedReason(t *testing.T) {
	t.Parallel()
	many := func(n, size int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = strings.Repeat("é", size-3) + string(rune('a'+i%26)) + "00"
		}
		return out
	}
	for _, c := range []struct {
		name  string
		names []string
		want  string // a part of the reason; "" for none
	}{
		{"few", []string{"a", "b"}, "Rules: a, b."},
		{"100 of 45", many(100, 45), " more."},
		{"100 of 256", many(100, 256), " more."},
	} {
		got := enroll.ListedReason("Rules: ", c.names, ".")
		if n := utf8.RuneCountInString(got); n > enroll.MaxTextLength {
			t.Errorf("%s: %d characters", c.name, n)
		}
		if !strings.Contains(got, c.want) {
			t.Errorf("%s: %q, want %q in it", c.name, got, c.want)
		}
	}
}
