package postgres

import (
	"context"

	"github.com/enrollhq/enroll"
)

// keyRevokedChannel is the channel RevokeAPIKey notifies, once the
// revocation has committed, with the id of the key it revoked: PostgreSQL
// delivers the notification to every listening replica.
const keyRevokedChannel = "enroll_api_key_revoked"

var _ enroll.KeyRevocationWatcher = (*DB)(nil)

// WatchKeyRevocations implements enroll.KeyRevocationWatcher with LISTEN.
// Behind a pooler in transaction mode it hears nothing, and servers fall
// back on their key cache's expiry.
func (db *DB) WatchKeyRevocations(ctx context.Context, ready func(), revoked func(id string)) error {
	return db.listen(ctx, keyRevokedChannel, ready, revoked)
}
