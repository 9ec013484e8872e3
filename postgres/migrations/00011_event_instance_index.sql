-- +goose Up
-- A key limited to instances reads its events from each instance's range
-- of this index (and the range of events of none), merged (postgres/
-- event_instance.go), instead of walking the workspace's events newest
-- first and skipping every other instance's.
CREATE INDEX events_instance ON events (workspace_id, instance_id, seq);

-- +goose Down
DROP INDEX events_instance;
