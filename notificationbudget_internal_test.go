package enroll

import (
	"fmt"
	"strings"
	"testing"
)

// formatArgs are the values printf gets in the fuzz test: the kinds a
// template's data and literals hold, and integers a * may take.
var formatArgs = []any{7, "abc", -3, 2.5, []any{"x", 1.0}, map[string]any{"k": "v", "n": nil}, 2500, true, nil, "\x00é\U0001F600"}

// FuzzFormatBound: what printf formats is never longer than the bound it
// charged (formatBound), whatever the format.
func FuzzFormatBound(f *testing.F) {
	for _, s := range []string{"%d", "%5.2f|%-*s|%[2]q", "%[%%09999d", "%[1][%0999d]", "%[3]2d%*d", "%[5]*d%*d",
		"% #x%#v%+q", "%.*d%[1]*.[2]*[3]v", "%!", "%[0]d%[]d%[99999999]d", "%[2]*[1]d", "100%% %v", "%*.*x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, format string) {
		for _, n := range []int{len(formatArgs), 3, 1, 0} {
			args := formatArgs[:n]
			bound, err := formatBound(format, args)
			if err != nil {
				return
			}
			if got := len(fmt.Sprintf(format, args...)); got > bound {
				t.Fatalf("printf %q with %d arguments wrote %d bytes, bound %d", format, len(args), got, bound)
			}
		}
	})
}

// TestFormatBound: widths and precisions past maxFormatWidth are refused
// wherever fmt would read them, and only there.
func TestFormatBound(t *testing.T) {
	t.Parallel()
	wide := strings.Repeat("%09999999d", 20)
	refused := []struct {
		format string
		args   []any
	}{
		{"%01000000d", []any{1}},
		{"%.1001f", []any{1.5}},
		{"%[%" + wide, []any{1}},         // no ]: fmt skips the [ alone
		{"%[1][" + wide + "]", []any{1}}, // a [ after an index is the verb
		{"%[2]*[1]d", []any{1, 1000000}},
		{"%*d", []any{-5000, 1}},
		{"%99999999999999999999d", []any{1}},
	}
	for _, c := range refused {
		if _, err := formatBound(c.format, c.args); err == nil {
			t.Errorf("formatBound(%q, %v) accepted", c.format, c.args)
		}
	}
	accepted := []struct {
		format string
		args   []any
	}{
		{"%-*s|%d", []any{8, "Total", 2500}}, // 2500 is printed, not a width
		{"Call 18005551234: %s", []any{"x"}},
		{"%[1]d %[1]v", []any{2026}},
		{"%1000.1000f", []any{1e300}},
	}
	for _, c := range accepted {
		n, err := formatBound(c.format, c.args)
		if err != nil {
			t.Errorf("formatBound(%q, %v): %v", c.format, c.args, err)
		} else if got := len(fmt.Sprintf(c.format, c.args...)); got > n {
			t.Errorf("formatBound(%q, %v) = %d < %d", c.format, c.args, n, got)
		}
	}
}
