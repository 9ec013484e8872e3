-- +goose Up
-- When the front of the queue (webhook_deliveries_due, in due order) is
-- one endpoint's backlog, a claim walks each enabled endpoint's due
-- deliveries in due order (rowid, seq, is the index's last column) and
-- stops after the few it may lease, instead of reading the backlog. It
-- counts an endpoint's unexpired leases from the leased rows only, which
-- a finished attempt leaves (lease_until goes back to NULL).
CREATE INDEX webhook_deliveries_endpoint_due ON webhook_deliveries (endpoint_id, next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_leased ON webhook_deliveries (endpoint_id, lease_until) WHERE lease_until IS NOT NULL;

-- +goose Down
DROP INDEX webhook_deliveries_leased;
DROP INDEX webhook_deliveries_endpoint_due;
