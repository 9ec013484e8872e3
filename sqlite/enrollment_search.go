package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/namekey"
)

// q, a prefix of the first name, last name, email or reference id, is
// four ranges "col >= q AND col < upper(q)", each on an index (migration
// 00016), OR-ed so that SQLite reads the union of the four (its
// multi-index OR). It matches what LIKE 'q%' matches: the names' keys
// (namekey.Of) begin with the folded name, which q is matched folded
// against (without case or accents: "emile" finds Émile); emails are
// stored lower-cased, and LIKE folded ASCII only on the reference id, as
// SQLite's lower() does, so q is only lower-cased for those. The columns
// compare as bytes (BINARY), and in UTF-8 a prefix's strings are exactly
// the byte range. A word also begins a name when it begins one of the
// name's later words (enrollment_name_words, namewords.go): a fifth
// range, on that table's index, whose enrollments are read by id. A q of
// several words reads the ranges of its longest word and of q whole, and
// tests its other words with LIKE and a probe of the enrollment's later
// words (qSearch).

// searchCol is a column q reads: the expression its index holds and the
// condition of that index, when partial.
type searchCol struct {
	expr, partial string
	// name says the column holds names' keys, matched by q folded.
	name bool
	// instance says the index leads with (workspace_id, instance_id): a
	// workspace-wide list names the workspace's instances for it.
	instance bool
	// words says expr is enrollment_name_words' word, whose range gives
	// the ids of the enrollments it matches.
	words bool
	// ref says expr is the reference id's, matched by prefix.ref.
	ref bool
}

var searchCols = [...]searchCol{
	{expr: "first_name", instance: true, name: true},
	{expr: "last_name", instance: true, name: true},
	{expr: "email_norm", partial: "email_norm <> ''"},
	{expr: "lower(reference_id)", partial: "reference_id <> ''", ref: true},
	{expr: "word", instance: true, name: true, words: true},
}

// workspaceInstances is the condition naming a workspace's instances.
const workspaceInstances = "instance_id IN (SELECT id FROM program_instances WHERE workspace_id = ?)"

// prefix is q as the lists match it: folded for the names' keys,
// lower-cased for the emails and reference ids. phrase says it is a q of
// several words whole, which begins no later word of a name (a word
// holds no space) and is not matched against them.
type prefix struct {
	name, text string
	// ref is the prefix of the reference id, lower-cased in ASCII only
	// as the column is (enroll.ReferencePrefix).
	ref    string
	phrase bool
}

// searchPrefix returns q's prefix as the lists match it (text "" for
// none; name "" when q matches no name, as a q of combining marks alone).
func searchPrefix(q string) prefix {
	q = strings.TrimSpace(q)
	return prefix{name: namekey.Prefix(q), text: strings.ToLower(q), ref: enroll.ReferencePrefix(q)}
}

// qSearch is q's condition: the prefixes whose ranges are read, and those
// tested on the rows found. One word is read alone. Several are read as
// their longest (the fewest rows, likely) or q whole (enroll.QueryPhrase,
// a name of several words), and each other word, unless q whole matched,
// is tested on the rows: (longest OR whole) AND (others OR whole), which
// is (every word) OR whole.
type qSearch struct {
	read, rest []prefix
	whole      prefix // when rest is not empty
}

// searchOf returns q's search; read is empty for a q without words.
func searchOf(q string) qSearch {
	words := enroll.QueryWords(q)
	if len(words) == 0 {
		return qSearch{}
	}
	if len(words) == 1 {
		return qSearch{read: []prefix{searchPrefix(words[0])}}
	}
	long := 0
	for i, w := range words {
		if len(w) > len(words[long]) {
			long = i
		}
	}
	s := qSearch{whole: searchPrefix(enroll.QueryPhrase(q))}
	s.whole.phrase = true
	s.read = []prefix{searchPrefix(words[long]), s.whole}
	for i, w := range words {
		if i != long {
			s.rest = append(s.rest, searchPrefix(w))
		}
	}
	return s
}

// cols returns the columns p is matched against: not the names' when p
// matches no name, whose empty prefix would match every one, and not the
// later words when p is a phrase.
func (p prefix) cols() []searchCol {
	var out []searchCol
	for _, c := range searchCols {
		if (!c.name || p.name != "") && (!c.words || !p.phrase) {
			out = append(out, c)
		}
	}
	return out
}

// of returns the prefix column c is matched by.
func (p prefix) of(c searchCol) string {
	switch {
	case c.name:
		return p.name
	case c.ref:
		return p.ref
	}
	return p.text
}

