-- +goose Up
-- Customer and lead lists sorted by updatedAt read this index instead of
-- sorting every document of the workspace (customers sort=updatedAt took
-- 9.4 s at a million customers, docs/benchmarks.md session 14). Building
-- it on a live database reads the table once and holds the writer while
-- it does: 4.7 s at a million customers (the audit's file, 2 shared
-- cores). Each customer insert or update writes one more index entry; the
-- import, which inserts a customer per row, measured no slower (within
-- its noise, docs/benchmarks.md).
CREATE INDEX customers_updated ON customers (workspace_id, updated_at, id);
CREATE INDEX leads_updated ON leads (workspace_id, updated_at, id);

-- +goose Down
DROP INDEX leads_updated;
DROP INDEX customers_updated;
