-- +goose Up
-- q's words match the later words of names too ("berg" finds van der
-- Berg, "ann" Mary Ann): a word begins the name's key (first_name,
-- last_name) or one of these, each enrollment's words after the first of
-- its two names' folded keys (namekey.LaterWords), read as a range of
-- the index below as the names are of theirs (enrollment_search.go).
-- Only names of several words have rows: a name of one word costs an
-- import nothing. The store writes them in Go on every write that sets a
-- name (nameWords); this fills them from the keys with the same
-- expression as IntegrityCheck's (laterNameWords in namewords.go), which
-- compares the two. The keys' folded part is before char(1)
-- (namekey.Separator), split at spaces through json_each.
CREATE TABLE enrollment_name_words (
    enrollment_id TEXT NOT NULL REFERENCES enrollments (id) ON DELETE CASCADE,
    word          TEXT NOT NULL,
    workspace_id  TEXT NOT NULL,
    instance_id   TEXT NOT NULL,
    PRIMARY KEY (enrollment_id, word)
) WITHOUT ROWID;

INSERT INTO enrollment_name_words (enrollment_id, word, workspace_id, instance_id)
	SELECT e.id, w.value, e.workspace_id, e.instance_id FROM enrollments e,
		json_each('[' || replace(json_quote(ltrim(substr(e.first_name, 1, instr(e.first_name || char(1), char(1)) - 1), ' ')), ' ', '","') || ']') w
		WHERE instr(e.first_name, ' ') > 0 AND w.key > 0 AND w.value <> ''
	UNION
	SELECT e.id, w.value, e.workspace_id, e.instance_id FROM enrollments e,
		json_each('[' || replace(json_quote(ltrim(substr(e.last_name, 1, instr(e.last_name || char(1), char(1)) - 1), ' ')), ' ', '","') || ']') w
		WHERE instr(e.last_name, ' ') > 0 AND w.key > 0 AND w.value <> '';

CREATE INDEX enrollment_name_words_word ON enrollment_name_words (workspace_id, instance_id, word);

-- +goose Down
DROP TABLE enrollment_name_words;
