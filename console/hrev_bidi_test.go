package console

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/enrollhq/enroll"
)

// openDirections returns how many directional embeddings, overrides and
// isolates are still open at the end of s, following UAX #9's rules X1-X8
// (without their depth limit): a PDF closes the last embedding or
// override unless an isolate was opened after it, a PDI closes the last
// isolate and whatever was opened after it, and a PDI with no isolate
// open does nothing.
func openDirections(s string) int {
	var isolates []bool // one per open initiator: true for an isolate
	for _, r := range s {
		switch r {
		case '\u202a', '\u202b', '\u202d', '\u202e': // LRE, RLE, LRO, RLO
			isolates = append(isolates, false)
		case '\u2066', '\u2067', '\u2068': // LRI, RLI, FSI
			isolates = append(isolates, true)
		case '\u202c': // PDF
			if n := len(isolates); n > 0 && !isolates[n-1] {
				isolates = isolates[:n-1]
			}
		case '\u2069': // PDI
			for i := len(isolates) - 1; i >= 0; i-- {
				if isolates[i] {
					isolates = isolates[:i]
					break
				}
			}
		case '\n', '\r', '\u2029':
			isolates = isolates[:0]
		}
	}
	return len(isolates)
}

// TestHrevBidiIsolateHolds: a name that closes the console's isolate
// itself (a U+2069 of its own) and then opens an override, or that leaves
// an isolate of its own open, still leaves the console's words after it
// alone: every direction the name opens is closed where the name ends.
// isolate wrapped such names as they were, so "Ann<PDI><RLO>" turned the
// flash's "is now approved." around as before the isolates.
func TestHrevBidiIsolateHolds(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.signedIn(f.secret)
	flash := regexp.MustCompile(`<div class="flash" role="status">(.*) is now approved\.</div>`)
	for i, first := range []string{"Ann\u2069\u202e", "Bob\u2067", "Cy\u2069\u2069\u202b"} {
		e := f.enroll(f.inst, first, "Smith", true, func(r *enroll.EnrollmentCreate) {
			r.Email = "bidi" + string(rune('a'+i)) + "@example.com"
		})
		page := c.get(Prefix + "/enrollments/" + e.ID).status(http.StatusOK)
		res := c.post(Prefix+"/enrollments/"+e.ID+"/status", page.decision(enroll.StatusApproved, "")).status(http.StatusOK)
		m := flash.FindStringSubmatch(res.Body)
		if m == nil {
			t.Fatalf("%q: no flash\n%s", first, res.Body)
		}
		if n := openDirections(m[1]); n != 0 {
			t.Errorf("%q: the flash's name %q leaves %d directions open over the console's words", first, m[1], n)
		}
	}
}
