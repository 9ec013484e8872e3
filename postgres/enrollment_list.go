package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/namekey"
	"github.com/jackc/pgx/v5"
)

// ListEnrollments implements enroll.Store.
func (db *DB) ListEnrollments(ctx context.Context, wsID string, f enroll.EnrollmentFilter) (*enroll.Page[*enroll.Enrollment], error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	fh := enroll.HashFilter(f)
	c, err := f.Normalize(enroll.EnrollmentSorts, fh)
	if err != nil {
		return nil, err
	}
	var out *enroll.Page[*enroll.Enrollment]
	err = db.read(ctx, func(q pgx.Tx) error {
		// A status filter's total comes from the counters, cheaply, and
		// tells whether its rows are few enough to read and sort (fenced).
		total, counted := 0, false
		if len(f.Statuses) > 0 && !f.NoTotal && onlyCounters(f) {
			var err error
			if total, err = countEnrollments(ctx, q, wsID, f, where{}); err != nil {
				return err
			}
			counted = true
		}
		later, err := laterMatches(ctx, q, wsID, f.Q, db.laterFew)
		if err != nil {
			return err
		}
		w := enrollmentWhere(wsID, f, counted && total <= fenceRows, later)
		out, err = page[enroll.Enrollment](ctx, q, "enrollments", w, f.ListParams, c, fh, func() (int, error) {
			if f.NoTotal || counted {
				return total, nil
			}
			return countEnrollments(ctx, q, wsID, f, w)
		})
		return err
	})
	return out, err
}

// fenceRows is the most rows of a status filter that a list reads whole
// and sorts, when no index gives them in the list's order. Reading 1,000
// approved enrollments through the status index and sorting them took
// 3 ms, 2,475 of five statuses 6.5 ms (cached), 15,651 160 ms; walking a
// sort index of 350,000 for the 1,000, filtering on status, up to 1 s.
// Above it the statuses are common enough for the walk to meet them soon.
const fenceRows = 10000

// ordered reports whether an index gives f's enrollments in f's sort with
// its statuses as an equality: one status, sorted by creation, in one
// instance (enrollments_instance_status_created) or the workspace
// (enrollments_status_created).
func ordered(f enroll.EnrollmentFilter) bool {
	return len(f.Statuses) == 1 && (f.ProgramInstanceID != "" || len(f.ProgramInstanceIDs) <= 1) &&
		(f.Sort == enroll.SortCreatedDesc || f.Sort == enroll.SortCreatedAsc || f.Sort == "")
}

