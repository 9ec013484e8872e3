package namekey_test

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/enrollhq/enroll/namekey"
)

func TestFold(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"Zola", "zola"},
		{"O'Brien-Smith", "o'brien-smith"},
		{"Émile", "emile"},
		{"ÉMILE", "emile"},
		{"e\u0301mile", "emile"}, // decomposed already
		{"Ñúñez", "nunez"},
		{"Øster", "oster"},
		{"Łukasz", "lukasz"},
		{"Straße", "strasse"},
		{"ẞ", "ss"},
		{"Ærø", "aero"},
		{"Œuvre", "oeuvre"},
		{"Þór", "thor"},
		{"Đorđe", "dorde"},
		{"Guðrún", "gudrun"},
		{"Kılıç", "kilic"},
		{"İstanbul", "istanbul"},
		{"Ħal", "hal"},
		{"Paŀla", "palla"},
		{"ǅemal", "dzemal"},
		{"ﬁnn", "finn"},
		{"Ｍüller", "muller"},
		{"Σίσυφος", "σισυφοσ"},
		{"Крылов", "крылов"},
		{"Йогурт", "иогурт"},
		{"がっこう", "かっこう"},
		{"한국", "한국"},
		{"王", "王"},
		{"\u212Aelvin", "kelvin"}, // the Kelvin sign
	} {
		if got := namekey.Fold(c.in); got != c.want {
			t.Errorf("Fold(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestOf(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"Zola", "zola"},
		{"Müller", "muller" + namekey.Separator + "müller"},
		{"MÜLLER", "muller" + namekey.Separator + "müller"},
		{"İstanbul", "istanbul"},
		{"王", "王"},
		{"Крылов", "крылов"},
	} {
		if got := namekey.Of(c.in); got != c.want {
			t.Errorf("Of(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestOfPhoneBook sorts names by their keys, compared as bytes as both
// stores compare them: accents and case are ignored but for ties, where
// the unaccented name comes first.
func TestOfPhoneBook(t *testing.T) {
	t.Parallel()
	want := []string{"Abel", "Ærø", "Émile", "Emilia", "Łukasz", "Lund", "Muller", "Müller", "Mullers", "Ñúñez", "Nunn", "Øster", "Ostrom", "Zola"}
	got := slices.Clone(want)
	slices.Reverse(got)
	slices.SortStableFunc(got, func(a, b string) int { return strings.Compare(namekey.Of(a), namekey.Of(b)) })
	if !slices.Equal(got, want) {
		t.Errorf("sorted by key: %q, want %q", got, want)
	}
}

// TestFoldEveryRune checks, for every code point, what the stores and the
// migration rely on: the key of a name whose lower case is ASCII is that
// lower case (so only rows with a non-ASCII byte need a new key), a
// search prefix folded again is unchanged, and a key never holds an
// upper-case letter or a nonspacing mark.
func TestFoldEveryRune(t *testing.T) {
	t.Parallel()
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		s := string(r) + "x"
		f := namekey.Fold(s)
		if l := strings.ToLower(s); isASCII(l) && (f != l || namekey.Of(s) != l) {
			t.Errorf("%U: Fold %q, Of %q, want ToLower's %q", r, f, namekey.Of(s), l)
		}
		if ff := namekey.Fold(f); ff != f {
			t.Errorf("%U: Fold(Fold) %q, Fold %q", r, ff, f)
		}
		for _, c := range f {
			if unicode.Is(unicode.Mn, c) || (unicode.IsUpper(c) && unicode.ToLower(c) != c) {
				t.Errorf("%U: Fold %q holds %U", r, f, c)
			}
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func BenchmarkOf(b *testing.B) {
	for _, name := range []string{"Homeowner", "Ñúñez-Łukasiewicz"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				namekey.Of(name)
			}
		})
	}
}

// TestKeyLength: a key never outgrows namekey.MaxKeyLength, whatever folding
// makes of a name of enroll.MaxNameLength characters, and stays valid
// UTF-8; a search as long as a cut key still finds it.
func TestKeyLength(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		strings.Repeat("ﷺ", 256),
		strings.Repeat("é", 256),
		strings.Repeat("㍿", 256),
		"a" + strings.Repeat("ǅ", 255),
		strings.Repeat("z", 256),
	} {
		k := namekey.Of(name)
		if len(k) > namekey.MaxKeyLength || !utf8.ValidString(k) {
			t.Errorf("Of(%.12q...) is %d bytes (valid UTF-8: %v), want at most %d", name, len(k), utf8.ValidString(k), namekey.MaxKeyLength)
		}
		if p := namekey.Prefix(name); p == "" || !strings.HasPrefix(k, p) {
			t.Errorf("Prefix(%.12q...) = %.12q..., not a start of its key", name, p)
		}
	}
	if k := namekey.Of(strings.Repeat("Z", 256)); k != strings.Repeat("z", 256) {
		t.Errorf("an ASCII name's key was cut: %d bytes", len(k))
	}
}

// TestPrefixEmpty: a search of combining marks alone has no prefix.
func TestPrefixEmpty(t *testing.T) {
	t.Parallel()
	for _, q := range []string{"\u0301", "\u0301\u0308", ""} {
		if p := namekey.Prefix(q); p != "" {
			t.Errorf("Prefix(%q) = %q, want \"\"", q, p)
		}
	}
}

// TestLaterWords: the words after a name's first, from its folded part,
// split at spaces, then its parts after the first, split at spaces,
// hyphens and apostrophes.
func TestLaterWords(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		want []string
	}{
		{"Berg", nil},
		{"", nil},
		{"van der Berg", []string{"der", "berg"}},
		{"Mary Ann", []string{"ann"}},
		{"  Mary   Ann  ", []string{"ann"}},
		{"Ann Ann Marie", []string{"ann", "marie"}},
		{"Östen Ångström", []string{"angstrom"}},                                       // from the folded part, not the one after Separator
		{"Mary\u00a0Ann", []string{"ann"}},                                             // a no-break space folds to a space
		{"Mary\tAnn", nil},                                                             // words are split at spaces only
		{"Jean-Luc Picard", []string{"picard", "luc"}},                                 // and parts at hyphens
		{"Jean-Luc", []string{"luc"}},                                                  // a name of one word too
		{"O'Brien", []string{"brien"}},                                                 // and at apostrophes
		{"Smith Mary-Ann", []string{"mary-ann", "mary", "ann"}},                        // a word whole and its parts
		{"d'Arc O'Hara", []string{"o'hara", "arc", "o", "hara"}},                       // each part once
		{"-Luc--'x'", []string{"x"}},                                                   // runs of them count as one
		{"Ann-Ann Marie", []string{"marie", "ann"}},                                    // each word once
		{"ǅemal Bijedić", []string{"bijedic"}},                                         // folded with its letters
		{"a " + strings.Repeat("㍿", 200), []string{strings.Repeat("株式会社", 200)[:510]}}, // as the key is cut
	} {
		if got := namekey.LaterWords(namekey.Of(c.name)); !slices.Equal(got, c.want) {
			t.Errorf("LaterWords(Of(%.20q)) = %q, want %q", c.name, got, c.want)
		}
	}
}
