package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/enrollhq/enroll"
)

// expiryBatch is how many rows of a table one transaction of
// DeleteExpiredEvents deletes at most: the writer is SQLite's one, and
// every other write waits for it.
var expiryBatch = 500

// DeleteExpiredEvents implements enroll.WebhookStore, each table's walk
// (enroll.DeleteInBatches) reading on a reader and deleting on the writer.
func (db *DB) DeleteExpiredEvents(ctx context.Context, retention time.Duration) (enroll.ExpiredEvents, error) {
	var out enroll.ExpiredEvents
	cutoff := micros(db.clock.Now().Add(-retention))
	var err error
	if out.Deliveries, err = db.expireRows(ctx, "webhook_deliveries", cutoff, func(tx *Tx, lo, hi int64) (int, error) {
		return tx.deleteCount(`DELETE FROM webhook_deliveries WHERE seq > ? AND seq <= ? AND status IN ('succeeded', 'failed')
			AND created_at < ? AND updated_at < ?`, lo, hi, cutoff, cutoff)
	}); err != nil {
		return out, err
	}
	if out.Notifications, err = db.expireRows(ctx, "notifications", cutoff, func(tx *Tx, lo, hi int64) (int, error) {
		return tx.deleteCount(`DELETE FROM notifications WHERE seq > ? AND seq <= ? AND status IN ('sent', 'skipped', 'failed')
			AND created_at < ? AND updated_at < ?`, lo, hi, cutoff, cutoff)
	}); err != nil {
		return out, err
	}
	out.Events, err = db.expireEvents(ctx, cutoff)
	if out.Events > 0 {
		// The backlogs of ?after= polls remembered may count them.
		db.backlogs.Forget()
	}
	return out, err
}

// expireRows walks table (enroll.DeleteInBatches) through the rows
// created before cutoff, running del in a write transaction for each
// batch's seq range (lo, hi].
func (db *DB) expireRows(ctx context.Context, table string, cutoff int64, del func(tx *Tx, lo, hi int64) (int, error)) (int, error) {
	next := func(lo int64) (int64, bool, error) { return db.expiryRange(ctx, table, lo, cutoff) }
	return enroll.DeleteInBatches(next, func(lo, hi int64) (int, error) {
		var n int
		err := db.write(ctx, func(tx *Tx) error {
			var err error
			n, err = del(tx, lo, hi)
			return err
		})
		if err != nil {
			return 0, fmt.Errorf("sqlite: delete expired %s: %w", table, err)
		}
		return n, nil
	})
}

// expiryRange reads the next expiryBatch rows of table after seq lo and
// returns the seq of the last one created before cutoff (lo when none),
// and whether rows after it may be old enough too.
func (db *DB) expiryRange(ctx context.Context, table string, lo, cutoff int64) (hi int64, more bool, err error) {
	rows, err := db.r.QueryContext(ctx, `SELECT seq, created_at FROM `+table+` WHERE seq > ? ORDER BY seq LIMIT ?`, lo, expiryBatch)
	if err != nil {
		return lo, false, fmt.Errorf("sqlite: expired %s: %w", table, err)
	}
	defer rows.Close()
	hi, n := lo, 0
	for rows.Next() {
		var seq, created int64
		if err := rows.Scan(&seq, &created); err != nil {
			return lo, false, fmt.Errorf("sqlite: expired %s: %w", table, err)
		}
		if created >= cutoff {
			return hi, false, rows.Err()
		}
		hi, n = seq, n+1
	}
	return hi, n == expiryBatch, rows.Err()
}