// enrollmentWhere returns the conditions of f's enrollments in workspace
// wsID. few says f's statuses hold few enough rows (fenceRows) to be read
// whole and sorted when no index gives them in f's order (ordered). later
// holds the later-word matches of q's words (laterMatches).
func enrollmentWhere(wsID string, f enroll.EnrollmentFilter, few bool, later map[string]laterMatch) where {
	var w where
	w.add("workspace_id = ?", wsID)
	// The instance as a range (scopeTo) keeps it in the ORDER BY, which
	// only indexes leading with it match, and one status's order is
	// still that of the status index (instance, status, created_at). But
	// the rows of a few statuses in another order are found, from the
	// status index, only with the instance as an equality: 3 ms for 1,000
	// approved of 350,000, against 0.6-1.0 s walking the sort index.
	scope := w.scopeTo
	if few && !ordered(f) {
		w.fence = true
		scope = func(col string, v any) { w.add(col+" = ?", v) }
	}
	switch {
	case f.ProgramInstanceID != "":
		scope("instance_id", f.ProgramInstanceID)
		if len(f.ProgramInstanceIDs) > 0 && !slices.Contains(f.ProgramInstanceIDs, f.ProgramInstanceID) {
			w.add("FALSE")
		}
	case len(f.ProgramInstanceIDs) == 1:
		scope("instance_id", f.ProgramInstanceIDs[0])
	default:
		in(&w, "instance_id", f.ProgramInstanceIDs)
	}
	in(&w, "status", f.Statuses)
	if f.CustomerID != "" {
		w.add("customer_id = ?", f.CustomerID)
	}
	if f.LeadID != "" {
		w.add("lead_id = ?", f.LeadID)
	}
	if f.ReferenceID != "" {
		w.add("reference_id = ?", f.ReferenceID)
	}
	if f.Email != "" {
		// No enrollment has a blank email: one without (a lead's) is
		// stored as '', which a filter of white space must not match.
		w.add("email_norm = ? AND email_norm <> ''", enroll.NormalizeEmail(f.Email))
	}
	// jsonb containment: the array holds the value as one of its strings,
	// as SQLite's json_each match does.
	for _, m := range []struct{ key, v string }{{"tags", f.Tag}, {"manufacturerSlugs", f.ManufacturerSlug}, {"groupIds", f.GroupID}} {
		if m.v != "" {
			b, _ := json.Marshal([]string{m.v})
			w.add("doc->'"+m.key+"' @> ?::jsonb", string(b))
		}
	}
	if f.CreatedAfter != nil {
		w.add("created_at > ?", *f.CreatedAfter)
	}
	if f.CreatedBefore != nil {
		w.add("created_at < ?", *f.CreatedBefore)
	}
	if f.UpdatedAfter != nil {
		w.add("updated_at > ?", *f.UpdatedAfter)
	}
	// Each word of q matches as one q did, or begins a later word of a
	// name, and q whole (QueryPhrase) too, a name of several words
	// (enroll.QueryWords).
	if words := enroll.QueryWords(f.Q); len(words) == 1 {
		c, a := searchCond(words[0], later[words[0]])
		w.add(c, a...)
		w.replan = true
	} else if len(words) > 1 {
		var conds []string
		var args []any
		for _, q := range words {
			c, a := searchCond(q, later[q])
			conds = append(conds, c)
			args = append(args, a...)
		}
		c, a := searchCond(enroll.QueryPhrase(f.Q), laterMatch{})
		w.add("(("+strings.Join(conds, " AND ")+") OR "+c+")", append(args, a...)...)
		w.replan = true
	}
	return w
}

// searchCond returns the condition of one prefix q (a word of a list's q,
// or q whole). Prefix search, case-insensitive: the names' keys
// (namekey.Of) begin with the folded name, matched by q folded (without
// case or accents); emails are stored lower-cased and matched by q
// lower-cased. LIKE's wildcards in q are escaped. Under "C", lower() folds
// ASCII only, as SQLite's LIKE does for the reference id, whatever the
// database's locale. A word also matches the names a later word of which
// it begins, later (laterMatches): by their ids when few, through the
// later words' index when many.
func searchCond(q string, later laterMatch) (string, []any) {
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	// A q that folds to nothing (combining marks alone) matches no name:
	// "%" would match them all.
	l := esc.Replace(strings.ToLower(q)) + "%"
	// The reference id is lower-cased in ASCII only, under "C", so q is
	// too: its other letters match as written (enroll.ReferencePrefix).
	r := esc.Replace(enroll.ReferencePrefix(q)) + "%"
	p := namekey.Prefix(q)
	if p == "" {
		return `(email_norm LIKE ? OR lower(reference_id COLLATE "C") LIKE ?)`, []any{l, r}
	}
	n := esc.Replace(p) + "%"
	cond := `first_name LIKE ? OR last_name LIKE ? OR email_norm LIKE ? OR lower(reference_id COLLATE "C") LIKE ?`
	args := []any{n, n, l, r}
	switch {
	case later.many && later.filter:
		cond += " OR " + laterWordsFilter
		pat := "% " + n
		args = append(args, pat, pat, pat, pat)
	case later.many:
		cond += " OR " + laterWordsCond
		args = append(args, laterWordQuery(later.wsID, p))
	case len(later.ids) > 0:
		cond += " OR id = ANY(?::text[])"
		args = append(args, later.ids)
	}
	return "(" + cond + ")", args
}

