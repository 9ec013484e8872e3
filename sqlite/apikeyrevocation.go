package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/enrollhq/enroll"
)

// revocationPoll is how often WatchKeyRevocations reads the revoked keys.
// SQLite cannot notify another process, and the read is a few index pages.
const revocationPoll = time.Second

// revokedKeysQuery reads the ids of every revoked key, of every
// workspace (a server's key cache holds keys of all of them), from the
// partial index api_keys_revoked.
const revokedKeysQuery = `SELECT id FROM api_keys WHERE revoked_at IS NOT NULL`

var _ enroll.KeyRevocationWatcher = (*DB)(nil)

// WatchKeyRevocations implements enroll.KeyRevocationWatcher by reading
// the ids of the revoked keys every revocationPoll and reporting those it
// had not seen. It compares sets of committed rows rather than revocation
// times, so a revocation that commits late is not skipped.
func (db *DB) WatchKeyRevocations(ctx context.Context, ready func(), revoked func(id string)) error {
	seen, err := db.revokedKeys(ctx)
	if err != nil {
		return err
	}
	ready()
	tick := time.NewTicker(revocationPoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		now, err := db.revokedKeys(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			return err
		}
		for id := range now {
			if _, ok := seen[id]; !ok {
				revoked(id)
			}
		}
		seen = now
	}
}

// revokedKeys returns the ids of every revoked key.
func (db *DB) revokedKeys(ctx context.Context) (map[string]struct{}, error) {
	rows, err := db.r.QueryContext(ctx, revokedKeysQuery)
	if err != nil {
		return nil, fmt.Errorf("sqlite: watch key revocations: %w", err)
	}
	defer rows.Close()
	ids := map[string]struct{}{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlite: watch key revocations: %w", err)
		}
		ids[id] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: watch key revocations: %w", err)
	}
	return ids, nil
}
