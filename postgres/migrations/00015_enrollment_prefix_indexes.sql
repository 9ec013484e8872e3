-- +goose NO TRANSACTION
-- +goose Up
-- q is a lower-cased prefix of the first name, last name, email or
-- reference id (postgres/enrollment_list.go): with these, LIKE 'zimm%' is
-- a range of each index, OR-ed in a bitmap, instead of a scan of the
-- instance (1.4 s for q=zimm at 350,000; docs/benchmarks.md, session 14).
-- text_pattern_ops compares bytewise, so the range holds whatever the
-- database's collation; a B-tree needs no extension (pg_trgm's indexes
-- would also serve infixes, but CREATE EXTENSION needs a privilege an
-- operator may not have). By workspace, not instance: one set serves
-- both lists, and an instance's list filters the workspace's matches.
--
-- Built CONCURRENTLY, outside a transaction, for the reason 00013 gives.
DROP INDEX CONCURRENTLY IF EXISTS enrollments_first_name_prefix;
CREATE INDEX CONCURRENTLY enrollments_first_name_prefix ON enrollments (workspace_id, first_name text_pattern_ops);
DROP INDEX CONCURRENTLY IF EXISTS enrollments_last_name_prefix;
CREATE INDEX CONCURRENTLY enrollments_last_name_prefix ON enrollments (workspace_id, last_name text_pattern_ops);
DROP INDEX CONCURRENTLY IF EXISTS enrollments_email_prefix;
CREATE INDEX CONCURRENTLY enrollments_email_prefix ON enrollments (workspace_id, email_norm text_pattern_ops);
DROP INDEX CONCURRENTLY IF EXISTS enrollments_reference_prefix;
CREATE INDEX CONCURRENTLY enrollments_reference_prefix ON enrollments (workspace_id, lower(reference_id COLLATE "C") text_pattern_ops);
-- The planner knows how many rows an indexed expression (these and
-- 00014's) matches only
-- from statistics ANALYZE gathers, and autovacuum analyzes a table only
-- after enough of it changes: without them it took a no-match filter for
-- one in 200 rows and walked the instance for a page of them (0.6-0.9 s
-- at 500,000). ANALYZE blocks no writes.
ANALYZE enrollments;

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS enrollments_reference_prefix;
DROP INDEX CONCURRENTLY IF EXISTS enrollments_email_prefix;
DROP INDEX CONCURRENTLY IF EXISTS enrollments_last_name_prefix;
DROP INDEX CONCURRENTLY IF EXISTS enrollments_first_name_prefix;
