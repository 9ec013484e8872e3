-- +goose Up
-- The program instance an event belongs to (an enrollment's, or an
-- instance's own; NULL for program events), so a key limited to instances
-- lists its events, and counts them, in the query.
ALTER TABLE events ADD COLUMN instance_id TEXT;
UPDATE events SET instance_id = CASE
    WHEN type LIKE 'enrollment.%' THEN json_extract(doc, '$.data.object.programInstanceId')
    WHEN type LIKE 'programInstance.%' THEN object_id
END;

-- +goose Down
ALTER TABLE events DROP COLUMN instance_id;
