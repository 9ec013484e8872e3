-- +goose Up
-- Web console sign-ins, kept in the database rather than in a process so
-- that every replica knows them and a restart signs nobody out. id is the
-- SHA-256 (hex) of the cookie's random id, never the id itself; key_hash
-- reads the API key again on every request, so revoking it ends the
-- session. flash and secret are '' when there is nothing to show. Times are
-- Unix microseconds.
CREATE TABLE console_sessions (
    id             TEXT NOT NULL PRIMARY KEY,
    workspace_id   TEXT NOT NULL,
    key_id         TEXT NOT NULL,
    key_hash       TEXT NOT NULL,
    workspace_name TEXT NOT NULL,
    csrf           TEXT NOT NULL,
    flash          TEXT NOT NULL,
    secret         TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    last_seen_at   INTEGER NOT NULL
);
-- The sweep deletes sessions idle too long or too old: one index per
-- condition, so each side of its OR is a range scan, not a table scan.
CREATE INDEX console_sessions_last_seen ON console_sessions (last_seen_at);
CREATE INDEX console_sessions_created ON console_sessions (created_at);

-- +goose Down
DROP TABLE console_sessions;
