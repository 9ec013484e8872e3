-- +goose Up
-- Webhook endpoints. secrets holds the signing secrets (JSON, newest first);
-- doc the rest of the endpoint as the API shows it.
CREATE TABLE webhook_endpoints (
    id           TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    enabled      INTEGER NOT NULL,
    secrets      TEXT NOT NULL,
    doc          TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX webhook_endpoints_enabled ON webhook_endpoints (enabled, workspace_id);

-- The delivery queue and its record: one row per event and endpoint (and
-- per redelivery), with every attempt in doc.
CREATE TABLE webhook_deliveries (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    workspace_id    TEXT NOT NULL,
    endpoint_id     TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    stream          TEXT NOT NULL,
    event_seq       INTEGER NOT NULL,
    status          TEXT NOT NULL,
    redelivery_of   TEXT,
    next_attempt_at INTEGER,
    lease_until     INTEGER,
    doc             TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (workspace_id, endpoint_id, seq);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (workspace_id, endpoint_id, event_id);
-- An event is dispatched to an endpoint once; redeliveries are extra rows.
CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries (endpoint_id, event_id) WHERE redelivery_of IS NULL;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_stream ON webhook_deliveries (endpoint_id, stream, event_seq) WHERE status = 'pending';

-- How far DispatchEvents has read the events table. SQLite has one writer,
-- so events commit in seq order and a cursor never skips one. Events from
-- before webhooks existed had no endpoint to go to.
CREATE TABLE webhook_dispatch (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL
);
INSERT INTO webhook_dispatch (id, last_seq) SELECT 1, COALESCE(MAX(seq), 0) FROM events;

-- +goose Down
DROP TABLE webhook_dispatch;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
