-- +goose Up
-- A notification claim shares the sender between workspaces
-- (ClaimNotifications): it steps from one workspace with pending
-- notifications to the next on notifications_workspace_due, reading each
-- one's earliest (an index seek a workspace, whatever its backlog), and
-- counts the leases each holds from notifications_leased, the rows of
-- sends under way only (a finished attempt sets lease_until back to NULL).
CREATE INDEX notifications_workspace_due ON notifications (workspace_id, next_attempt_at, seq) WHERE status = 'pending';
CREATE INDEX notifications_leased ON notifications (lease_until, workspace_id) WHERE lease_until IS NOT NULL;

-- +goose Down
DROP INDEX notifications_leased;
DROP INDEX notifications_workspace_due;
