-- +goose NO TRANSACTION
-- +goose Up
-- Enrollments by status across the workspace, in creation order:
-- /v1/enrollments?status=approved walked the workspace's enrollments
-- newest first, filtering on status (255 ms for 1,000 approved of 350,000;
-- docs/benchmarks.md, session 14), and a few statuses in another order
-- are found here, then sorted (postgres/enrollment_list.go).
--
-- Built CONCURRENTLY, outside a transaction, as 00011: every create and
-- import writes enrollments, and a plain build would hold up the writes
-- of the replicas still serving during a rolling deploy for as long as it
-- reads the table. A build that fails leaves an invalid index behind,
-- which the next attempt drops first.
DROP INDEX CONCURRENTLY IF EXISTS enrollments_status_created;
CREATE INDEX CONCURRENTLY enrollments_status_created ON enrollments (workspace_id, status, created_at, id);

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS enrollments_status_created;
