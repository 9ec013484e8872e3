package enroll_test

import (
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

func TestParseTime(t *testing.T) {
	t.Parallel()
	utc := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, c := range []struct {
		in, upper string // upper "" when in is refused
		want      time.Time
	}{
		{"2026-01-02T03:04:05Z", "2026-01-02T03:04:05Z", utc},
		{"2026-01-02t03:04:05z", "2026-01-02T03:04:05Z", utc},
		{"2026-01-02t03:04:05Z", "2026-01-02T03:04:05Z", utc},
		{"2026-01-02T03:04:05z", "2026-01-02T03:04:05Z", utc},
		{"2026-01-02t03:04:05.25z", "2026-01-02T03:04:05.25Z", utc.Add(250 * time.Millisecond)},
		{"2026-01-02t05:04:05+02:00", "2026-01-02T05:04:05+02:00", utc},
		{"2026-01-01t22:04:05-05:00", "2026-01-01T22:04:05-05:00", utc},
		{"", "", time.Time{}},
		{"2026-01-02", "", time.Time{}},
		{"yesterday", "", time.Time{}},
		{"2026-01-02x03:04:05z", "", time.Time{}},
		{"2026-01-02 03:04:05Z", "", time.Time{}},
		{"2026-01-02t03:04:05zz", "", time.Time{}},
		{"2026-01-02t03:04:05", "", time.Time{}},
		{"2026-01-02t03:04:05 02:00", "", time.Time{}}, // a query's lost "+" is the HTTP layer's to restore
		{"2026-13-02t03:04:05z", "", time.Time{}},
		{"2026-01-02tt3:04:05z", "", time.Time{}},
	} {
		t.Run(c.in, func(t *testing.T) {
			t.Parallel()
			got, upper, err := enroll.ParseTime(c.in)
			if c.upper == "" {
				if err == nil {
					t.Fatalf("ParseTime(%q) = %v, %q: want an error", c.in, got, upper)
				}
				return
			}
			if err != nil || upper != c.upper || !got.Equal(c.want) {
				t.Fatalf("ParseTime(%q) = %v, %q, %v; want %v, %q", c.in, got, upper, err, c.want, c.upper)
			}
		})
	}
}
