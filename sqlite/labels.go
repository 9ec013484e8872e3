package sqlite

import (
	"strings"

	"github.com/enrollhq/enroll"
)

// An enrollment's labels column holds its tags, manufacturer slugs and
// group ids as tokens "t:<tag>", "m:<slug>", "g:<group id>", each
// preceded, and the last also followed, by labelSep: "\x1ft:vip\x1fm:lg\x1f";
// "" when it has none. The list and status indexes carry it as their last
// column (migration 19), so that a tag, manufacturerSlug or groupId filter
// first looks for its token in the index entry (labelFilter) and reads the row,
// to check the document exactly, only when it is there: a count reads the
// scope's index entries and the documents of its matches, where it read
// and parsed every document in scope (at a million enrollments 0.2-2 s
// instead of 3-10 s, docs/benchmarks.md session 15).
//
// The substring match is a prefilter, never the answer: a value holding
// labelSep can make a token appear where no such value is (a tag
// "x\x1ft:vip" for the token of "vip"), so the document's own list is
// always checked too (labelFilter). It can never miss one: each value's
// token is in the column as written.
//
// The column is NULL when its text would be longer than maxLabelsBytes:
// the prefilter then lets the row through to the exact check. This keeps
// index entries small, whatever a client sends (up to 100 values of 256
// characters each per list).
//
// enrollmentLabels computes the column on every write that sets a
// document (columnValues); migration 19 and IntegrityCheck compute it
// from the document in SQL (labelsOfDoc), and the two must agree.

// labelSep separates the tokens of the labels column: a control character
// (unit separator) that labels seldom hold.
const labelSep = "\x1f"

// maxLabelsBytes is the longest labels text stored; longer is NULL. With
// an index entry's other columns (two ids of 24 bytes, a time, and in
// one index a status or a last name) it keeps the entry within the
// ~1,000 bytes a 4 KiB index page holds in itself, but for the longest
// last names: longer entries spill into overflow pages, which every read
// of the entry follows.
const maxLabelsBytes = 512

// Label kinds: the first byte of a token.
const (
	labelTag          = 't'
	labelManufacturer = 'm'
	labelGroup        = 'g'
)

// enrollmentLabels returns the labels column of e: its text, "" when e
// has no labels, or nil (NULL) when the text would exceed maxLabelsBytes.
func enrollmentLabels(e *enroll.Enrollment) any {
	n := 0
	for _, l := range [...][]string{e.Tags, e.ManufacturerSlugs, e.GroupIDs} {
		for _, v := range l {
			n += len(labelSep) + 2 + len(v)
		}
	}
	if n == 0 {
		return ""
	}
	if n+len(labelSep) > maxLabelsBytes {
		return nil
	}
	var b strings.Builder
	b.Grow(n + len(labelSep))
	for _, l := range [...]struct {
		kind byte
		vals []string
	}{{labelTag, e.Tags}, {labelManufacturer, e.ManufacturerSlugs}, {labelGroup, e.GroupIDs}} {
		for _, v := range l.vals {
			b.WriteString(labelSep)
			b.WriteByte(l.kind)
			b.WriteByte(':')
			b.WriteString(v)
		}
	}
	b.WriteString(labelSep)
	return b.String()
}

// labelsOfDoc is the labels column computed in SQL from the document of
// the enrollments row in scope (enrollments.doc): enrollmentLabels's
// value, the tokens in the same order (tags, manufacturer slugs, group
// ids, each in the document's order). Migration 19 fills the column with
// the same expression; IntegrityCheck compares the two.
// The 512 is maxLabelsBytes (TestMigrateLabels tries both sides of it).
const labelsOfDoc = `(SELECT CASE WHEN length(CAST(l AS BLOB)) > 512 THEN NULL ELSE l END FROM (
	SELECT CASE WHEN count(*) = 0 THEN '' ELSE char(31) || group_concat(k || value, char(31) ORDER BY o, key) || char(31) END AS l FROM (
		SELECT 0 AS o, 't:' AS k, key, value FROM json_each(enrollments.doc, '$.tags')
		UNION ALL SELECT 1, 'm:', key, value FROM json_each(enrollments.doc, '$.manufacturerSlugs')
		UNION ALL SELECT 2, 'g:', key, value FROM json_each(enrollments.doc, '$.groupIds'))))`

// labelFilter adds the conditions that keep the enrollments holding value
// in the document list path (a JSON path, "$.tags"), of labels kind: the
// token in the labels column, which the list indexes hold, so that SQLite
// tests it on the index entry before it reads the row (its deferred seek
// reads the row only when a condition needs a column the index lacks),
// then the exact test on the document.
func labelFilter(w *where, kind byte, path, value string) {
	w.add("(labels IS NULL OR instr(labels, ?) > 0)", labelSep+string(kind)+":"+value+labelSep)
	w.add("EXISTS (SELECT 1 FROM json_each(enrollments.doc, '"+path+"') WHERE value = ?)", value)
}
