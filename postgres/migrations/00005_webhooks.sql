-- +goose Up
-- Webhook endpoints. secrets holds the signing secrets (newest first); doc
-- the rest of the endpoint as the API shows it.
CREATE TABLE webhook_endpoints (
    id           TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    enabled      BOOLEAN NOT NULL,
    secrets      JSONB NOT NULL,
    doc          JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    CONSTRAINT webhook_endpoints_pkey PRIMARY KEY (workspace_id, id)
);
CREATE INDEX webhook_endpoints_enabled ON webhook_endpoints (enabled, workspace_id);

-- The delivery queue and its record: one row per event and endpoint (and
-- per redelivery), with every attempt in doc.
CREATE TABLE webhook_deliveries (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY,
    id              TEXT NOT NULL,
    workspace_id    TEXT NOT NULL,
    endpoint_id     TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    stream          TEXT NOT NULL,
    event_seq       BIGINT NOT NULL,
    status          TEXT NOT NULL,
    redelivery_of   TEXT,
    next_attempt_at TIMESTAMPTZ,
    lease_until     TIMESTAMPTZ,
    doc             JSONB NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (seq),
    CONSTRAINT webhook_deliveries_id_key UNIQUE (id)
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (workspace_id, endpoint_id, seq);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (workspace_id, endpoint_id, event_id);
-- An event is dispatched to an endpoint once; redeliveries are extra rows.
CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries (endpoint_id, event_id) WHERE redelivery_of IS NULL;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_stream ON webhook_deliveries (endpoint_id, stream, event_seq) WHERE status = 'pending';

-- Events wait for DispatchEvents until it marks them. Replicas commit
-- concurrently, so identity values are not in commit order and a cursor
-- could skip a late commit; a flag cannot. Existing events had no endpoint
-- to go to: they start dispatched, and only new rows default to waiting.
ALTER TABLE events ADD COLUMN dispatched BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE events ALTER COLUMN dispatched SET DEFAULT false;
CREATE INDEX events_undispatched ON events (seq) WHERE NOT dispatched;
-- dispatch_seq numbers events in the order DispatchEvents marked them. One
-- dispatcher runs at a time, so it is also commit order: a consumer polling
-- GET /v1/events?after= by it never misses an event that committed late.
ALTER TABLE events ADD COLUMN dispatch_seq BIGINT;
UPDATE events SET dispatch_seq = seq;
CREATE SEQUENCE events_dispatch_seq;
SELECT setval('events_dispatch_seq', COALESCE((SELECT MAX(seq) FROM events), 0) + 1, false);
CREATE INDEX events_dispatch ON events (workspace_id, dispatch_seq) WHERE dispatch_seq IS NOT NULL;

-- +goose Down
DROP INDEX events_dispatch;
DROP SEQUENCE events_dispatch_seq;
ALTER TABLE events DROP COLUMN dispatch_seq;
DROP INDEX events_undispatched;
ALTER TABLE events DROP COLUMN dispatched;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
