-- +goose Up
-- Notification templates: per program instance, or (instance_id = '') the
-- workspace's default; one per instance, status and audience.
CREATE TABLE notification_templates (
    id           TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    instance_id  TEXT NOT NULL,
    status       TEXT NOT NULL,
    audience     TEXT NOT NULL,
    doc          TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX notification_templates_one ON notification_templates (workspace_id, instance_id, status, audience);

-- Each instance's notification settings, once changed from the defaults.
CREATE TABLE notification_settings (
    workspace_id TEXT NOT NULL,
    instance_id  TEXT NOT NULL,
    doc          TEXT NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, instance_id)
);

-- The notification queue and its record: one row per status change,
-- template and recipient, rendered, with every attempt in doc.
CREATE TABLE notifications (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    workspace_id    TEXT NOT NULL,
    enrollment_id   TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    template_id     TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    status          TEXT NOT NULL,
    next_attempt_at INTEGER,
    lease_until     INTEGER,
    doc             TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
-- A change is notified to a recipient once per template.
CREATE UNIQUE INDEX notifications_once ON notifications (event_id, template_id, recipient);
CREATE INDEX notifications_enrollment ON notifications (workspace_id, enrollment_id, seq);
CREATE INDEX notifications_workspace ON notifications (workspace_id, seq);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'pending';

-- +goose Down
DROP TABLE notifications;
DROP TABLE notification_settings;
DROP TABLE notification_templates;
