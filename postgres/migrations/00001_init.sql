-- Enroll's PostgreSQL schema, the design of the SQLite one: each table keeps
-- the object's JSON representation in `doc` (jsonb, the truth for reads) and
-- copies what constraints, filters and sorts need into indexed columns.
--
-- Differences, and why:
-- - Times are timestamptz, which keeps the microseconds the domain keeps.
-- - last_name, the one text column lists sort on, uses the "C" collation,
--   so the lastName sort and its keyset comparisons are bytewise, exactly
--   like SQLite's BINARY collation, whatever the database's locale.
-- - Tenant tables are keyed (workspace_id, id) and reference each other by
--   (workspace_id, ...), so a row can never point into another workspace,
--   and the indexes that lead with workspace_id also serve foreign key checks.
-- - Constraints are named: the store translates violations by name.

-- +goose Up
CREATE TABLE workspaces (
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT workspaces_pkey PRIMARY KEY (id),
    CONSTRAINT workspaces_name_key UNIQUE (name)
);

-- Keys are found by hash or by id alone (authentication knows no workspace yet).
CREATE TABLE api_keys (
    id           TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    hash         TEXT NOT NULL,
    doc          JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    CONSTRAINT api_keys_pkey PRIMARY KEY (id),
    CONSTRAINT api_keys_hash_key UNIQUE (hash),
    CONSTRAINT api_keys_workspace_fkey FOREIGN KEY (workspace_id) REFERENCES workspaces (id)
);
CREATE INDEX api_keys_workspace ON api_keys (workspace_id, created_at);

CREATE TABLE programs (
    workspace_id TEXT NOT NULL,
    id           TEXT NOT NULL,
    slug         TEXT NOT NULL,
    active       BOOLEAN NOT NULL,
    doc          JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    CONSTRAINT programs_pkey PRIMARY KEY (workspace_id, id),
    CONSTRAINT programs_slug_key UNIQUE (workspace_id, slug),
    CONSTRAINT programs_workspace_fkey FOREIGN KEY (workspace_id) REFERENCES workspaces (id)
);
CREATE INDEX programs_list ON programs (workspace_id, created_at, id);

CREATE TABLE program_instances (
    workspace_id TEXT NOT NULL,
    id           TEXT NOT NULL,
    program_id   TEXT NOT NULL,
    slug         TEXT NOT NULL,
    status       TEXT NOT NULL,
    doc          JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    CONSTRAINT program_instances_pkey PRIMARY KEY (workspace_id, id),
    CONSTRAINT program_instances_slug_key UNIQUE (program_id, slug),
    CONSTRAINT program_instances_program_fkey FOREIGN KEY (workspace_id, program_id) REFERENCES programs (workspace_id, id)
);
CREATE INDEX program_instances_list ON program_instances (workspace_id, created_at, id);
CREATE INDEX program_instances_program ON program_instances (workspace_id, program_id, created_at, id);

CREATE TABLE customers (
    workspace_id TEXT NOT NULL,
    id           TEXT NOT NULL,
    email_norm   TEXT NOT NULL,
    reference_id TEXT NOT NULL DEFAULT '',
    doc          JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    CONSTRAINT customers_pkey PRIMARY KEY (workspace_id, id),
    CONSTRAINT customers_email_key UNIQUE (workspace_id, email_norm),
    CONSTRAINT customers_workspace_fkey FOREIGN KEY (workspace_id) REFERENCES workspaces (id)
);
CREATE INDEX customers_list ON customers (workspace_id, created_at, id);
CREATE INDEX customers_reference ON customers (workspace_id, reference_id) WHERE reference_id <> '';

CREATE TABLE leads (
    workspace_id TEXT NOT NULL,
    id           TEXT NOT NULL,
    email_norm   TEXT NOT NULL DEFAULT '',
    customer_id  TEXT,
    doc          JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    CONSTRAINT leads_pkey PRIMARY KEY (workspace_id, id),
    CONSTRAINT leads_workspace_fkey FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    CONSTRAINT leads_customer_fkey FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id)
);
CREATE INDEX leads_list ON leads (workspace_id, created_at, id);
CREATE INDEX leads_email ON leads (workspace_id, email_norm) WHERE email_norm <> '';
-- Serves the foreign key check when a customer is deleted.
CREATE INDEX leads_customer ON leads (workspace_id, customer_id) WHERE customer_id IS NOT NULL;

CREATE TABLE enrollments (
    workspace_id TEXT NOT NULL,
    id           TEXT NOT NULL,
    instance_id  TEXT NOT NULL,
    customer_id  TEXT,
    lead_id      TEXT,
    status       TEXT NOT NULL,
    email_norm   TEXT NOT NULL DEFAULT '',
    reference_id TEXT NOT NULL DEFAULT '',
    first_name   TEXT NOT NULL DEFAULT '',
    -- Sorted on: bytewise, exactly like SQLite's BINARY collation.
    last_name    TEXT COLLATE "C" NOT NULL DEFAULT '',
    doc          JSONB NOT NULL,
    version      INTEGER NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    CONSTRAINT enrollments_pkey PRIMARY KEY (workspace_id, id),
    CONSTRAINT enrollments_instance_fkey FOREIGN KEY (workspace_id, instance_id) REFERENCES program_instances (workspace_id, id),
    CONSTRAINT enrollments_customer_fkey FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id),
    CONSTRAINT enrollments_lead_fkey FOREIGN KEY (workspace_id, lead_id) REFERENCES leads (workspace_id, id)
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
-- rather than by a check-then-insert race, so it holds across replicas.
CREATE UNIQUE INDEX enrollments_open_customer ON enrollments (instance_id, customer_id)
    WHERE customer_id IS NOT NULL AND status NOT IN ('rejected', 'unenrolled');
CREATE UNIQUE INDEX enrollments_open_lead ON enrollments (instance_id, lead_id)
    WHERE customer_id IS NULL AND lead_id IS NOT NULL AND status NOT IN ('rejected', 'unenrolled');

-- Per-instance, per-status counts kept in the same transaction as every
-- enrollment write: totals and capacity checks without scanning.
CREATE TABLE enrollment_counts (
    workspace_id TEXT NOT NULL,
    instance_id  TEXT NOT NULL,
    status       TEXT NOT NULL,
    n            BIGINT NOT NULL,
    CONSTRAINT enrollment_counts_pkey PRIMARY KEY (workspace_id, instance_id, status),
    CONSTRAINT enrollment_counts_instance_fkey FOREIGN KEY (workspace_id, instance_id)
        REFERENCES program_instances (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX enrollment_counts_workspace ON enrollment_counts (workspace_id, status);

-- seq is an identity column (not SERIAL): it orders an enrollment's history,
-- whose writers the enrollment's row lock serialises, and the event feed.
CREATE TABLE status_changes (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY,
    id            TEXT NOT NULL,
    workspace_id  TEXT NOT NULL,
    enrollment_id TEXT NOT NULL,
    doc           JSONB NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    CONSTRAINT status_changes_pkey PRIMARY KEY (seq),
    CONSTRAINT status_changes_id_key UNIQUE (id),
    CONSTRAINT status_changes_enrollment_fkey FOREIGN KEY (workspace_id, enrollment_id)
        REFERENCES enrollments (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX status_changes_enrollment ON status_changes (workspace_id, enrollment_id, seq);

CREATE TABLE events (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY,
    id           TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    type         TEXT NOT NULL,
    object_id    TEXT NOT NULL,
    doc          JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    CONSTRAINT events_pkey PRIMARY KEY (seq),
    CONSTRAINT events_id_key UNIQUE (id)
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
