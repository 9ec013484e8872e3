-- +goose Up
-- Deliveries by workspace, endpoint and status: the totalItems of an
-- endpoint's deliveries list, unfiltered or by status, is a sum of a few
-- of these rows instead of a count of the endpoint's deliveries, which
-- read every one of their index entries and, the queue's rows being
-- updated too often for the visibility map to spare it, their rows:
-- 0.12-0.15 s at 90,000 deliveries (docs/benchmarks.md).
--
-- Kept by statement triggers, as enrollment_label_counts (migration 26)
-- and for the same reasons: a replica of the previous release keeps
-- writing deliveries during a rolling deploy, and a statement's rows
-- (a dispatch's, a batch of finished deliveries, a retention sweep's)
-- are counted once per counter. An update that moves no delivery's
-- status (a claim's leases, a retry's new due time) writes none: its
-- rows' -1 and +1 cancel out. Each counter has 16 shards, one per
-- backend (pg_backend_pid() % 16), which a count sums, so that
-- replicas finishing deliveries of one endpoint rarely wait for one
-- another's row lock; a statement locks its counters in key order, so
-- two cannot deadlock on them. Rows at 0 stay, an endpoint's after it is
-- deleted too (3 statuses by 16 shards at most).
--
-- Written so that it can run again over itself (TestMigrateRetriesIndexBuild
-- runs the migrations after 11 again): the counts are taken again from
-- the deliveries, in the transaction that creates the triggers, which
-- holds up writes of deliveries while it counts them.
CREATE TABLE IF NOT EXISTS webhook_delivery_counts (
    workspace_id TEXT NOT NULL,
    endpoint_id  TEXT NOT NULL,
    status       TEXT NOT NULL,
    shard        SMALLINT NOT NULL,
    n            BIGINT NOT NULL,
    CONSTRAINT webhook_delivery_counts_pkey PRIMARY KEY (workspace_id, endpoint_id, status, shard)
);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION count_webhook_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO webhook_delivery_counts (workspace_id, endpoint_id, status, shard, n)
            SELECT workspace_id, endpoint_id, status, pg_backend_pid() % 16, COUNT(*)
                FROM new_deliveries GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            ON CONFLICT (workspace_id, endpoint_id, status, shard) DO UPDATE SET n = webhook_delivery_counts.n + excluded.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO webhook_delivery_counts (workspace_id, endpoint_id, status, shard, n)
            SELECT workspace_id, endpoint_id, status, pg_backend_pid() % 16, -COUNT(*)
                FROM old_deliveries GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            ON CONFLICT (workspace_id, endpoint_id, status, shard) DO UPDATE SET n = webhook_delivery_counts.n + excluded.n;
    ELSE
        INSERT INTO webhook_delivery_counts (workspace_id, endpoint_id, status, shard, n)
            SELECT workspace_id, endpoint_id, status, pg_backend_pid() % 16, SUM(d)
                FROM (SELECT workspace_id, endpoint_id, status, -1 AS d FROM old_deliveries
                    UNION ALL SELECT workspace_id, endpoint_id, status, 1 FROM new_deliveries) c
                GROUP BY 1, 2, 3 HAVING SUM(d) <> 0 ORDER BY 1, 2, 3
            ON CONFLICT (workspace_id, endpoint_id, status, shard) DO UPDATE SET n = webhook_delivery_counts.n + excluded.n;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

DROP TRIGGER IF EXISTS webhook_deliveries_count_insert ON webhook_deliveries;
CREATE TRIGGER webhook_deliveries_count_insert AFTER INSERT ON webhook_deliveries
    REFERENCING NEW TABLE AS new_deliveries FOR EACH STATEMENT EXECUTE FUNCTION count_webhook_deliveries();
DROP TRIGGER IF EXISTS webhook_deliveries_count_update ON webhook_deliveries;
CREATE TRIGGER webhook_deliveries_count_update AFTER UPDATE ON webhook_deliveries
    REFERENCING OLD TABLE AS old_deliveries NEW TABLE AS new_deliveries FOR EACH STATEMENT EXECUTE FUNCTION count_webhook_deliveries();
DROP TRIGGER IF EXISTS webhook_deliveries_count_delete ON webhook_deliveries;
CREATE TRIGGER webhook_deliveries_count_delete AFTER DELETE ON webhook_deliveries
    REFERENCING OLD TABLE AS old_deliveries FOR EACH STATEMENT EXECUTE FUNCTION count_webhook_deliveries();

DELETE FROM webhook_delivery_counts;
INSERT INTO webhook_delivery_counts (workspace_id, endpoint_id, status, shard, n)
    SELECT workspace_id, endpoint_id, status, 0, COUNT(*) FROM webhook_deliveries GROUP BY 1, 2, 3;

-- +goose Down
DROP TRIGGER webhook_deliveries_count_delete ON webhook_deliveries;
DROP TRIGGER webhook_deliveries_count_update ON webhook_deliveries;
DROP TRIGGER webhook_deliveries_count_insert ON webhook_deliveries;
DROP FUNCTION count_webhook_deliveries();
DROP TABLE webhook_delivery_counts;
