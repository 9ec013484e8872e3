package http

import "testing"

func TestWantsCSV(t *testing.T) {
	t.Parallel()
	for accept, want := range map[string]bool{
		"":                                   false,
		"*/*":                                false,
		"application/json":                   false,
		"text/csv":                           true,
		"text/csv; charset=utf-8":            true,
		"text/csv, application/json":         false, // a tie goes to the default
		"text/csv, application/json;q=0.9":   true,
		"application/json;q=0.1, text/csv":   true,
		"text/csv;q=0.5, */*":                false,
		"text/csv;q=0":                       false,
		"text/html, text/csv;q=0.8":          true,
		"text/csv;q=abc":                     false,
		"garbage;;;, text/csv":               true,
		"application/*;q=0.2, text/csv;q=.3": true,
	} {
		if got := wantsCSV(accept); got != want {
			t.Errorf("wantsCSV(%q) = %v, want %v", accept, got, want)
		}
	}
}

func TestImportFormat(t *testing.T) {
	t.Parallel()
	for ct, want := range map[string]string{
		"text/csv": "csv", "text/csv; charset=UTF-8": "csv", "application/csv": "csv",
		"application/x-ndjson": "ndjson", "application/jsonl": "ndjson",
		"application/json": "", "text/csv; charset=latin1": "", "": "", "text/plain": "",
	} {
		if got, _ := importFormat(ct); got != want {
			t.Errorf("importFormat(%q) = %q, want %q", ct, got, want)
		}
	}
}
