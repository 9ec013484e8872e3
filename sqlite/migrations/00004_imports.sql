-- Bulk import jobs (SPEC §7) and every error they found, one row each, so
-- that GET /v1/imports/{id}/errors lists them all. A job's counters (in
-- doc) and its errors are written in the transaction of the rows they
-- count. Deleting an instance deletes its jobs. Times are Unix microseconds.

-- +goose Up
CREATE TABLE imports (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    instance_id  TEXT NOT NULL REFERENCES program_instances (id) ON DELETE CASCADE,
    status       TEXT NOT NULL,
    doc          TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX imports_workspace ON imports (workspace_id, created_at, id);
CREATE INDEX imports_instance ON imports (instance_id);

-- seq (the rowid) orders a job's errors as they were found: by row.
CREATE TABLE import_errors (
    seq          INTEGER PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    import_id    TEXT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    row_no       INTEGER NOT NULL,
    field        TEXT NOT NULL DEFAULT '',
    message      TEXT NOT NULL
);
CREATE INDEX import_errors_import ON import_errors (import_id, seq);

-- +goose Down
DROP TABLE import_errors;
DROP TABLE imports;
