package http

import "testing"

// TestWantsCSV: Accept is read by RFC 9110 §12.5.1 — each representation
// takes the quality of the most specific range matching it, JSON wins a
// tie, and a header nothing matches is disregarded (JSON).
func TestWantsCSV(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		accept []string
		want   bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"*/*"}, false},
		{[]string{"application/json"}, false},
		{[]string{"application/*"}, false},
		{[]string{"text/csv"}, true},
		{[]string{"TEXT/CSV"}, true},
		{[]string{"text/*"}, true}, // matches CSV, not JSON
		{[]string{"text/*, */*;q=0.9"}, true},
		{[]string{"text/*, */*"}, false}, // a tie
		{[]string{"text/*;q=0.5, application/*;q=0.4"}, true},
		{[]string{"text/*, application/json"}, false},
		{[]string{"text/*, text/csv;q=0"}, false}, // the exact range overrides text/*: nothing acceptable
		{[]string{"*/*;q=0.1, text/csv"}, true},
		{[]string{"*/*, text/csv;q=0"}, false},
		{[]string{"*/*;q=0.5, text/*;q=0.6"}, true},
		{[]string{"text/csv; charset=utf-8"}, true},
		{[]string{`text/csv; charset="UTF-8"`}, true},
		{[]string{"text/csv; header=present, application/json;q=0.9"}, true},
		{[]string{"text/csv; charset=latin1"}, false},            // not what the export is: nothing acceptable
		{[]string{"text/csv;charset=utf-8, text/csv;q=0"}, true}, // the range with parameters is more specific
		{[]string{"text/csv, application/json"}, false},          // a tie goes to the default
		{[]string{"text/csv, application/json;q=0.9"}, true},
		{[]string{"application/json;q=0.1, text/csv"}, true},
		{[]string{"text/csv;q=0.5, */*"}, false},
		{[]string{"text/csv;q=0"}, false},
		{[]string{"text/html, text/csv;q=0.8"}, true},
		{[]string{"text/csv;q=abc"}, false},
		{[]string{"text/csv;q=2"}, false},
		{[]string{"text/csv;q=0.8;ext=1, application/json;q=0.7"}, true}, // an extension after q is not a parameter
		{[]string{"garbage;;;, text/csv"}, true},
		{[]string{"application/*;q=0.2, text/csv;q=.3"}, true},
		{[]string{"image/png"}, false}, // nothing acceptable: JSON, as elsewhere
		{[]string{"text/html, image/gif, *; q=.2, */*; q=.2"}, false},
		{[]string{"application/json;q=0.5", "text/csv"}, true},            // several lines are one list
		{[]string{`text/csv;x="a,b";q=1, application/json;q=0.5`}, false}, // x is no parameter of the export; the comma is quoted
	} {
		if got := wantsCSV(c.accept); got != c.want {
			t.Errorf("wantsCSV(%q) = %v, want %v", c.accept, got, c.want)
		}
	}
}
