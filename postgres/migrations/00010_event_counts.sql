-- +goose Up
-- Events by workspace, instance ('' for events of none) and type, added to
-- by the statement that inserts the events (event.go): a list's totalItems
-- is a sum of a few of these rows instead of a count of the workspace's
-- events. Not a trigger: a row trigger made an import a fifth slower. Each
-- key has 16 shards, one per backend (pg_backend_pid() % 16), so
-- concurrent transactions rarely wait for one another on a counter's row
-- lock; a count sums them. Events are never deleted.
CREATE TABLE event_counts (
    workspace_id TEXT NOT NULL,
    instance_id  TEXT NOT NULL,
    type         TEXT NOT NULL,
    shard        SMALLINT NOT NULL,
    n            BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, instance_id, type, shard)
);
INSERT INTO event_counts (workspace_id, instance_id, type, shard, n)
    SELECT workspace_id, COALESCE(instance_id, ''), type, 0, COUNT(*) FROM events GROUP BY 1, 2, 3;

-- +goose Down
DROP TABLE event_counts;
