package postgres

import (
	"context"
	"errors"
)

// StallInDispatch begins a transaction on one of db's pooled connections
// and takes the dispatch lock in it, as DispatchEvents does, then leaves
// the transaction idle, as a replica frozen mid-dispatch (a paused VM, a
// stopped process, a network partition) leaves it. resume ends it and
// reports the transaction's fate: an error when the server ended it.
func StallInDispatch(ctx context.Context, db *DB) (resume func() error, err error) {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	var locked bool
	if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, int64(dispatchLock)).Scan(&locked); err != nil || !locked {
		_ = tx.Rollback(ctx)
		return nil, errors.Join(err, errors.New("dispatch lock not taken"))
	}
	return func() error { return tx.Commit(ctx) }, nil
}
