package enroll

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// ListedReason is prefix, then names separated by commas, then suffix,
// within MaxTextLength characters: the names that do not fit are counted
// instead ("a, b and 98 more"). Reasons the service writes itself (the
// rules an enrollment meets, the parameters it lacks) are held to the
// limit of a reason a reviewer types, which they would otherwise pass
// with many long names and make every write of the enrollment refused.
func ListedReason(prefix string, names []string, suffix string) string {
	if full := prefix + strings.Join(names, ", ") + suffix; utf8.RuneCountInString(full) <= MaxTextLength {
		return full
	}
	// Room for the names: what the prefix, the suffix and the count of
	// the rest leave.
	room := MaxTextLength - utf8.RuneCountInString(prefix) - utf8.RuneCountInString(suffix) - len(" and 1000 more")
	var b strings.Builder
	b.WriteString(prefix)
	used := 0
	for i, n := range names {
		part := n
		if i > 0 {
			part = ", " + n
		}
		if used+utf8.RuneCountInString(part) > room {
			b.WriteString(" and " + strconv.Itoa(len(names)-i) + " more")
			break
		}
		b.WriteString(part)
		used += utf8.RuneCountInString(part)
	}
	b.WriteString(suffix)
	return b.String()
}
