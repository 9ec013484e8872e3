-- +goose Up
-- The position (seq) of the newest event of each counter key that the
-- event retention deleted (eventexpiry.go), 0 for none: a poll
-- GET /v1/events?after= whose cursor is before it, of a key its filter
-- may list, would skip deleted events, and is told to start again
-- (enroll.ErrAfterExpired, event_after.go). The index finds a
-- workspace's keys of a type deleted past a cursor, a range of it per
-- type, rather than reading every counter of the workspace at each poll;
-- a counter's n changes without touching it, and a key never swept is
-- not in it.
ALTER TABLE event_counts ADD COLUMN expired_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX event_counts_expired ON event_counts (workspace_id, type, expired_seq) WHERE expired_seq > 0;

-- +goose Down
DROP INDEX event_counts_expired;
ALTER TABLE event_counts DROP COLUMN expired_seq;
