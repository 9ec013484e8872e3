package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

// keyRevokedChannel is the channel RevokeAPIKey notifies, in its
// transaction, with the id of the key it revoked: PostgreSQL delivers the
// notification to every listening replica when the revocation commits.
const keyRevokedChannel = "enroll_api_key_revoked"

var _ enroll.KeyRevocationWatcher = (*DB)(nil)

// WatchKeyRevocations implements enroll.KeyRevocationWatcher with LISTEN
// on a connection of its own, outside the pool, so it never holds one of
// the pool's few connections. Behind a pooler in transaction mode LISTEN
// hears nothing, and servers fall back on their key cache's expiry.
func (db *DB) WatchKeyRevocations(ctx context.Context, ready func(), revoked func(id string)) error {
	conn, err := pgx.ConnectConfig(ctx, db.pool.Config().ConnConfig)
	if err != nil {
		return fmt.Errorf("postgres: watch key revocations: %w", err)
	}
	defer func() {
		closing, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = conn.Close(closing)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+keyRevokedChannel); err != nil {
		return fmt.Errorf("postgres: watch key revocations: %w", err)
	}
	ready()
	for {
		n, err := conn.WaitForNotification(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			return fmt.Errorf("postgres: watch key revocations: %w", err)
		}
		revoked(n.Payload)
	}
}
