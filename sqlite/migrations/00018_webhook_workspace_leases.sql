-- +goose Up
-- A claim counts a workspace's unexpired leases (ClaimWebhookDeliveries'
-- perWorkspace) from the leased rows only, as it counts an endpoint's
-- (webhook_deliveries_leased): a range of this index, at most the bound's
-- entries, whatever the workspace's backlog.
CREATE INDEX webhook_deliveries_workspace_leased ON webhook_deliveries (workspace_id, lease_until) WHERE lease_until IS NOT NULL;

-- +goose Down
DROP INDEX webhook_deliveries_workspace_leased;
