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
// once (snapshotSlots): a snapshot waits for a slot rather than leave
// the other reads none.
func (db *DB) Snapshot(ctx context.Context) (context.Context, func(), error) {
	slots := db.snapshotSlots.get(db.r.Stats().MaxOpenConnections)
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

// snapshotSlots bounds the snapshots open at once to half of a pool's
// connections, at least one: made on first use, from the pool's size.
type snapshotSlots struct {
	once  sync.Once
	slots chan struct{}
}

// get returns the slots of a pool of size connections.
func (s *snapshotSlots) get(size int) chan struct{} {
	s.once.Do(func() { s.slots = make(chan struct{}, max(1, size/2)) })
	return s.slots
}

// snapshotOf returns the snapshot's transaction ctx carries, or nil.
func snapshotOf(ctx context.Context) *sql.Tx {
	tx, _ := ctx.Value(snapshotKey{}).(*sql.Tx)
	return tx
}
