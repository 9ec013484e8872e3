-- +goose NO TRANSACTION
-- +goose Up
-- A key limited to instances reads its events from each instance's range
-- of these indexes (and the range of events of none), merged (postgres/
-- event_instance.go), instead of walking the workspace's events and
-- skipping every other instance's: newest first by seq, and after a
-- cursor (?after=) by dispatch_seq, which DispatchEvents sets.
--
-- Built CONCURRENTLY, outside a transaction: every change writes an
-- event, so a plain build would hold up every write of the replicas
-- still serving during a rolling deploy for as long as it reads the
-- events. A build that fails leaves an invalid index behind, which the
-- next attempt drops first.
DROP INDEX CONCURRENTLY IF EXISTS events_instance;
CREATE INDEX CONCURRENTLY events_instance ON events (workspace_id, instance_id, seq);
DROP INDEX CONCURRENTLY IF EXISTS events_instance_dispatch;
CREATE INDEX CONCURRENTLY events_instance_dispatch ON events (workspace_id, instance_id, dispatch_seq) WHERE dispatch_seq IS NOT NULL;

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS events_instance_dispatch;
DROP INDEX CONCURRENTLY IF EXISTS events_instance;
