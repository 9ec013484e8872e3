-- +goose Up
-- Customers by workspace, kept by statement triggers: an unfiltered
-- customer list's totalItems is a sum of a few rows instead of a count of
-- the workspace's customers on every page (100-150 ms at 500,000;
-- docs/benchmarks.md, session 14). Triggers, not the store's inserts (as
-- event_counts), because customers are written in three places and a
-- replica of the previous version still writes them during a rolling
-- deploy; per statement, with the rows it wrote, so an import's batch
-- adds once. Each workspace has 16 shards, one per backend
-- (pg_backend_pid() % 16), so concurrent creates rarely wait for one
-- another on a counter's row lock; a count sums them. The table is filled
-- in the transaction that creates the triggers, which holds up writes of
-- customers while it counts them.
CREATE TABLE customer_counts (
    workspace_id TEXT NOT NULL,
    shard        SMALLINT NOT NULL,
    n            BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, shard)
);

-- +goose StatementBegin
CREATE FUNCTION count_customers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO customer_counts (workspace_id, shard, n)
            SELECT workspace_id, pg_backend_pid() % 16, COUNT(*) FROM new_customers GROUP BY workspace_id
            ON CONFLICT (workspace_id, shard) DO UPDATE SET n = customer_counts.n + excluded.n;
    ELSE
        INSERT INTO customer_counts (workspace_id, shard, n)
            SELECT workspace_id, pg_backend_pid() % 16, -COUNT(*) FROM old_customers GROUP BY workspace_id
            ON CONFLICT (workspace_id, shard) DO UPDATE SET n = customer_counts.n + excluded.n;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER customers_count_insert AFTER INSERT ON customers
    REFERENCING NEW TABLE AS new_customers FOR EACH STATEMENT EXECUTE FUNCTION count_customers();
CREATE TRIGGER customers_count_delete AFTER DELETE ON customers
    REFERENCING OLD TABLE AS old_customers FOR EACH STATEMENT EXECUTE FUNCTION count_customers();

INSERT INTO customer_counts (workspace_id, shard, n)
    SELECT workspace_id, 0, COUNT(*) FROM customers GROUP BY workspace_id;

-- +goose Down
DROP TRIGGER customers_count_delete ON customers;
DROP TRIGGER customers_count_insert ON customers;
DROP FUNCTION count_customers();
DROP TABLE customer_counts;
