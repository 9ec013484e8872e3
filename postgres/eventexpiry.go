package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/enrollhq/enroll"
)

// expiryBatch is how many rows of a table one transaction of
// DeleteExpiredEvents deletes at most, so that its row locks and its WAL
// stay small.
var expiryBatch = 500

// DeleteExpiredEvents implements enroll.WebhookStore, each table's walk
// (enroll.DeleteInBatches) reading on the pool and deleting in a write
// transaction a batch.
//
// An event goes only once dispatched, and DispatchEvents commits its
// deliveries and notifications with the mark, so the DELETE that sees the
// mark sees them too. The one later reference is a redelivery, which
// locks the delivery it copies (FOR SHARE): either that delivery is still
// there for the event's DELETE to see, or the redelivery committed before
// it was deleted, where the event's DELETE, a later statement, sees it.
func (db *DB) DeleteExpiredEvents(ctx context.Context, retention time.Duration) (enroll.ExpiredEvents, error) {
	var out enroll.ExpiredEvents
	cutoff := db.clock.Now().Add(-retention)
	var err error
	if out.Deliveries, err = db.expireRows(ctx, "webhook_deliveries", cutoff, `WITH gone AS (DELETE FROM webhook_deliveries
		WHERE seq > $1 AND seq <= $2 AND status IN ('succeeded', 'failed') AND created_at < $3 AND updated_at < $3
		RETURNING 1) SELECT COUNT(*) FROM gone`); err != nil {
		return out, err
	}
	if out.Notifications, err = db.expireRows(ctx, "notifications", cutoff, `WITH gone AS (DELETE FROM notifications
		WHERE seq > $1 AND seq <= $2 AND status IN ('sent', 'skipped', 'failed') AND created_at < $3 AND updated_at < $3
		RETURNING 1) SELECT COUNT(*) FROM gone`); err != nil {
		return out, err
	}
	out.Events, err = db.expireEvents(ctx, cutoff)
	// The backlogs of ?after= polls remembered may count events deleted,
	// by this call or by another replica's since this one last swept.
	db.backlogs.Forget()
	return out, err
}

// deleteExpiredEvents deletes the events of seq range ($1, $2] but
// those of $4, and the events of $5, created before $3, dispatched, and
// needed by no delivery nor pending notification, and returns how many.
// An event's deliveries are found endpoint by endpoint of its workspace,
// each a probe of webhook_deliveries_event, whose middle column is the
// endpoint: LATERAL keeps the planner from reading the workspace's whole
// range of the index for each event instead. The counters of the events
// deleted go down in the same statement, in this backend's shard (a count
// sums the shards), and the shard's expired_seq rises to the newest
// dispatch_seq deleted of its key (ErrAfterExpired, event_after.go). A
// key's count never falls to 0: its newest event stays.
const deleteExpiredEvents = `WITH gone AS (
		DELETE FROM events e WHERE (seq > $1 AND seq <= $2 AND seq <> ALL($4::bigint[]) OR seq = ANY($5::bigint[]))
		AND created_at < $3 AND dispatched
		AND NOT EXISTS (SELECT 1 FROM webhook_endpoints ep, LATERAL (SELECT 1 FROM webhook_deliveries d
			WHERE d.workspace_id = ep.workspace_id AND d.endpoint_id = ep.id AND d.event_id = e.id LIMIT 1) x
			WHERE ep.workspace_id = e.workspace_id)
		AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.event_id = e.id AND n.status = 'pending')
		RETURNING workspace_id, instance_id, type, dispatch_seq),
	counted AS (INSERT INTO event_counts (workspace_id, instance_id, type, shard, n, expired_seq)
		SELECT workspace_id, COALESCE(instance_id, ''), type, pg_backend_pid() % 16, -COUNT(*), MAX(dispatch_seq)
		FROM gone GROUP BY 1, 2, 3
		ON CONFLICT (workspace_id, instance_id, type, shard) DO UPDATE SET n = event_counts.n + excluded.n,
			expired_seq = GREATEST(event_counts.expired_seq, excluded.expired_seq))
	SELECT COUNT(*) FROM gone`

