package http_test

import (
	"strings"
	"testing"
)

// TestZeroTimeFilter checks that the time filters take
// 0001-01-01T00:00:00Z, the zero of Go's time.Time, as the time it is:
// nothing was created before it, so createdBefore keeps no enrollment
// (as it keeps none for 0000-01-01T00:00:00Z or a microsecond after it),
// rather than being read as no filter and listing, or exporting, every
// enrollment.
func TestZeroTimeFilter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	e.enrollIn(inst, customerInfo(nil))
	for _, v := range []string{"0001-01-01T00:00:00Z", "0001-01-01T01:00:00%2B01:00", "0001-01-01t00:00:00z"} {
		for _, path := range []string{"/v1/enrollments", "/v1/programInstances/" + inst + "/enrollments"} {
			got := e.do("GET", path+"?createdBefore="+v, nil).expect(200).obj()
			if n := got["totalItems"].(float64); n != 0 || len(got["data"].([]any)) != 0 {
				t.Errorf("%s?createdBefore=%s: %v enrollments, want none", path, v, n)
			}
			csv := e.do("GET", path+"?createdBefore="+v, nil, withHeader("Accept", "text/csv")).expect(200)
			if lines := strings.Count(strings.TrimSpace(string(csv.Body)), "\n"); lines != 0 {
				t.Errorf("%s?createdBefore=%s as CSV: %d rows, want none", path, v, lines)
			}
		}
		// Every enrollment was created and updated after it.
		for _, p := range []string{"createdAfter", "updatedAfter"} {
			if n := e.do("GET", "/v1/enrollments?"+p+"="+v, nil).expect(200).obj()["totalItems"].(float64); n != 1 {
				t.Errorf("%s=%s: %v enrollments, want 1", p, v, n)
			}
		}
	}
}
