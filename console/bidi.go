package console

import (
	"strings"

	"golang.org/x/text/unicode/bidi"
)

// Unicode's directional isolates (UAX #9): what stands between them takes
// its own direction, and neither it nor its unclosed overrides reorder the
// text around it. The text-level twin of HTML's <bdi>, so that it also
// works where only text goes: a flash message, a menu's option, the
// confirmation dialog's title, a page's <title>.
const (
	firstStrongIsolate    = "\u2068"
	popDirectionalIsolate = "\u2069"
)

// isolate wraps text that people typed (a participant's name, a program's
// or an instance's) in directional isolates when it could reorder the
// console's words around it: when it holds right-to-left letters or
// digits, or explicit direction controls such as U+202E, which would
// otherwise turn "Ann\u202e Smith is now approved." into "Ann.devorppa won
// si htimS". Other text, most of it, is returned as it is.
func isolate(s string) string {
	for _, r := range s {
		p, _ := bidi.LookupRune(r)
		switch c := p.Class(); {
		case c == bidi.R, c == bidi.AL, c == bidi.AN, c == bidi.Control, c > bidi.Control:
			return firstStrongIsolate + balanceIsolates(s) + popDirectionalIsolate
		}
	}
	return s
}

// balanceIsolates returns s without the U+2069 that close no isolate of
// its own, and with one added for each isolate it leaves open: a name's
// stray U+2069 would otherwise close the console's isolate around it, and
// an override after it reorder the console's words again ("Ann\u2069\u202e"),
// and an isolate it opened would take the closing U+2069 for its own. The
// closing U+2069 then also ends what s embeds or overrides. Both are
// invisible, so the name reads the same.
func balanceIsolates(s string) string {
	if !strings.ContainsAny(s, "\u2066\u2067\u2068\u2069") {
		return s
	}
	var b strings.Builder
	open := 0
	for _, r := range s {
		switch r {
		case '\u2066', '\u2067', '\u2068': // LRI, RLI, FSI
			open++
		case '\u2069': // PDI
			if open == 0 {
				continue
			}
			open--
		}
		b.WriteRune(r)
	}
	b.WriteString(strings.Repeat(popDirectionalIsolate, open))
	return b.String()
}
