package console

import "golang.org/x/text/unicode/bidi"

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
			return firstStrongIsolate + s + popDirectionalIsolate
		}
	}
	return s
}
