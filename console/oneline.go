package console

import (
	"strings"

	"github.com/enrollhq/enroll"
)

// A one-line field (<input type="text">) cannot hold a line break: the
// browser drops those of the value the page gives it (HTML's value
// sanitization), and sends the rest back. The API takes line breaks in
// an instance's name and in a rule's name and reason, so a form saved
// unchanged would otherwise change them silently: the name renamed, the
// reason's lines run together and a new rules version started.

// lineBreaks removes what a one-line field drops.
var lineBreaks = strings.NewReplacer("\r", "", "\n", "")

// keepLineBreaks returns stored when posted is what a one-line field
// showing stored sends back unchanged, and posted otherwise.
func keepLineBreaks(posted, stored string) string {
	if posted != stored && posted == lineBreaks.Replace(stored) {
		return stored
	}
	return posted
}

// keepRuleLineBreaks returns the rules posted with the name and reason of
// each that a stored rule (of the same expression) showed unchanged taken
// from the stored rule. Rule names are unique, so a posted rule matches
// one stored rule at most.
func keepRuleLineBreaks(posted, stored []enroll.Rule) []enroll.Rule {
	out := make([]enroll.Rule, len(posted))
	for i, p := range posted {
		out[i] = p
		for _, s := range stored {
			if s.Expression == p.Expression && lineBreaks.Replace(s.Name) == p.Name && lineBreaks.Replace(s.Reason) == p.Reason {
				out[i].Name, out[i].Reason = s.Name, s.Reason
				break
			}
		}
	}
	return out
}
