package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportTotalRetriesRateLimit: the count `enroll export` asks for
// first, to show "N of M rows", rides out a 429 after its Retry-After as
// the export itself does, rather than leaving the progress without its
// total.
func TestExportTotalRetriesRateLimit(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	isCount := func(r *http.Request) bool {
		return r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/enrollments") && !strings.Contains(r.Header.Get("Accept"), "text/csv")
	}
	proxy, refused := h5BusyProxy(t, s.url, isCount, 1, "1", false)
	out := filepath.Join(t.TempDir(), "out.csv")
	_, stderr, err := h5Run(nil, "export", "--url", proxy, "--key", s.secret, "--instance", s.instance, "-o", out, "--progress-every", "0s")
	if err != nil || refused.Load() != 1 {
		t.Fatalf("the count answered 429 once: %v (%d refused)\n%s", err, refused.Load(), stderr)
	}
	if !strings.Contains(stderr, "again in 1s") || !strings.Contains(stderr, " of ") {
		t.Errorf("standard error does not show the wait and the total:\n%s", stderr)
	}
}
