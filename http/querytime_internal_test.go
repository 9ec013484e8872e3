package http

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestQueryTime(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"2026-01-02T03:04:05Z", "2026-01-02T03:04:05Z", true},
		{"2026-01-02t03:04:05z", "2026-01-02T03:04:05Z", true},
		{"2026-01-02T03:04:05.5+02:00", "2026-01-02T03:04:05.5+02:00", true},
		// The "+" of an offset sent unencoded, read as a space.
		{"2026-01-02T03:04:05 02:00", "2026-01-02T03:04:05+02:00", true},
		{"2026-01-02t03:04:05.123 05:30", "2026-01-02T03:04:05.123+05:30", true},
		{"2026-01-02T03:04:05-02:00", "2026-01-02T03:04:05-02:00", true},
		// Still not a date-time, left as sent for Huma to refuse.
		{"", "", false},
		{"notadate", "notadate", false},
		{"2026-01-02 03:04:05Z", "2026-01-02 03:04:05Z", false},
		{"2026-01-02T03:04:05 02:00 ", "2026-01-02T03:04:05 02:00 ", false},
		{"2026-01-02T03:04:05  02:00", "2026-01-02T03:04:05  02:00", false},
		{" 2026-01-02T03:04:05Z", " 2026-01-02T03:04:05Z", false},
		{"2026-01-02T03:04:05 0200", "2026-01-02T03:04:05 0200", false},
		{"2026-01-02T03:04:05Z 02:00", "2026-01-02T03:04:05Z 02:00", false},
		{"2026-01-02", "2026-01-02", false},
	} {
		if got, ok := queryTime(c.in); got != c.want || ok != c.ok {
			t.Errorf("queryTime(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// adapterContext stands for humago's context, which gives its writer.
type adapterContext struct {
	humaContext
	w http.ResponseWriter
}

func (c adapterContext) Unwrap() (*http.Request, http.ResponseWriter) { return nil, c.w }

// TestTimeQueryUnwraps: an export streamed under a rewritten query still
// reaches the adapter's writer, to flush it and push its deadline.
func TestTimeQueryUnwraps(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	if got := responseWriter(&timeQuery{humaContext: adapterContext{w: w}}); got != w {
		t.Fatalf("responseWriter = %v, want the adapter's", got)
	}
}
