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
		return nil, afterNotFound(notFound(err, "Event", f.After))
	}
	if after == nil {
		return nil, &enroll.Error{Code: enroll.EINVALID, Message: "after names an event not yet published; retry in a moment.",
			Fields: []enroll.FieldError{{Location: "query.after", Message: "not yet published"}}}
	}
	query, count := eventAfterQueries(wsID, f, *after)
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
		var total int
		err = q.QueryRow(ctx, count.text, count.args...).Scan(&total)
		if err != nil {
			return wrap(err)
		}
		out = enroll.NewPage(events, f.ListParams, total, nil)
		return nil
	})
	return out, err
}

// eventAfterQueries returns the query of the page of f after dispatch_seq
// after, oldest first, and the query that counts every event after it.
func eventAfterQueries(wsID string, f enroll.EventFilter, after int64) (query, count sqlText) {
	var w where
	w.add("workspace_id = ?", wsID)
	var arms []eventArm
	if f.ByInstance() {
		arms = instanceArms(wsID, f, "dispatch_seq > ?", after)
		addInstanceSeqs(&w, arms, "dispatch_seq", false, f.PerPage)
	} else {
		w.add("dispatch_seq > ?", after)
		eventScope(&w, f)
	}
	query = sqlText{"SELECT doc FROM events WHERE " + w.sql() + " ORDER BY dispatch_seq LIMIT " + strconv.Itoa(f.PerPage), w.args}
	if arms != nil {
		return query, countArms(arms)
	}
	return query, sqlText{"SELECT COUNT(*) FROM events WHERE " + w.sql(), w.args}
}

// afterNotFound reports an unknown after cursor as the bad parameter it is.
func afterNotFound(err error) error {
	if enroll.ErrorCode(err) == enroll.ENOTFOUND {
		return &enroll.Error{Code: enroll.EINVALID, Message: "after names no event of this workspace.",
			Fields: []enroll.FieldError{{Location: "query.after", Message: "names no event"}}}
	}
	return err
}
