-- Enroll's SQLite schema. Each table keeps the object's JSON representation
-- in `doc` (the truth for reads) and copies the fields that constraints,
-- filters and sorts need into indexed columns. Times are Unix microseconds.

-- +goose Up
CREATE TABLE workspaces (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    hash         TEXT NOT NULL UNIQUE,
    doc          TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_keys_workspace ON api_keys (workspace_id, created_at);

CREATE TABLE programs (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    slug         TEXT NOT NULL,
    active       INTEGER NOT NULL,
    doc          TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (workspace_id, slug)
);
CREATE INDEX programs_list ON programs (workspace_id, created_at, id);

CREATE TABLE program_instances (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    program_id   TEXT NOT NULL REFERENCES programs (id),
    slug         TEXT NOT NULL,
    status       TEXT NOT NULL,
    doc          TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (program_id, slug)
);
CREATE INDEX program_instances_list ON program_instances (workspace_id, created_at, id);
CREATE INDEX program_instances_program ON program_instances (workspace_id, program_id, created_at, id);

CREATE TABLE customers (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    email_norm   TEXT NOT NULL,
    reference_id TEXT NOT NULL DEFAULT '',
    doc          TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (workspace_id, email_norm)
);
CREATE INDEX customers_list ON customers (workspace_id, created_at, id);
CREATE INDEX customers_reference ON customers (workspace_id, reference_id) WHERE reference_id <> '';

CREATE TABLE leads (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    email_norm   TEXT NOT NULL DEFAULT '',
    customer_id  TEXT REFERENCES customers (id),
    doc          TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX leads_list ON leads (workspace_id, created_at, id);
CREATE INDEX leads_email ON leads (workspace_id, email_norm) WHERE email_norm <> '';

CREATE TABLE enrollments (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    instance_id  TEXT NOT NULL REFERENCES program_instances (id),
    customer_id  TEXT REFERENCES customers (id),
    lead_id      TEXT REFERENCES leads (id),
    status       TEXT NOT NULL,
    email_norm   TEXT NOT NULL DEFAULT '',
    reference_id TEXT NOT NULL DEFAULT '',
    first_name   TEXT NOT NULL DEFAULT '',
    last_name    TEXT NOT NULL DEFAULT '',
    doc          TEXT NOT NULL,
    version      INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
-- Keyset paging: one index per (scope, sort) the lists offer, so a page
-- costs the same at any depth and size.
CREATE INDEX enrollments_instance_status_created ON enrollments (workspace_id, instance_id, status, created_at, id);
CREATE INDEX enrollments_instance_created ON enrollments (workspace_id, instance_id, created_at, id);
CREATE INDEX enrollments_instance_updated ON enrollments (workspace_id, instance_id, updated_at, id);
CREATE INDEX enrollments_instance_last_name ON enrollments (workspace_id, instance_id, last_name, id);
CREATE INDEX enrollments_created ON enrollments (workspace_id, created_at, id);
CREATE INDEX enrollments_updated ON enrollments (workspace_id, updated_at, id);
CREATE INDEX enrollments_customer ON enrollments (workspace_id, customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX enrollments_lead ON enrollments (workspace_id, lead_id) WHERE lead_id IS NOT NULL;
CREATE INDEX enrollments_email ON enrollments (workspace_id, email_norm) WHERE email_norm <> '';
CREATE INDEX enrollments_reference ON enrollments (workspace_id, reference_id) WHERE reference_id <> '';
-- At most one open enrollment per participant and instance, enforced here
-- rather than by a check-then-insert race.
CREATE UNIQUE INDEX enrollments_open_customer ON enrollments (instance_id, customer_id)
    WHERE customer_id IS NOT NULL AND status NOT IN ('rejected', 'unenrolled');
CREATE UNIQUE INDEX enrollments_open_lead ON enrollments (instance_id, lead_id)
    WHERE customer_id IS NULL AND lead_id IS NOT NULL AND status NOT IN ('rejected', 'unenrolled');

-- Per-instance, per-status counts kept in the same transaction as every
-- enrollment write: totals and capacity checks without scanning.
CREATE TABLE enrollment_counts (
    workspace_id TEXT NOT NULL,
    instance_id  TEXT NOT NULL REFERENCES program_instances (id) ON DELETE CASCADE,
    status       TEXT NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (instance_id, status)
);
CREATE INDEX enrollment_counts_workspace ON enrollment_counts (workspace_id, status);

CREATE TABLE status_changes (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    workspace_id  TEXT NOT NULL,
    enrollment_id TEXT NOT NULL REFERENCES enrollments (id) ON DELETE CASCADE,
    doc           TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX status_changes_enrollment ON status_changes (workspace_id, enrollment_id, seq);

CREATE TABLE events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL,
    type         TEXT NOT NULL,
    object_id    TEXT NOT NULL,
    doc          TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX events_workspace ON events (workspace_id, seq);
CREATE INDEX events_object ON events (workspace_id, object_id, seq);
CREATE INDEX events_type ON events (workspace_id, type, seq);

-- +goose Down
DROP TABLE events;
DROP TABLE status_changes;
DROP TABLE enrollment_counts;
DROP TABLE enrollments;
DROP TABLE leads;
DROP TABLE customers;
DROP TABLE program_instances;
DROP TABLE programs;
DROP TABLE api_keys;
DROP TABLE workspaces;