// laterWordsCond is the condition of a prefix of a later word of the
// names (migrations 22 and 25), the tsquery its argument
// (laterWordQuery): a prefix of enrollments_name_words' lexemes, whose
// partial index's condition (severalWords) it states.
const laterWordsCond = `(` + severalWords + ` AND enrollment_name_words(workspace_id, first_name, last_name) @@ ?::tsquery)`

// severalWords says an enrollment's names hold a character that
// namekey.LaterWords splits at, the condition of the later words'
// partial index (migration 25): only those names have later words.
const severalWords = `(strpos(first_name, ' ') > 0 OR strpos(last_name, ' ') > 0 OR strpos(first_name, '-') > 0 OR strpos(last_name, '-') > 0 ` +
	`OR strpos(first_name, '''') > 0 OR strpos(last_name, '''') > 0)`

// laterWordsFilter is the condition of a prefix of a later word of the
// names that no index serves, its argument "% <prefix>%" four times: the
// folded part of a name (before chr(1)), from the first space after its
// first word, holds a space followed by the prefix exactly when a word
// after the first begins with it, and so does that part with its
// hyphens and apostrophes made spaces (translate) for its parts
// (namekey.LaterWords), as laterWordsCond's lexemes do. The planner
// cannot read it from an index, so the rows come from another word's,
// and testing it on each costs a fraction of computing
// enrollment_name_words.
const laterWordsFilter = `(strpos(first_name, ' ') > 0 AND substr(ltrim(split_part(first_name, chr(1), 1), ' '), strpos(ltrim(split_part(first_name, chr(1), 1), ' '), ' ')) LIKE ?) OR ` +
	`(strpos(last_name, ' ') > 0 AND substr(ltrim(split_part(last_name, chr(1), 1), ' '), strpos(ltrim(split_part(last_name, chr(1), 1), ' '), ' ')) LIKE ?) OR ` +
	`substr(ltrim(translate(split_part(first_name, chr(1), 1), '-''', '  '), ' '), strpos(ltrim(translate(split_part(first_name, chr(1), 1), '-''', '  '), ' '), ' ')) LIKE ? OR ` +
	`substr(ltrim(translate(split_part(last_name, chr(1), 1), '-''', '  '), ' '), strpos(ltrim(translate(split_part(last_name, chr(1), 1), '-''', '  '), ' '), ' ')) LIKE ?`

// laterWordQuery returns the tsquery of the lexemes of
// enrollment_name_words in workspace wsID that begin with prefix p: the
// lexeme quoted (' doubled, \ escaped), so that it is read as written,
// and marked a prefix (:*).
func laterWordQuery(wsID, p string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(wsID+":"+p) + "':*"
}

// laterMatch is what a word of q begins among the later words of the
// workspace's names: the ids of those enrollments when at most laterFew,
// or many. filter says another word of q that many begin leads: the
// list tests this one's later words on the rows found for that one
// (laterWordsFilter) rather than reads them from the index (laterCommon).
type laterMatch struct {
	ids    []string
	many   bool
	filter bool
	// block is the furthest block of the table the ids of a word that
	// many begin were read from: how far the read went (laterCommon).
	block int64
	wsID  string // of laterWordQuery, when many
}

// laterFew is the most enrollments a word's later-word matches are named
// by id for: a list of ids, a parameter of the list's query, is an
// estimate the planner gets right and an array it tests by hash, while
// the index's own estimate of a prefix is a fixed share of the rows
// (tsquerysel: 2% of those named in several words, with fewer than 100
// distinct words), which had it walk the instance for a word that begins
// none (q=qqqq, 0.8 → 93 ms at 100,000). 1,000 ids are about 25 kB, read
// in a few milliseconds.
const laterFew = 1000

