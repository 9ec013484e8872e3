-- +goose Up
-- The suppression list: per workspace, each address that received a
-- non-essential notification, with the random token its unsubscribe links
-- carry; unsubscribed_at is set once the address unsubscribed.
CREATE TABLE unsubscribes (
    workspace_id    TEXT NOT NULL,
    email           TEXT NOT NULL, -- lower-cased
    token           TEXT NOT NULL UNIQUE,
    unsubscribed_at INTEGER,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, email)
);

-- +goose Down
DROP TABLE unsubscribes;
