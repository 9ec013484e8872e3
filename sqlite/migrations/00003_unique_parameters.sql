-- Values of parameters declared unique, held by open enrollments: the
-- primary key makes the database refuse a second holder in an instance.

-- +goose Up
CREATE TABLE enrollment_unique_values (
    workspace_id  TEXT NOT NULL,
    instance_id   TEXT NOT NULL,
    external_id   TEXT NOT NULL,
    value         TEXT NOT NULL,
    enrollment_id TEXT NOT NULL REFERENCES enrollments (id) ON DELETE CASCADE,
    PRIMARY KEY (instance_id, external_id, value)
);
CREATE INDEX enrollment_unique_values_enrollment ON enrollment_unique_values (enrollment_id);

-- +goose Down
DROP TABLE enrollment_unique_values;
