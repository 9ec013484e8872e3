package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// listen calls fn with the payload of each notification on channel until
// ctx is done or the connection fails, on a connection of its own outside
// the pool, so that it never holds one of the pool's few connections. It
// calls ready once it listens. Behind a pooler in transaction mode LISTEN
// hears nothing.
func (db *DB) listen(ctx context.Context, channel string, ready func(), fn func(payload string)) error {
	conn, err := pgx.ConnectConfig(ctx, db.pool.Config().ConnConfig)
	if err != nil {
		return fmt.Errorf("postgres: listen %s: %w", channel, err)
	}
	defer func() {
		closing, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = conn.Close(closing)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return fmt.Errorf("postgres: listen %s: %w", channel, err)
	}
	ready()
	for {
		n, err := conn.WaitForNotification(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			return fmt.Errorf("postgres: listen %s: %w", channel, err)
		}
		fn(n.Payload)
	}
}
