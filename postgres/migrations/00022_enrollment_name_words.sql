-- +goose NO TRANSACTION
-- +goose Up
-- q's words match the later words of names too ("berg" finds van der
-- Berg, "ann" Mary Ann): a word begins the name's key (first_name,
-- last_name, 00015's indexes) or one of the words after the first of the
-- key's folded part (before chr(1), namekey.Separator), split at spaces,
-- as namekey.LaterWords and SQLite's enrollment_name_words have them.
-- This function gives them as a tsvector whose lexemes are
-- "<workspace id>:<word>", and the GIN index below serves a prefix of one
-- (enrollment_list.go: '<workspace id>:ber':* finds "berg" in that
-- workspace only; ids hold no space nor colon). Computed by the database
-- from the key columns, the index needs no write of the store's: every
-- insert, update, COPY and delete keeps it. Partial, so that a row
-- whose names are of one word, the common case, adds no entry. The
-- function is a plain expression, which the planner inlines, in the
-- index as in the queries.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION enrollment_name_words(ws text, first_name text, last_name text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT array_to_tsvector(
    (array_remove(string_to_array(ws || ':' || replace(split_part(first_name, chr(1), 1), ' ', ' ' || ws || ':'), ' '), ws || ':'))[2:]
    || (array_remove(string_to_array(ws || ':' || replace(split_part(last_name, chr(1), 1), ' ', ' ' || ws || ':'), ' '), ws || ':'))[2:])
$$;
-- +goose StatementEnd
-- Built CONCURRENTLY, outside a transaction, for the reason 00013 gives.
DROP INDEX CONCURRENTLY IF EXISTS enrollments_name_words;
CREATE INDEX CONCURRENTLY enrollments_name_words ON enrollments USING gin (enrollment_name_words(workspace_id, first_name, last_name))
    WHERE strpos(first_name, ' ') > 0 OR strpos(last_name, ' ') > 0;
-- The planner's estimate of a prefix's rows in the index comes from the
-- statistics ANALYZE gathers on its expression (see 00015).
ANALYZE enrollments;

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS enrollments_name_words;
DROP FUNCTION IF EXISTS enrollment_name_words(text, text, text);
