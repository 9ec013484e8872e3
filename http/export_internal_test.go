package http

import "testing"

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
