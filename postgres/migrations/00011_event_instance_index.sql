-- +goose Up
-- A key limited to instances reads its events from each instance's range
-- of these indexes (and the range of events of none), merged (postgres/
-- event_instance.go), instead of walking the workspace's events and
-- skipping every other instance's: newest first by seq, and after a
-- cursor (?after=) by dispatch_seq, which DispatchEvents sets.
CREATE INDEX events_instance ON events (workspace_id, instance_id, seq);
CREATE INDEX events_instance_dispatch ON events (workspace_id, instance_id, dispatch_seq) WHERE dispatch_seq IS NOT NULL;

-- +goose Down
DROP INDEX events_instance_dispatch;
DROP INDEX events_instance;
