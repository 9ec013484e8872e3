-- +goose NO TRANSACTION
-- +goose Up
-- A notification claim shares the sender between workspaces
-- (ClaimNotifications): it steps from one workspace with pending
-- notifications to the next on notifications_workspace_due, reading each
-- one's earliest (an index seek a workspace, whatever its backlog), and
-- counts the leases each holds from notifications_leased, the rows of
-- sends under way only (a finished attempt sets lease_until back to NULL).
--
-- Built CONCURRENTLY, outside a transaction, as migration 18: the
-- replicas still serving during a rolling deploy write this table on
-- every dispatch and attempt. A build that fails leaves an invalid index
-- behind, which the next attempt drops first.
DROP INDEX CONCURRENTLY IF EXISTS notifications_workspace_due;
CREATE INDEX CONCURRENTLY notifications_workspace_due ON notifications (workspace_id, next_attempt_at, seq) WHERE status = 'pending';
DROP INDEX CONCURRENTLY IF EXISTS notifications_leased;
CREATE INDEX CONCURRENTLY notifications_leased ON notifications (lease_until, workspace_id) WHERE lease_until IS NOT NULL;

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS notifications_leased;
DROP INDEX CONCURRENTLY IF EXISTS notifications_workspace_due;