// prefixEnd returns the least string greater than every string that
// starts with p, comparing bytes, and false when there is none (p is all
// 0xFF bytes, never valid UTF-8).
func prefixEnd(p string) (string, bool) {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xFF {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// searchRange returns col's condition for prefix p in f's scope and its
// arguments. Each range names its workspace and instances itself: the
// list's own terms for them are unindexable (enrollmentWhere), or SQLite,
// which plans without statistics, reads the instance's rows through any
// one of its indexes instead of the ranges' union. The later words' range
// is the ids it finds, which SQLite looks up by the primary key.
func searchRange(c searchCol, q prefix, wsID string, f *enroll.EnrollmentFilter) (string, []any) {
	cond, args := searchRangeOf(c, q, wsID, f)
	if c.words {
		cond = "id IN (SELECT enrollment_id FROM enrollment_name_words WHERE " + cond + ")"
	}
	return cond, args
}

// searchRangeOf returns the condition of col's range for prefix p in f's
// scope, on col's own table.
func searchRangeOf(c searchCol, q prefix, wsID string, f *enroll.EnrollmentFilter) (string, []any) {
	p := q.of(c)
	var w where
	w.add("workspace_id = ?", wsID)
	switch {
	case f.ProgramInstanceID != "":
		w.add("instance_id = ?", f.ProgramInstanceID)
	case len(f.ProgramInstanceIDs) > 0:
		in(&w, "instance_id", f.ProgramInstanceIDs)
	case c.instance:
		w.add(workspaceInstances, wsID)
	}
	w.add(c.expr+" >= ?", p)
	if end, ok := prefixEnd(p); ok {
		w.add(c.expr+" < ?", end)
	}
	if c.partial != "" {
		w.add(c.partial)
	}
	return w.sql(), w.args
}

// addSearch adds q's condition s to w: the ranges of its read prefixes
// when indexed, otherwise the LIKE filter that a list read by another
// index (a status's, an identity's, its sort's) tests row by row; and its
// other words' LIKE filter.
func addSearch(w *where, wsID string, f *enroll.EnrollmentFilter, s qSearch, indexed bool) {
	var conds []string
	var args []any
	for _, p := range s.read {
		if !indexed {
			cond, a := likeSearch(p)
			conds = append(conds, cond)
			args = append(args, a...)
			continue
		}
		for _, c := range p.cols() {
			cond, a := searchRange(c, p, wsID, f)
			conds = append(conds, cond)
			args = append(args, a...)
		}
	}
	if len(conds) == 1 {
		w.add(conds[0], args...)
	} else {
		w.add("("+strings.Join(conds, " OR ")+")", args...)
	}
	if len(s.rest) == 0 {
		return
	}
	conds, args = nil, nil
	for _, p := range s.rest {
		cond, a := likeSearch(p)
		conds = append(conds, cond)
		args = append(args, a...)
	}
	cond, a := likeSearch(s.whole)
	w.add("(("+strings.Join(conds, " AND ")+") OR "+cond+")", append(args, a...)...)
}

// likeSearch returns the LIKE condition of prefix p, which no index
// serves (the columns compare as BINARY, and LIKE ignores ASCII case).
// LIKE's wildcards in p are escaped. A word's later-words test is a range
// of the enrollment's rows of enrollment_name_words, a probe of its
// primary key, made only for names holding a space, a hyphen or an
// apostrophe (severalWords): a walk through the
// sort's index tests every row it passes, most of them named in one
// word, and a probe of each made a walk past 500,000 of them at a million
// enrollments 2.5 times as long.
func likeSearch(p prefix) (string, []any) {
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	n, l, r := esc.Replace(p.name)+"%", esc.Replace(p.text)+"%", esc.Replace(p.ref)+"%"
	if p.name == "" {
		return `(email_norm LIKE ? ESCAPE '\' OR reference_id LIKE ? ESCAPE '\')`, []any{l, r}
	}
	cond := `first_name LIKE ? ESCAPE '\' OR last_name LIKE ? ESCAPE '\' OR email_norm LIKE ? ESCAPE '\' OR reference_id LIKE ? ESCAPE '\'`
	args := []any{n, n, l, r}
	if !p.phrase {
		words := "word >= ?"
		args = append(args, p.name)
		if end, ok := prefixEnd(p.name); ok {
			words += " AND word < ?"
			args = append(args, end)
		}
		cond += " OR " + severalWords + " AND EXISTS (SELECT 1 FROM enrollment_name_words WHERE enrollment_id = enrollments.id AND " + words + ")"
	}
	return "(" + cond + ")", args
}

// severalWords says an enrollment's names hold a character that
// namekey.LaterWords splits at: only those have rows of
// enrollment_name_words.
const severalWords = `(instr(first_name, ' ') > 0 OR instr(last_name, ' ') > 0 OR instr(first_name, '-') > 0 OR instr(last_name, '-') > 0 OR instr(first_name, '''') > 0 OR instr(last_name, '''') > 0)`

// searchFew reports whether search s matches few enough enrollments in
// f's instances for its page to be read through the ranges and
// sorted rather than by walking the sort's index: by fewMatches' rule,
// n ≤ fewRows and n² ≤ 4·(perPage+1)·t, with n bounded by the sum of the
// ranges' counts (five a word reads), each read on its index and stopped
// past fewRows.
func (db *DB) searchFew(ctx context.Context, q querier, wsID string, f *enroll.EnrollmentFilter, s qSearch) (bool, error) {
	var sums []string
	var args []any
	for _, p := range s.read {
		for _, c := range p.cols() {
			// The later words' range is counted on its own table.
			cond, a := searchRangeOf(c, p, wsID, f)
			table := "enrollments"
			if c.words {
				table = "enrollment_name_words"
			}
			sums = append(sums, "(SELECT COUNT(*) FROM (SELECT 1 FROM "+table+" WHERE "+cond+" LIMIT ?))")
			args = append(append(args, a...), db.fewRows+1)
		}
	}
	var n int
	if err := q.QueryRowContext(ctx, "SELECT "+strings.Join(sums, " + "), args...).Scan(&n); err != nil {
		return false, fmt.Errorf("sqlite: count q's matches: %w", err)
	}
	if n > db.fewRows {
		return false, nil
	}
	all := enroll.EnrollmentFilter{ProgramInstanceID: f.ProgramInstanceID, ProgramInstanceIDs: f.ProgramInstanceIDs}
	t, err := countCounters(ctx, q, wsID, all)
	return n*n <= 4*(f.PerPage+1)*t, err
}
