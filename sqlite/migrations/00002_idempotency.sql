-- Idempotency-Key records (SPEC §8): one per workspace and key, kept 24 h.
-- A record is claimed (in_progress) in a transaction of its own, marked
-- committed by the transaction that does the request's work, then completed
-- with the response. Times are Unix microseconds.

-- +goose Up
CREATE TABLE idempotency_keys (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    idem_key     TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('in_progress', 'committed', 'completed')),
    token        TEXT NOT NULL,
    object_id    TEXT,
    status       INTEGER,
    header       TEXT,
    body         BLOB,
    created_at   INTEGER NOT NULL,
    locked_at    INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, idem_key)
);
-- Expiry deletes by age across workspaces.
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
