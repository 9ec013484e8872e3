-- +goose NO TRANSACTION
-- +goose Up
-- The tag, manufacturerSlug and groupId filters test containment
-- (doc->'tags' @> '["vip"]', postgres/enrollment_list.go), which these
-- GIN indexes answer instead of every document being parsed: a list's
-- count read all of an instance's (1.2 s for a tag no enrollment has at
-- 350,000; docs/benchmarks.md, session 14). jsonb_path_ops holds only
-- what @> needs, and is the smaller.
--
-- Built CONCURRENTLY, outside a transaction, for the reason 00013 gives.
DROP INDEX CONCURRENTLY IF EXISTS enrollments_tags;
CREATE INDEX CONCURRENTLY enrollments_tags ON enrollments USING gin ((doc -> 'tags') jsonb_path_ops);
DROP INDEX CONCURRENTLY IF EXISTS enrollments_manufacturers;
CREATE INDEX CONCURRENTLY enrollments_manufacturers ON enrollments USING gin ((doc -> 'manufacturerSlugs') jsonb_path_ops);
DROP INDEX CONCURRENTLY IF EXISTS enrollments_groups;
CREATE INDEX CONCURRENTLY enrollments_groups ON enrollments USING gin ((doc -> 'groupIds') jsonb_path_ops);
-- Their statistics are gathered by 00015's ANALYZE.

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS enrollments_groups;
DROP INDEX CONCURRENTLY IF EXISTS enrollments_manufacturers;
DROP INDEX CONCURRENTLY IF EXISTS enrollments_tags;
