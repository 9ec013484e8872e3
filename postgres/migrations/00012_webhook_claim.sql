-- +goose NO TRANSACTION
-- +goose Up
-- A claim reads the front of the queue in due order and stops (LIMIT)
-- instead of reading every due row, probing each for an earlier one in
-- its stream and sorting them all (0.4-1.1 s per claim at 50,000 due):
-- webhook_deliveries_due_order serves ORDER BY next_attempt_at, seq
-- whole, which webhook_deliveries_due, without seq, did not. When the
-- front is one endpoint's backlog, the claim walks each endpoint's due
-- deliveries instead (webhook_deliveries_endpoint_due). It counts an
-- endpoint's unexpired leases from the leased rows only, which a finished
-- attempt leaves (lease_until goes back to NULL).
--
-- Built CONCURRENTLY, outside a transaction, as migration 11: the
-- replicas still serving during a rolling deploy write this table on
-- every dispatch and attempt. A build that fails leaves an invalid index
-- behind, which the next attempt drops first.
DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_due_order;
CREATE INDEX CONCURRENTLY webhook_deliveries_due_order ON webhook_deliveries (next_attempt_at, seq) WHERE status = 'pending';
DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_endpoint_due;
CREATE INDEX CONCURRENTLY webhook_deliveries_endpoint_due ON webhook_deliveries (endpoint_id, next_attempt_at, seq) WHERE status = 'pending';
DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_leased;
CREATE INDEX CONCURRENTLY webhook_deliveries_leased ON webhook_deliveries (endpoint_id, lease_until) WHERE lease_until IS NOT NULL;
DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_due;

-- +goose Down
CREATE INDEX CONCURRENTLY IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_leased;
DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_endpoint_due;
DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_due_order;
