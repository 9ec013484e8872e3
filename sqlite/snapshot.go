package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// snapshotKey is the context key of a snapshot's read transaction.
type snapshotKey struct{}

// Snapshot implements enroll.Store: a read transaction on a reader
// connection, begun by a first read, so that every later read through the
// returned context (ListEnrollments) sees the database as it was then.
// While it is open the WAL cannot start over past it (it grows by the
// writes made meanwhile, and is checkpointed once it ends).
// At most half the reader pool's connections are held by snapshots at
// once (enroll.SnapshotSlots): a snapshot waits for a slot rather than leave
// the other reads none.
func (db *DB) Snapshot(ctx context.Context) (context.Context, func(), error) {
	slots := db.snapshotSlots.Get(db.r.Stats().MaxOpenConnections)
	if slots == nil {
		// A pool of one connection: reads see each their own moment.
		return ctx, func() {}, nil
	}
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, fmt.Errorf("sqlite: snapshot: %w", ctx.Err())
	}
	tx, err := db.r.DB.BeginTx(ctx, nil)
	if err != nil {
		<-slots
		return nil, nil, fmt.Errorf("sqlite: snapshot: %w", err)
	}
	// A deferred transaction takes its snapshot at its first read.
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema`).Scan(&n); err != nil {
		_ = tx.Rollback()
		<-slots
		return nil, nil, fmt.Errorf("sqlite: snapshot: %w", err)
	}
	release := func() {
		_ = tx.Rollback()
		<-slots
	}
	return context.WithValue(ctx, snapshotKey{}, tx), sync.OnceFunc(release), nil
}

// snapshotOf returns the snapshot's transaction ctx carries, or nil.
func snapshotOf(ctx context.Context) *sql.Tx {
	tx, _ := ctx.Value(snapshotKey{}).(*sql.Tx)
	return tx
}
