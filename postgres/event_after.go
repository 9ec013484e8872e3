package postgres

import (
	"context"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/enrollhq/enroll"
)

// listEventsAfter lists the events after f.After, oldest first, by
// dispatch_seq: replicas commit concurrently, so seq is not commit order,
// but DispatchEvents numbers events one dispatcher at a time, in commit
// order. An event appears here once dispatched (within one poll of the
// webhook deliverer, which every replica runs).
func (db *DB) listEventsAfter(ctx context.Context, wsID string, f enroll.EventFilter) (*enroll.Page[*enroll.Event], error) {
	if err := f.CheckAfterPaging(); err != nil {
		return nil, err
	}
	if f.PerPage == 0 {
		f.PerPage = enroll.DefaultPerPage
	}
	var after *int64
	var inst *string
	err := db.pool.QueryRow(ctx, `SELECT dispatch_seq, instance_id FROM events WHERE workspace_id = $1 AND id = $2`, wsID, f.After).Scan(&after, &inst)
	if err == nil && inst != nil && !f.Sees(*inst) {
		err = pgx.ErrNoRows
	}
	if err != nil {
		return nil, afterNotFound(f, notFound(err, "Event", f.After))
	}
	if after == nil {
		return nil, f.ErrAfterUnpublished()
	}
	query := eventAfterQuery(wsID, f, *after)
	var out *enroll.Page[*enroll.Event]
	err = db.read(ctx, func(q pgx.Tx) error {
		rows, err := q.Query(ctx, query.text, query.args...)
		if err != nil {
			return wrap(err)
		}
		events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*enroll.Event, error) {
			var doc []byte
			if err := r.Scan(&doc); err != nil {
				return nil, wrap(err)
			}
			return decode[enroll.Event](doc)
		})
		if err != nil {
			return err
		}
		// Read after the page, in its snapshot: a sweep that deleted
		// events of it committed their expired_seq with them.
		var expired bool
		c := afterExpiredQuery(wsID, f, *after)
		if err := q.QueryRow(ctx, c.text, c.args...).Scan(&expired); err != nil {
			return wrap(err)
		}
		if expired {
			return f.ErrAfterExpired()
		}
		// The backlog runs to the workspace's last published event in
		// this snapshot: dispatch_seq numbers events one dispatcher at a
		// time, so those visible are every one up to it.
		var head int64
		if err := q.QueryRow(ctx, eventHeadQuery, wsID).Scan(&head); err != nil {
			return wrap(err)
		}
		total, err := db.backlogs.Count(enroll.BacklogScope(wsID, f), *after, head, func(lo, hi int64) (int, error) {
			c := eventCountIn(wsID, f, lo, hi)
			var n int
			return n, wrap(q.QueryRow(ctx, c.text, c.args...).Scan(&n))
		})
		if err != nil {
			return err
		}
		out = enroll.NewPage(events, f.ListParams, total, nil)
		return nil
	})
	return out, err
}

// eventHeadQuery finds the workspace's last published event, from the end
// of its events_dispatch range.
const eventHeadQuery = `SELECT COALESCE(MAX(dispatch_seq), 0) FROM events WHERE workspace_id = $1 AND dispatch_seq IS NOT NULL`

// eventAfterQuery returns the query of the page of f after dispatch_seq
// after, oldest first.
func eventAfterQuery(wsID string, f enroll.EventFilter, after int64) sqlText {
	var w where
	w.add("workspace_id = ?", wsID)
	if f.ByInstance() {
		addInstanceSeqs(&w, instanceArms(wsID, f, "dispatch_seq > ?", after), "dispatch_seq", false, f.PerPage)
	} else {
		w.add("dispatch_seq > ?", after)
		eventScope(&w, f)
	}
	return sqlText{"SELECT doc FROM events WHERE " + w.sql() + " ORDER BY dispatch_seq LIMIT " + strconv.Itoa(f.PerPage), w.args}
}

// eventCountIn returns the query that counts f's events of the workspace
// with dispatch_seq in (lo, hi].
func eventCountIn(wsID string, f enroll.EventFilter, lo, hi int64) sqlText {
	if f.ByInstance() {
		return countArms(instanceArms(wsID, f, "dispatch_seq > ? AND dispatch_seq <= ?", lo, hi))
	}
	var w where
	w.add("workspace_id = ?", wsID)
	w.add("dispatch_seq > ? AND dispatch_seq <= ?", lo, hi)
	eventScope(&w, f)
	return sqlText{"SELECT COUNT(*) FROM events WHERE " + w.sql(), w.args}
}

// afterExpiredQuery returns the query of whether the event retention
// deleted events f may list after dispatch_seq after: whether a counter
// shard of the workspace, of f's types (every type without) and of the
// instances f sees, has an expired_seq past it, a range of
// event_counts_expired a type (migration 29). f's object is not looked
// at, so a poll of one object's events may be told to start again for
// another's.
func afterExpiredQuery(wsID string, f enroll.EventFilter, after int64) sqlText {
	var w where
	w.add("workspace_id = ?", wsID)
	in(&w, "type", f.ExpiryTypes())
	w.add("expired_seq > 0 AND expired_seq > ?", after)
	if f.InstanceIDs != nil {
		in(&w, "instance_id", append([]string{""}, f.InstanceIDs...))
	}
	return sqlText{"SELECT EXISTS (SELECT 1 FROM event_counts WHERE " + w.sql() + ")", w.args}
}

// afterNotFound reports an unknown after cursor as the bad parameter it is.
func afterNotFound(f enroll.EventFilter, err error) error {
	if enroll.ErrorCode(err) == enroll.ENOTFOUND {
		return f.ErrAfterUnknown()
	}
	return err
}