// expireEvents walks the events created before cutoff as expireRows
// does, deleting in each batch (deleteExpiredEvents) those that may go
// but the newest dispatched one of each key (enroll.NewestKept), kept for
// pollers, and those the batch's events are newer than, kept by an
// earlier batch. An event not dispatched when read stays for the next
// sweep, though dispatched by the time of its batch's delete.
func (db *DB) expireEvents(ctx context.Context, cutoff time.Time) (int, error) {
	var kept enroll.NewestKept
	var keep, superseded []int64
	next := func(lo int64) (int64, bool, error) {
		hi, more, events, err := db.expiredEvents(ctx, lo, cutoff)
		keep, superseded = kept.Batch(events)
		return hi, more, err
	}
	return enroll.DeleteInBatches(next, func(lo, hi int64) (int, error) {
		var n int64
		err := db.write(ctx, func(tx *tx) error {
			// A nil slice is NULL, which seq <> ALL would take for no row.
			return tx.QueryRow(ctx, deleteExpiredEvents, lo, hi, cutoff, append([]int64{}, keep...), append([]int64{}, superseded...)).Scan(&n)
		})
		if err != nil {
			return 0, fmt.Errorf("postgres: delete expired events: %w", wrap(err))
		}
		return int(n), nil
	})
}

// expiredEvents is expiryRange of the events, which also returns the
// events of the range, each with its key and its position (its
// dispatch_seq, 0 while not dispatched).
func (db *DB) expiredEvents(ctx context.Context, lo int64, cutoff time.Time) (hi int64, more bool, events []enroll.SweptEvent, err error) {
	rows, err := db.pool.Query(ctx, `SELECT seq, created_at, workspace_id, COALESCE(instance_id, ''), type,
		COALESCE(CASE WHEN dispatched THEN dispatch_seq END, 0) FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`, lo, expiryBatch)
	if err != nil {
		return lo, false, nil, fmt.Errorf("postgres: expired events: %w", wrap(err))
	}
	defer rows.Close()
	hi, n := lo, 0
	for rows.Next() {
		var e enroll.SweptEvent
		var created time.Time
		if err := rows.Scan(&e.Seq, &created, &e.Key.WorkspaceID, &e.Key.InstanceID, &e.Key.Type, &e.Position); err != nil {
			return lo, false, nil, fmt.Errorf("postgres: expired events: %w", err)
		}
		if !created.Before(cutoff) {
			return hi, false, events, rows.Err()
		}
		events = append(events, e)
		hi, n = e.Seq, n+1
	}
	return hi, n == expiryBatch, events, rows.Err()
}

// expireRows walks table (enroll.DeleteInBatches) through the rows
// created before cutoff, running del (a statement of the batch's seq
// range ($1, $2] and cutoff, $3, that returns how many rows it deleted)
// in a write transaction for each batch.
func (db *DB) expireRows(ctx context.Context, table string, cutoff time.Time, del string) (int, error) {
	next := func(lo int64) (int64, bool, error) { return db.expiryRange(ctx, table, lo, cutoff) }
	return enroll.DeleteInBatches(next, func(lo, hi int64) (int, error) {
		var n int64
		err := db.write(ctx, func(tx *tx) error {
			return tx.QueryRow(ctx, del, lo, hi, cutoff).Scan(&n)
		})
		if err != nil {
			return 0, fmt.Errorf("postgres: delete expired %s: %w", table, wrap(err))
		}
		return int(n), nil
	})
}

// expiryRange reads the next expiryBatch rows of table after seq lo and
// returns the seq of the last one created before cutoff (lo when none),
// and whether rows after it may be old enough too.
func (db *DB) expiryRange(ctx context.Context, table string, lo int64, cutoff time.Time) (hi int64, more bool, err error) {
	rows, err := db.pool.Query(ctx, `SELECT seq, created_at FROM `+table+` WHERE seq > $1 ORDER BY seq LIMIT $2`, lo, expiryBatch)
	if err != nil {
		return lo, false, fmt.Errorf("postgres: expired %s: %w", table, wrap(err))
	}
	defer rows.Close()
	hi, n := lo, 0
	for rows.Next() {
		var seq int64
		var created time.Time
		if err := rows.Scan(&seq, &created); err != nil {
			return lo, false, fmt.Errorf("postgres: expired %s: %w", table, err)
		}
		if !created.Before(cutoff) {
			return hi, false, rows.Err()
		}
		hi, n = seq, n+1
	}
	return hi, n == expiryBatch, rows.Err()
}