// laterMatches returns, for each word of q that can begin a name, the
// enrollments of workspace wsID a later word of whose names it begins
// (laterMatch: their ids when at most few), read through the later
// words' index before the list's query is planned. A word that begins
// none (most, the names being of one word) is left out, and its
// condition is what it was before later words matched.
func laterMatches(ctx context.Context, q querier, wsID, search string, few int) (map[string]laterMatch, error) {
	words := enroll.QueryWords(search)
	out := make(map[string]laterMatch, len(words))
	// Of several words, each is read up to a tenth of few first: those
	// that begin more are tested on the rows of the rarest (laterCommon),
	// whose ids the list does not need, and reading a thousand of each
	// cost 13 ms of q=van der zimm's 27.
	probe := few
	if len(words) > 1 {
		probe = few / laterProbe
	}
	var many []string
	for _, w := range words {
		ids, block, err := laterIDs(ctx, q, wsID, w, probe+1)
		if err != nil {
			return nil, err
		}
		switch {
		case len(ids) > probe:
			out[w] = laterMatch{many: true, block: block, wsID: wsID}
			many = append(many, w)
		case len(ids) > 0:
			out[w] = laterMatch{ids: ids}
		}
	}
	switch {
	case len(many) > 1:
		laterCommon(many, out)
	case len(many) == 1 && probe < few:
		// One common word leads or not as one word of q would.
		ids, _, err := laterIDs(ctx, q, wsID, many[0], few+1)
		if err != nil {
			return nil, err
		}
		if len(ids) <= few {
			out[many[0]] = laterMatch{ids: ids}
		}
	}
	return out, nil
}

// laterProbe divides laterFew for the first read of each of several words
// of q (laterMatches).
const laterProbe = 10

// laterCommon has the list test the later words of each of words
// (several, each beginning more than the first read of laterMatches
// took, out holding how far it went) on the rows its other
// words find (laterWordsFilter), but for the one that looks the rarest,
// which keeps the index's condition. The planner takes 2% of the indexed
// rows for any prefix (laterFew), so with every such word's condition
// from the index it led with any of them: for q=van der zimm at 100,000,
// der's 14,285 matches, computing enrollment_name_words on each (194 ms),
// rather than zimm's 9,100. The rarest is the word whose read went
// furthest into the table for its first matches (laterProbe): a bitmap
// scan, the only one the GIN index has, reads the table in the order of
// its blocks, so a word that half the names begin is found in its first
// pages and one of a thousand across it. A word whose matches are
// bunched in a few blocks misleads it, which costs time, not rows. Keeping one leaves
// the planner a word to lead with when every word is common; it still
// weighs that one against the words that begin names, whose estimates
// are right.
func laterCommon(words []string, out map[string]laterMatch) {
	keep := words[0]
	for _, w := range words[1:] {
		if b, k := out[w].block, out[keep].block; b > k || (b == k && len(namekey.Prefix(w)) > len(namekey.Prefix(keep))) {
			keep = w
		}
	}
	for _, w := range words {
		if w != keep {
			m := out[w]
			m.filter = true
			out[w] = m
		}
	}
}

// laterIDs returns up to limit enrollments of workspace wsID a later word
// of whose names word begins, read through the later words' index, and
// the furthest block of the table they were read from (laterCommon).
func laterIDs(ctx context.Context, q querier, wsID, word string, limit int) ([]string, int64, error) {
	p := namekey.Prefix(word)
	if p == "" {
		return nil, 0, nil
	}
	// The fence (OFFSET 0) keeps the LIMIT from having the planner walk a
	// scan for the few rows it expects: read through the index.
	rows, err := q.Query(ctx, `SELECT id, block FROM (SELECT id, (ctid::text::point)[0]::bigint AS block FROM enrollments WHERE workspace_id = $1 AND `+
		strings.Replace(laterWordsCond, "?", "$2", 1)+` OFFSET 0) s LIMIT $3`, wsID, laterWordQuery(wsID, p), limit)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: later words of q: %w", err)
	}
	var ids []string
	var last int64
	for rows.Next() {
		var id string
		var block int64
		if err := rows.Scan(&id, &block); err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("postgres: later words of q: %w", err)
		}
		ids, last = append(ids, id), max(last, block)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("postgres: later words of q: %w", err)
	}
	return ids, last, nil
}
