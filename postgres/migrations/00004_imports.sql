-- Bulk import jobs (SPEC §7) and every error they found, one row each, so
-- that GET /v1/imports/{id}/errors lists them all. A job's counters (in
-- doc) and its errors are written in the transactions of the rows they
-- count. Deleting an instance deletes its jobs. Numbered like the SQLite
-- migration it mirrors.

-- +goose Up
CREATE TABLE imports (
    workspace_id TEXT NOT NULL,
    id           TEXT NOT NULL,
    instance_id  TEXT NOT NULL,
    status       TEXT NOT NULL,
    doc          JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    CONSTRAINT imports_pkey PRIMARY KEY (workspace_id, id),
    CONSTRAINT imports_instance_fkey FOREIGN KEY (workspace_id, instance_id)
        REFERENCES program_instances (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX imports_list ON imports (workspace_id, created_at, id);
-- Serves the cascade when an instance is deleted.
CREATE INDEX imports_instance ON imports (workspace_id, instance_id);

-- seq orders a job's errors as they were found: by row.
CREATE TABLE import_errors (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY,
    workspace_id TEXT NOT NULL,
    import_id    TEXT NOT NULL,
    row_no       INTEGER NOT NULL,
    field        TEXT NOT NULL DEFAULT '',
    message      TEXT NOT NULL,
    CONSTRAINT import_errors_pkey PRIMARY KEY (seq),
    CONSTRAINT import_errors_import_fkey FOREIGN KEY (workspace_id, import_id)
        REFERENCES imports (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX import_errors_import ON import_errors (workspace_id, import_id, seq);

-- +goose Down
DROP TABLE import_errors;
DROP TABLE imports;
