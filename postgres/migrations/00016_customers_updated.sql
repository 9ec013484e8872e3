-- +goose NO TRANSACTION
-- +goose Up
-- Customers sorted by updatedAt (either way): without it a page read and
-- sorted every customer of the workspace (245 ms at 360,000;
-- docs/benchmarks.md, session 14).
--
-- Built CONCURRENTLY, outside a transaction, for the reason 00013 gives.
DROP INDEX CONCURRENTLY IF EXISTS customers_updated;
CREATE INDEX CONCURRENTLY customers_updated ON customers (workspace_id, updated_at, id);

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS customers_updated;