// deleteCount runs a DELETE and returns how many rows it deleted.
func (tx *Tx) deleteCount(query string, args ...any) (int, error) {
	res, err := tx.exec(query, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// expireEvents walks the events created before cutoff as expireRows
// does, deleting in each batch those deleteEvents lets go but the newest
// published one of each key (enroll.NewestKept), kept for pollers, and
// those the batch's events are newer than, kept by an earlier batch.
// Published is read once, at the start: an event published since stays
// for the next sweep.
func (db *DB) expireEvents(ctx context.Context, cutoff int64) (int, error) {
	var published int64
	if err := db.r.QueryRowContext(ctx, `SELECT last_seq FROM webhook_dispatch`).Scan(&published); err != nil {
		return 0, fmt.Errorf("sqlite: expired events: %w", err)
	}
	var kept enroll.NewestKept
	var keep, superseded []int64
	next := func(lo int64) (int64, bool, error) {
		hi, more, events, err := db.expiredEvents(ctx, lo, cutoff, published)
		keep, superseded = kept.Batch(events)
		return hi, more, err
	}
	return enroll.DeleteInBatches(next, func(lo, hi int64) (int, error) {
		var n int
		err := db.write(ctx, func(tx *Tx) error {
			var err error
			n, err = tx.deleteEvents(lo, hi, keep, superseded, cutoff, published)
			return err
		})
		if err != nil {
			return 0, fmt.Errorf("sqlite: delete expired events: %w", err)
		}
		return n, nil
	})
}

// expiredEvents is expiryRange of the events, which also returns the
// events of the range, each with its key and its position (its seq, 0
// past published).
func (db *DB) expiredEvents(ctx context.Context, lo, cutoff, published int64) (hi int64, more bool, events []enroll.SweptEvent, err error) {
	rows, err := db.r.QueryContext(ctx, `SELECT seq, created_at, workspace_id, COALESCE(instance_id, ''), type FROM events
		WHERE seq > ? ORDER BY seq LIMIT ?`, lo, expiryBatch)
	if err != nil {
		return lo, false, nil, fmt.Errorf("sqlite: expired events: %w", err)
	}
	defer rows.Close()
	hi, n := lo, 0
	for rows.Next() {
		var e enroll.SweptEvent
		var created int64
		if err := rows.Scan(&e.Seq, &created, &e.Key.WorkspaceID, &e.Key.InstanceID, &e.Key.Type); err != nil {
			return lo, false, nil, fmt.Errorf("sqlite: expired events: %w", err)
		}
		if created >= cutoff {
			return hi, false, events, rows.Err()
		}
		if e.Seq <= published {
			e.Position = e.Seq
		}
		events = append(events, e)
		hi, n = e.Seq, n+1
	}
	return hi, n == expiryBatch, events, rows.Err()
}

// deleteEvents deletes the events of seq range (lo, hi] but keep, and the
// events superseded, created before cutoff, that DispatchEvents had taken
// (at or before published) and that no delivery nor pending notification
// (notifications_once) refers to. Deliveries are found endpoint by
// endpoint of the event's workspace, each a probe of
// webhook_deliveries_event, whose middle column is the endpoint: CROSS
// JOIN keeps SQLite's planner from reading the workspace's whole range of
// the index for each event instead. It takes the events deleted off
// event_counts and raises their keys' expired_seq to the newest of them
// (ErrAfterExpired, event_after.go). A counter never falls to 0: the
// newest event of its key stays.
func (tx *Tx) deleteEvents(lo, hi int64, keep, superseded []int64, cutoff, published int64) (int, error) {
	gone := map[enroll.EventKey]*expiredKey{}
	var keys []enroll.EventKey
	n, err := tx.deleteEventsWhere(gone, &keys, `seq > ? AND seq <= ? AND seq NOT IN (SELECT value FROM json_each(?))`,
		lo, hi, seqList(keep), cutoff, published)
	if err != nil {
		return 0, err
	}
	if len(superseded) > 0 {
		m, err := tx.deleteEventsWhere(gone, &keys, `seq IN (SELECT value FROM json_each(?))`, seqList(superseded), cutoff, published)
		if err != nil {
			return 0, err
		}
		n += m
	}
	for _, k := range keys {
		if _, err := tx.exec(`UPDATE event_counts SET n = n - ?, expired_seq = MAX(expired_seq, ?)
			WHERE workspace_id = ? AND instance_id = ? AND type = ?`,
			gone[k].n, gone[k].seq, k.WorkspaceID, k.InstanceID, k.Type); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// expiredKey is how many events of a key a batch deleted, and the seq of
// the newest.
type expiredKey struct{ n, seq int64 }

// deleteEventsWhere deletes the events rows selects (a condition of its
// leading args) that deleteEvents lets go, adding them to gone by key and
// new keys to keys, and returns how many.
func (tx *Tx) deleteEventsWhere(gone map[enroll.EventKey]*expiredKey, keys *[]enroll.EventKey, rows string, args ...any) (int, error) {
	res, err := tx.QueryContext(tx.ctx, `DELETE FROM events WHERE `+rows+` AND created_at < ? AND seq <= ?
		AND NOT EXISTS (SELECT 1 FROM webhook_endpoints ep CROSS JOIN webhook_deliveries d
			WHERE ep.workspace_id = events.workspace_id AND d.workspace_id = ep.workspace_id AND d.endpoint_id = ep.id
				AND d.event_id = events.id)
		AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.event_id = events.id AND n.status = 'pending')
		RETURNING workspace_id, COALESCE(instance_id, ''), type, seq`, args...)
	if err != nil {
		return 0, err
	}
	total := 0
	for res.Next() {
		var k enroll.EventKey
		var seq int64
		if err := res.Scan(&k.WorkspaceID, &k.InstanceID, &k.Type, &seq); err != nil {
			res.Close()
			return 0, err
		}
		g := gone[k]
		if g == nil {
			g = new(expiredKey)
			gone[k] = g
			*keys = append(*keys, k)
		}
		g.n++
		g.seq = max(g.seq, seq)
		total++
	}
	if err := res.Close(); err != nil {
		return 0, err
	}
	return total, res.Err()
}

// seqList is seqs as a JSON array, for json_each.
func seqList(seqs []int64) string {
	b, _ := json.Marshal(seqs)
	if seqs == nil {
		return "[]"
	}
	return string(b)
}
