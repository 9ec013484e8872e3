-- Idempotency-Key records (SPEC §8): one per workspace and key, kept 24 h.
-- A record is claimed (in_progress) in a transaction of its own, marked
-- committed by the transaction that does the request's work, then completed
-- with the response. The primary key makes concurrent claims of one key on
-- any replica agree on one holder. Numbered like the SQLite migration it
-- mirrors.

-- +goose Up
CREATE TABLE idempotency_keys (
    workspace_id TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    state        TEXT NOT NULL,
    token        TEXT NOT NULL,
    object_id    TEXT,
    status       INTEGER,
    header       JSONB,
    body         BYTEA,
    created_at   TIMESTAMPTZ NOT NULL,
    locked_at    TIMESTAMPTZ NOT NULL,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (workspace_id, idem_key),
    CONSTRAINT idempotency_keys_state_check CHECK (state IN ('in_progress', 'committed', 'completed')),
    CONSTRAINT idempotency_keys_workspace_fkey FOREIGN KEY (workspace_id) REFERENCES workspaces (id)
);
-- Expiry deletes by age across workspaces.
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
