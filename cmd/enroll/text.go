package main

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// shown is stored free text (a key's name, a column an import file
// names) as the CLI prints it to a terminal: as it is when every
// character prints as itself, quoted with its escapes (strconv.Quote)
// otherwise. A control character printed raw could move the cursor,
// clear the screen, set the window's title, or start a line that reads
// as another table row; a bidirectional override could reorder it.
func shown(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, func(r rune) bool { return !strconv.IsPrint(r) }) < 0 {
		return s
	}
	return strconv.Quote(s)
}
