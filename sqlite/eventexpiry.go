package sqlite

import (
	"context"
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
	out.Events, err = db.expireRows(ctx, "events", cutoff, func(tx *Tx, lo, hi int64) (int, error) {
		return tx.deleteEvents(lo, hi, cutoff)
	})
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

// deleteEvents deletes the events of seq range (lo, hi] created before
// cutoff that DispatchEvents has taken (at or before its cursor) and that
// no delivery nor pending notification (notifications_once) refers to.
// Deliveries are found endpoint by endpoint of the event's workspace,
// each a probe of webhook_deliveries_event, whose middle column is the
// endpoint: CROSS JOIN keeps SQLite's planner from reading the
// workspace's whole range of the index for each event instead. It takes
// the events deleted off event_counts, dropping counters that reach zero
// as IntegrityCheck expects.
func (tx *Tx) deleteEvents(lo, hi, cutoff int64) (int, error) {
	rows, err := tx.QueryContext(tx.ctx, `DELETE FROM events WHERE seq > ? AND seq <= ? AND created_at < ?
		AND seq <= (SELECT last_seq FROM webhook_dispatch)
		AND NOT EXISTS (SELECT 1 FROM webhook_endpoints ep CROSS JOIN webhook_deliveries d
			WHERE ep.workspace_id = events.workspace_id AND d.workspace_id = ep.workspace_id AND d.endpoint_id = ep.id
				AND d.event_id = events.id)
		AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.event_id = events.id AND n.status = 'pending')
		RETURNING workspace_id, COALESCE(instance_id, ''), type`, lo, hi, cutoff)
	if err != nil {
		return 0, err
	}
	type key struct{ ws, inst, typ string }
	var keys []key
	gone := map[key]int{}
	total := 0
	for rows.Next() {
		var k key
		if err := rows.Scan(&k.ws, &k.inst, &k.typ); err != nil {
			rows.Close()
			return 0, err
		}
		if gone[k] == 0 {
			keys = append(keys, k)
		}
		gone[k]++
		total++
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, k := range keys {
		if _, err := tx.exec(`UPDATE event_counts SET n = n - ? WHERE workspace_id = ? AND instance_id = ? AND type = ?`,
			gone[k], k.ws, k.inst, k.typ); err != nil {
			return 0, err
		}
		if _, err := tx.exec(`DELETE FROM event_counts WHERE workspace_id = ? AND instance_id = ? AND type = ? AND n = 0`,
			k.ws, k.inst, k.typ); err != nil {
			return 0, err
		}
	}
	return total, nil
}
