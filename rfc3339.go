package enroll

import (
	"fmt"
	"strings"
	"time"
)

// ParseTime reads an RFC 3339 date-time a user sent: a query parameter, a
// CSV cell, a parameter value, a command-line flag. RFC 3339 §5.6 lets the
// "T" separator and the "Z" suffix be written in lower case
// ("2026-01-02t03:04:05z"), which time.Parse refuses; ParseTime takes
// them. Besides the time it returns s in its usual upper-case form, for
// callers that keep or pass on the text: Enroll stores and answers only
// that form, as its own times are written and as CEL's timestamp() reads.
func ParseTime(s string) (time.Time, string, error) {
	upper := s
	// These are the only letters a date-time holds, each in one place:
	// the separator after YYYY-MM-DD, and Z for UTC at the end. A "t" or
	// "z" anywhere else leaves the text invalid, as it should.
	if len(upper) > 10 && upper[10] == 't' {
		upper = upper[:10] + "T" + upper[11:]
	}
	if strings.HasSuffix(upper, "z") {
		upper = upper[:len(upper)-1] + "Z"
	}
	t, err := time.Parse(time.RFC3339, upper)
	if err != nil && LeapSecond(upper) {
		return time.Time{}, "", fmt.Errorf("%q %s", s, LeapSecondRefusal)
	}
	if err != nil {
		return time.Time{}, "", fmt.Errorf("not an RFC 3339 date-time such as 2026-01-02T03:04:05Z: %w", err)
	}
	if !validOffset(t) {
		return time.Time{}, "", fmt.Errorf("not an RFC 3339 date-time such as 2026-01-02T03:04:05Z: its UTC offset must be between -23:59 and +23:59")
	}
	return t, upper, nil
}

// LeapSecondRefusal says why a leap second (23:59:60Z), which RFC 3339
// allows, is refused wherever a time is read: Go's times, the stores'
// and CEL's have no leap seconds, so it could be kept only as another
// time than the one sent.
const LeapSecondRefusal = "is a leap second (:60), which RFC 3339 allows but Enroll does not take, as its times have none: " +
	"send the second before (:59) or after (:00 of the next minute)"

// LeapSecond reports whether s is an RFC 3339 date-time (in either case,
// as ParseTime reads it) but for its seconds being 60.
func LeapSecond(s string) bool {
	if len(s) < 20 || s[16] != ':' || s[17:19] != "60" {
		return false
	}
	_, _, err := ParseTime(s[:17] + "59" + s[19:])
	return err == nil
}
