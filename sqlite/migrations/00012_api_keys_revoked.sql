-- +goose Up
-- The revoked keys, which each server reads every second to drop keys
-- revoked by another process (`enroll key revoke`) from its key cache
-- (sqlite/apikeyrevocation.go): the index holds those rows only.
CREATE INDEX api_keys_revoked ON api_keys (id) WHERE revoked_at IS NOT NULL;

-- +goose Down
DROP INDEX api_keys_revoked;
