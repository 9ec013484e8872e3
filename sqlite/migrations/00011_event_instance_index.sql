-- +goose Up
-- A key limited to instances reads its events from each instance's range
-- of this index (and the range of events of none), merged (sqlite/
-- event_instance.go), instead of walking the workspace's events newest
-- first and skipping every other instance's: a page for a quiet instance
-- in a busy workspace took 280 ms at 300,000 events, and grew with them.
CREATE INDEX events_instance ON events (workspace_id, instance_id, seq);

-- +goose Down
DROP INDEX events_instance;
