package sqlite

import (
	"slices"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/namekey"
)

// enrollment_name_words (migration 24) holds the later words of each
// enrollment's names (namekey.LaterWords of its first_name and last_name
// keys), which q's words match as they match the names' starts: "der"
// and "berg" find van der Berg, "luc" Jean-Luc. Only names of several
// words or parts have rows.
// The store writes them on every write that sets a name: a create
// (insertEnrollmentDoc), an update that changes one (updateEnrollmentDoc)
// and an import (writeImportPlan); a delete of the enrollment deletes
// them (ON DELETE CASCADE). Migrations 24 and 25 and IntegrityCheck compute them
// in SQL from the keys (laterNameWords), and the two must agree.

// nameWords returns the later words of the names whose keys are first and
// last, each once: the rows enrollment_name_words holds for them.
func nameWords(first, last string) []string {
	words := namekey.LaterWords(first)
	for _, w := range namekey.LaterWords(last) {
		if !slices.Contains(words, w) {
			words = append(words, w)
		}
	}
	return words
}

// insertNameWords is the INSERT of enrollment_name_words' rows, and
// nameWordCols the number of its columns.
const (
	insertNameWords = `INSERT INTO enrollment_name_words (enrollment_id, word, workspace_id, instance_id)`
	nameWordCols    = 4
)

// appendNameWords appends the arguments of e's rows of
// enrollment_name_words, whose names' keys are first and last, to args.
func appendNameWords(args []any, e *enroll.Enrollment, first, last string) []any {
	for _, w := range nameWords(first, last) {
		args = append(args, e.ID, w, e.WorkspaceID, e.ProgramInstanceID)
	}
	return args
}

// writeNameWords writes e's rows of enrollment_name_words, whose names'
// keys are first and last, after deleting its former ones when had says
// it had some.
func (tx *Tx) writeNameWords(e *enroll.Enrollment, first, last string, had bool) error {
	if had {
		if _, err := tx.exec(`DELETE FROM enrollment_name_words WHERE enrollment_id = ? AND workspace_id = ?`, e.ID, e.WorkspaceID); err != nil {
			return err
		}
	}
	return tx.insertMany(insertNameWords, nameWordCols, appendNameWords(nil, e, first, last))
}

// laterNameWords is enrollment_name_words computed in SQL from the keys
// of the enrollments (first_name, last_name), as namekey.LaterWords has
// them: each key's part before char(1) (namekey.Separator), split
// through a JSON array (json_quote escapes no space, hyphen nor
// apostrophe), its first word and the empty ones (runs of separators)
// left out; once at spaces (trimmed at its start), once at spaces,
// hyphens and apostrophes (all three trimmed). Migrations 24 (spaces)
// and 25 (all three) fill the table with these expressions;
// IntegrityCheck compares the two.
const laterNameWords = `SELECT e.id AS enrollment_id, w.value AS word, e.workspace_id, e.instance_id FROM enrollments e,
		json_each('[' || replace(json_quote(ltrim(substr(e.first_name, 1, instr(e.first_name || char(1), char(1)) - 1), ' ')), ' ', '","') || ']') w
		WHERE instr(e.first_name, ' ') > 0 AND w.key > 0 AND w.value <> ''
	UNION
	SELECT e.id, w.value, e.workspace_id, e.instance_id FROM enrollments e,
		json_each('[' || replace(json_quote(ltrim(substr(e.last_name, 1, instr(e.last_name || char(1), char(1)) - 1), ' ')), ' ', '","') || ']') w
		WHERE instr(e.last_name, ' ') > 0 AND w.key > 0 AND w.value <> ''
	UNION
	SELECT e.id, w.value, e.workspace_id, e.instance_id FROM enrollments e,
		json_each('[' || replace(replace(replace(json_quote(ltrim(substr(e.first_name, 1, instr(e.first_name || char(1), char(1)) - 1), ' -''')), ' ', '","'), '-', '","'), '''', '","') || ']') w
		WHERE (instr(e.first_name, ' ') > 0 OR instr(e.first_name, '-') > 0 OR instr(e.first_name, '''') > 0) AND w.key > 0 AND w.value <> ''
	UNION
	SELECT e.id, w.value, e.workspace_id, e.instance_id FROM enrollments e,
		json_each('[' || replace(replace(replace(json_quote(ltrim(substr(e.last_name, 1, instr(e.last_name || char(1), char(1)) - 1), ' -''')), ' ', '","'), '-', '","'), '''', '","') || ']') w
		WHERE (instr(e.last_name, ' ') > 0 OR instr(e.last_name, '-') > 0 OR instr(e.last_name, '''') > 0) AND w.key > 0 AND w.value <> ''`
