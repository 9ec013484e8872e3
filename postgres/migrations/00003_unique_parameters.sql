-- Values of parameters declared unique, held by open enrollments: the
-- primary key makes the database refuse a second holder in an instance, on
-- any replica. Numbered like the SQLite migration it mirrors.

-- +goose Up
CREATE TABLE enrollment_unique_values (
    workspace_id  TEXT NOT NULL,
    instance_id   TEXT NOT NULL,
    external_id   TEXT NOT NULL,
    value         TEXT NOT NULL,
    enrollment_id TEXT NOT NULL,
    CONSTRAINT enrollment_unique_values_pkey PRIMARY KEY (instance_id, external_id, value),
    CONSTRAINT enrollment_unique_values_enrollment_fkey FOREIGN KEY (workspace_id, enrollment_id)
        REFERENCES enrollments (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX enrollment_unique_values_enrollment ON enrollment_unique_values (workspace_id, enrollment_id);

-- +goose Down
DROP TABLE enrollment_unique_values;
