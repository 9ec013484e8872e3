// Package namekey turns a person's name into the key the stores sort and
// search enrollments by: lower case with the accents removed, so that
// names sort as in a phone book (Émile among the e's, not after z) and a
// search for "emile" finds Émile. Both stores store its keys, so they
// must agree byte for byte; it lives outside the domain package, which
// imports only the standard library.
package namekey

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Separator joins a key's folded name to the lower-cased name it was
// folded from (see Of). It sorts before every character a name can hold,
// so Muller sorts just before Müller and both before Mullers (a control
// character, which no one types in a name or a search).
const Separator = "\x01"

// Of returns the stored key of name: Fold(name), followed, when folding
// removed more than case, by Separator and the name in lower case. The
// suffix orders names that fold alike (Muller, Müller, Mùller) by their
// accents after their letters, as a phone book does; rows whose whole
// keys are equal are ordered by id. A prefix of Fold(name) is a prefix
// of the key, which is what a search needs. For a name in ASCII the key
// is strings.ToLower(name), what the stores kept before.
//
// A key is at most MaxKeyLength bytes, cut at a character's start:
// folding can make a name many times longer (ﷺ is 18 letters), and a
// list's page token carries the key of its last row.
func Of(name string) string {
	f := Fold(name)
	if isASCII(name) {
		return f
	}
	if l := strings.ToLower(name); l != f {
		return cut(f + Separator + l)
	}
	return cut(f)
}

// MaxKeyLength is the most bytes a key holds. A name in ASCII, at most
// 256 characters (enroll.MaxNameLength), is never cut.
const MaxKeyLength = 512

// Prefix returns what a search for q matches the keys' start against:
// Fold(q), cut as Of cuts keys, so that a search as long as a cut key
// still finds it. It is "" when q holds nothing a key can start with
// (only combining marks, say): such a search matches no name.
func Prefix(q string) string { return cut(Fold(q)) }

// cut returns the longest start of s of at most MaxKeyLength bytes that
// ends at a character's end.
func cut(s string) string {
	if len(s) <= MaxKeyLength {
		return s
	}
	i := MaxKeyLength
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// Fold returns s in lower case, with its characters decomposed
// (compatibility decomposition, NFKD) and their nonspacing marks removed,
// and the letters that do not decompose (ß, æ, ø, ł, þ...) spelled with
// the ASCII letters a phone book files them under. Fold(s) is
// strings.ToLower(s) for every s in ASCII, and for every s whose lower
// case is in ASCII.
func Fold(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	b := make([]byte, 0, len(s)+4)
	for _, r := range s {
		r = unicode.ToLower(r)
		if r < utf8.RuneSelf {
			b = append(b, byte(r))
			continue
		}
		if l, ok := letters[r]; ok {
			b = append(b, l...)
			continue
		}
		if unicode.Is(unicode.Mn, r) {
			continue // a mark written apart from its letter
		}
		var buf [utf8.UTFMax]byte
		n := utf8.EncodeRune(buf[:], r)
		d := norm.NFKD.Properties(buf[:n]).Decomposition()
		if d == nil {
			b = appendLetter(b, r)
			continue
		}
		for _, c := range string(d) {
			if !unicode.Is(unicode.Mn, c) {
				b = appendLetter(b, unicode.ToLower(c))
			}
		}
	}
	return string(b)
}

// appendLetter appends r, a lower-case character, or its spelling in
// letters.
func appendLetter(b []byte, r rune) []byte {
	if s, ok := letters[r]; ok {
		return append(b, s...)
	}
	return utf8.AppendRune(b, r)
}

// letters spell the lower-case letters that have no decomposition into a
// base letter and marks (and ŀ, whose compatibility decomposition keeps
// its middle dot).
var letters = map[rune]string{
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d",
	'þ': "th", 'ı': "i", 'ħ': "h", 'ŧ': "t", 'ŀ': "l", 'ƒ': "f", 'ǥ': "g",
	'ɨ': "i", 'ʉ': "u", 'ɍ': "r", 'ƀ': "b", 'ȼ': "c", 'ɇ': "e", 'ɉ': "j",
	'ς': "σ",
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// LaterWords returns the words of key's folded name (its part before
// Separator) after the first, each once, in their order: "der berg" and
// "berg" are not both kept, only "der" and "berg". Words are split at
// spaces (a no-break space folds to one), runs of them counting as one;
// then the name split at hyphens and apostrophes too gives its parts
// after the first, so that "luc" matches Jean-Luc and "brien" O'Brien,
// while "mary-ann" still begins a word of Smith Mary-Ann. A search word
// matches a name when it begins the key or one of these, so a name of
// one word without either has none and costs the stores nothing. The
// stores compute the same in SQL (SQLite's migrations and integrity
// check, PostgreSQL's index expression), and the three must agree.
func LaterWords(key string) []string {
	fold, _, _ := strings.Cut(key, Separator)
	if !strings.ContainsAny(fold, WordSeparators) {
		return nil
	}
	var out []string
	for _, words := range [][]string{
		strings.FieldsFunc(fold, func(r rune) bool { return r == ' ' }),
		strings.FieldsFunc(fold, func(r rune) bool { return strings.ContainsRune(WordSeparators, r) }),
	} {
		for _, w := range words[min(1, len(words)):] {
			if !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
	}
	return out
}

// WordSeparators are the characters LaterWords splits a name at: a
// space, a hyphen and an apostrophe.
const WordSeparators = " -'"
