-- +goose Up
-- The position (dispatch_seq) of the newest event of each counter key
-- that the event retention deleted (eventexpiry.go), 0 for none, each
-- shard the greatest its sweeps deleted (a key's is the greatest of its
-- shards): a poll GET /v1/events?after= whose cursor is before it, of a
-- key its filter may list, would skip deleted events, and is told to
-- start again (enroll.ErrAfterExpired, event_after.go). The index finds
-- a workspace's keys of a type deleted past a cursor, a range of it per
-- type, rather than reading every shard of every counter of the
-- workspace at each poll; a counter's n changes without touching it (the
-- update stays HOT), and a key never swept is not in it. Written so that
-- it can run again over itself (TestMigrateRetriesIndexBuild runs the
-- migrations after 11 again). During a rolling deploy a replica of the
-- release before sweeps as it did, keeping no event for pollers and
-- raising no expired_seq, until it is replaced.
ALTER TABLE event_counts ADD COLUMN IF NOT EXISTS expired_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS event_counts_expired ON event_counts (workspace_id, type, expired_seq) WHERE expired_seq > 0;

-- +goose Down
DROP INDEX IF EXISTS event_counts_expired;
ALTER TABLE event_counts DROP COLUMN IF EXISTS expired_seq;
