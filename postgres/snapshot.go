package postgres

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
)

// snapshotKey is the context key of a snapshot's transaction.
type snapshotKey struct{}

// snapshotIdle bounds how long a snapshot may wait between its reads: an
// export waits there for its client to take a page, which the server's
// write deadline bounds more tightly; the session's own bound (the
// statement timeout) could end a slow client's export midway.
const snapshotIdle = "10min"

// Snapshot implements enroll.Store: a read-only REPEATABLE READ
// transaction, whose snapshot its first statement takes, so that every
// later read through the returned context (those of db.read:
// ListEnrollments and the others) sees the database as it was then. It
// holds one of the pool's connections, and back the horizon of vacuum,
// until it ends.
// At most half the pool's connections are held by snapshots at once: a
// snapshot waits for a slot rather than leave the other reads and the
// writes none.
func (db *DB) Snapshot(ctx context.Context) (context.Context, func(), error) {
	slots := db.snapshotSlots.Get(int(db.pool.Config().MaxConns))
	if slots == nil {
		// A pool of one connection: reads see each their own moment.
		return ctx, func() {}, nil
	}
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, fmt.Errorf("postgres: snapshot: %w", ctx.Err())
	}
	ptx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		<-slots
		return nil, nil, fmt.Errorf("postgres: snapshot: %w", wrap(err))
	}
	release := sync.OnceFunc(func() {
		_ = ptx.Rollback(context.WithoutCancel(ctx))
		<-slots
	})
	if _, err := ptx.Exec(ctx, `SET LOCAL idle_in_transaction_session_timeout = '`+snapshotIdle+`'`); err != nil {
		release()
		return nil, nil, fmt.Errorf("postgres: snapshot: %w", wrap(err))
	}
	// SET takes no snapshot; a query does.
	var n int
	if err := ptx.QueryRow(ctx, `SELECT 1`).Scan(&n); err != nil {
		release()
		return nil, nil, fmt.Errorf("postgres: snapshot: %w", wrap(err))
	}
	return context.WithValue(ctx, snapshotKey{}, ptx), release, nil
}

// snapshotOf returns the snapshot's transaction ctx carries, or nil.
func snapshotOf(ctx context.Context) pgx.Tx {
	tx, _ := ctx.Value(snapshotKey{}).(pgx.Tx)
	return tx
}
