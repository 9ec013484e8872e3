-- +goose Up
-- A name's parts split at hyphens and apostrophes are later words too
-- ("luc" finds Jean-Luc, "brien" O'Brien): namekey.LaterWords now gives,
-- after the words split at spaces (migration 24's, kept), the parts of
-- the name split at spaces, hyphens and apostrophes after its first. The
-- store writes them with the names; this adds the rows of the names
-- stored before, with the expression of laterNameWords (namewords.go),
-- which IntegrityCheck compares with the table. The keys' folded part is
-- before char(1) (namekey.Separator); json_quote escapes no hyphen nor
-- apostrophe, so they are replaced as the spaces are.
INSERT OR IGNORE INTO enrollment_name_words (enrollment_id, word, workspace_id, instance_id)
	SELECT e.id, w.value, e.workspace_id, e.instance_id FROM enrollments e,
		json_each('[' || replace(replace(replace(json_quote(ltrim(substr(e.first_name, 1, instr(e.first_name || char(1), char(1)) - 1), ' -''')), ' ', '","'), '-', '","'), '''', '","') || ']') w
		WHERE (instr(e.first_name, ' ') > 0 OR instr(e.first_name, '-') > 0 OR instr(e.first_name, '''') > 0) AND w.key > 0 AND w.value <> ''
	UNION
	SELECT e.id, w.value, e.workspace_id, e.instance_id FROM enrollments e,
		json_each('[' || replace(replace(replace(json_quote(ltrim(substr(e.last_name, 1, instr(e.last_name || char(1), char(1)) - 1), ' -''')), ' ', '","'), '-', '","'), '''', '","') || ']') w
		WHERE (instr(e.last_name, ' ') > 0 OR instr(e.last_name, '-') > 0 OR instr(e.last_name, '''') > 0) AND w.key > 0 AND w.value <> '';

-- +goose Down
-- The release before keeps the words split at spaces only: its
-- IntegrityCheck would count the parts' rows as wrong.
DELETE FROM enrollment_name_words;
INSERT INTO enrollment_name_words (enrollment_id, word, workspace_id, instance_id)
	SELECT e.id, w.value, e.workspace_id, e.instance_id FROM enrollments e,
		json_each('[' || replace(json_quote(ltrim(substr(e.first_name, 1, instr(e.first_name || char(1), char(1)) - 1), ' ')), ' ', '","') || ']') w
		WHERE instr(e.first_name, ' ') > 0 AND w.key > 0 AND w.value <> ''
	UNION
	SELECT e.id, w.value, e.workspace_id, e.instance_id FROM enrollments e,
		json_each('[' || replace(json_quote(ltrim(substr(e.last_name, 1, instr(e.last_name || char(1), char(1)) - 1), ' ')), ' ', '","') || ']') w
		WHERE instr(e.last_name, ' ') > 0 AND w.key > 0 AND w.value <> '';
