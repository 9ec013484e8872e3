-- +goose NO TRANSACTION
-- +goose Up
-- A name's parts split at hyphens and apostrophes are later words too
-- ("luc" finds Jean-Luc, "brien" O'Brien), as namekey.LaterWords and
-- SQLite's enrollment_name_words (its migration 25) have them: after the
-- words split at spaces, the parts of the key's folded part split at
-- spaces, hyphens and apostrophes (translate makes those spaces), each
-- without its first. A name of one word with a hyphen or an apostrophe
-- has parts, so the partial index's condition names those characters
-- too; the store's queries state it (laterWordsCond), and the release
-- before's, which name the spaces alone, still imply it. The function's
-- lexemes of a row only grow, so until the index is rebuilt the former
-- one finds fewer rows, never others.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION enrollment_name_words(ws text, first_name text, last_name text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT array_to_tsvector(
    (array_remove(string_to_array(ws || ':' || replace(split_part(first_name, chr(1), 1), ' ', ' ' || ws || ':'), ' '), ws || ':'))[2:]
    || (array_remove(string_to_array(ws || ':' || replace(split_part(last_name, chr(1), 1), ' ', ' ' || ws || ':'), ' '), ws || ':'))[2:]
    || (array_remove(string_to_array(ws || ':' || replace(translate(split_part(first_name, chr(1), 1), '-''', '  '), ' ', ' ' || ws || ':'), ' '), ws || ':'))[2:]
    || (array_remove(string_to_array(ws || ':' || replace(translate(split_part(last_name, chr(1), 1), '-''', '  '), ' ', ' ' || ws || ':'), ' '), ws || ':'))[2:])
$$;
-- +goose StatementEnd
-- Built CONCURRENTLY, outside a transaction, for the reason 00013 gives,
-- beside the former index until it is ready.
DROP INDEX CONCURRENTLY IF EXISTS enrollments_name_words_parts;
CREATE INDEX CONCURRENTLY enrollments_name_words_parts ON enrollments USING gin (enrollment_name_words(workspace_id, first_name, last_name))
    WHERE strpos(first_name, ' ') > 0 OR strpos(last_name, ' ') > 0 OR strpos(first_name, '-') > 0 OR strpos(last_name, '-') > 0
        OR strpos(first_name, '''') > 0 OR strpos(last_name, '''') > 0;
DROP INDEX CONCURRENTLY IF EXISTS enrollments_name_words;
ALTER INDEX enrollments_name_words_parts RENAME TO enrollments_name_words;
ANALYZE enrollments;

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION enrollment_name_words(ws text, first_name text, last_name text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT array_to_tsvector(
    (array_remove(string_to_array(ws || ':' || replace(split_part(first_name, chr(1), 1), ' ', ' ' || ws || ':'), ' '), ws || ':'))[2:]
    || (array_remove(string_to_array(ws || ':' || replace(split_part(last_name, chr(1), 1), ' ', ' ' || ws || ':'), ' '), ws || ':'))[2:])
$$;
-- +goose StatementEnd
DROP INDEX CONCURRENTLY IF EXISTS enrollments_name_words_spaces;
CREATE INDEX CONCURRENTLY enrollments_name_words_spaces ON enrollments USING gin (enrollment_name_words(workspace_id, first_name, last_name))
    WHERE strpos(first_name, ' ') > 0 OR strpos(last_name, ' ') > 0;
DROP INDEX CONCURRENTLY IF EXISTS enrollments_name_words;
ALTER INDEX enrollments_name_words_spaces RENAME TO enrollments_name_words;
ANALYZE enrollments;
