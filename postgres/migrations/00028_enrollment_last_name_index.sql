-- +goose NO TRANSACTION
-- +goose Up
-- The workspace's enrollments by last name, then id: a list across
-- instances by lastName (GET /v1/enrollments?sort=lastName, a key's
-- instances, a CSV export's keyset pages) reads them in order from its
-- cursor on, where each page sorted every enrollment after the cursor
-- (an export of 156,000 took 92 s; docs/benchmarks.md).
--
-- It replaces 00015's enrollments_last_name_prefix, (workspace_id,
-- last_name text_pattern_ops): last_name's collation is "C", under which
-- the default operator class orders bytewise too, so a LIKE prefix of q
-- is a range of this index as it was of that one, and an enrollment
-- write keeps one index of the last name, not two.
--
-- Built CONCURRENTLY, outside a transaction, for the reason 00013 gives;
-- a build that failed leaves an invalid index of the name, dropped here
-- when the migration runs again.
DROP INDEX CONCURRENTLY IF EXISTS enrollments_last_name;
CREATE INDEX CONCURRENTLY enrollments_last_name ON enrollments (workspace_id, last_name, id);
DROP INDEX CONCURRENTLY IF EXISTS enrollments_last_name_prefix;

-- +goose Down
CREATE INDEX CONCURRENTLY IF NOT EXISTS enrollments_last_name_prefix ON enrollments (workspace_id, last_name text_pattern_ops);
DROP INDEX CONCURRENTLY IF EXISTS enrollments_last_name;
