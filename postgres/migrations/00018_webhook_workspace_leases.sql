-- +goose NO TRANSACTION
-- +goose Up
-- A claim counts a workspace's unexpired leases (ClaimWebhookDeliveries'
-- perWorkspace) from the leased rows only, as it counts an endpoint's
-- (webhook_deliveries_leased): a range of this index, at most the bound's
-- entries, whatever the workspace's backlog.
--
-- Built CONCURRENTLY, outside a transaction, as migrations 11 and 12: the
-- replicas still serving during a rolling deploy write this table on
-- every dispatch and attempt. A build that fails leaves an invalid index
-- behind, which the next attempt drops first.
DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_workspace_leased;
CREATE INDEX CONCURRENTLY webhook_deliveries_workspace_leased ON webhook_deliveries (workspace_id, lease_until) WHERE lease_until IS NOT NULL;

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_workspace_leased;
