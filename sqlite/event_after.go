package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/enrollhq/enroll"
)

// listEventsAfter lists the published events after f.After, oldest first.
// SQLite has one writer, so seq is commit order and a poller never misses a
// late commit; events count as published once DispatchEvents has taken
// them, as on PostgreSQL, so both stores answer alike.
func (db *DB) listEventsAfter(ctx context.Context, wsID string, f enroll.EventFilter) (*enroll.Page[*enroll.Event], error) {
	if err := f.CheckAfterPaging(); err != nil {
		return nil, err
	}
	if f.PerPage == 0 {
		f.PerPage = enroll.DefaultPerPage
	}
	var after, published int64
	var inst sql.NullString
	err := db.r.QueryRowContext(ctx, `SELECT seq, (SELECT last_seq FROM webhook_dispatch), instance_id FROM events WHERE workspace_id = ? AND id = ?`,
		wsID, f.After).Scan(&after, &published, &inst)
	if err == nil && !f.Sees(inst.String) {
		err = sql.ErrNoRows
	}
	if err != nil {
		return nil, afterNotFound(f, notFound(err, "Event", f.After))
	}
	if after > published {
		return nil, f.ErrAfterUnpublished()
	}
	var bound where
	bound.add("seq > ? AND seq <= ?", after, published)
	query, args, err := eventsAfterQuery(ctx, db.r, wsID, f, bound)
	if err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list events: %w", err)
	}
	defer rows.Close()
	var out []*enroll.Event
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("sqlite: list events: %w", err)
		}
		e, err := decode[enroll.Event](doc)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list events: %w", err)
	}
	// Read after the page: a sweep that deleted events of it before the
	// page was read committed their expired_seq with them.
	if expired, err := afterExpired(ctx, db.r, wsID, f, after); err != nil {
		return nil, err
	} else if expired {
		return nil, f.ErrAfterExpired()
	}
	total, err := db.backlogs.Count(enroll.BacklogScope(wsID, f), after, published, func(lo, hi int64) (int, error) {
		return db.countEventsIn(ctx, wsID, f, lo, hi)
	})
	if err != nil {
		return nil, err
	}
	return enroll.NewPage(out, f.ListParams, total, nil), nil
}

// eventsAfterQuery returns the query of the first f.PerPage of f's events
// of workspace wsID in the seq range bound, oldest first, and its
// arguments.
func eventsAfterQuery(ctx context.Context, q querier, wsID string, f enroll.EventFilter, bound where) (string, []any, error) {
	var w where
	w.add("workspace_id = ?", wsID)
	if f.ByInstance() {
		arms, err := instanceArms(ctx, q, wsID, f, bound)
		if err != nil {
			return "", nil, err
		}
		addInstanceSeqs(&w, arms, false, f.PerPage)
	} else if len(f.Types) > 0 && f.ObjectID == "" {
		// Each type's range of events_type, at most a page of each: the
		// planner would walk every event after the cursor in
		// events_workspace, testing its type.
		types := slices.Clone(f.Types)
		slices.Sort(types)
		var arms []eventArm
		for _, typ := range slices.Compact(types) {
			a := eventArm{index: "events_type"}
			a.w.add("workspace_id = ? AND type = ?", wsID, typ)
			a.w.add(bound.conds[0], bound.args...)
			arms = append(arms, a)
		}
		addInstanceSeqs(&w, arms, false, f.PerPage)
	} else {
		w.add(bound.conds[0], bound.args...)
		eventScope(&w, f)
	}
	return `SELECT doc FROM events WHERE ` + w.sql() + ` ORDER BY seq LIMIT ?`, append(w.args, f.PerPage), nil
}

// countEventsIn counts f's events of the workspace with seq in (lo, hi].
func (db *DB) countEventsIn(ctx context.Context, wsID string, f enroll.EventFilter, lo, hi int64) (int, error) {
	var bound where
	bound.add("seq > ? AND seq <= ?", lo, hi)
	if f.ByInstance() {
		arms, err := instanceArms(ctx, db.r, wsID, f, bound)
		if err != nil {
			return 0, err
		}
		return countArms(ctx, db.r, arms)
	}
	var w where
	w.add("workspace_id = ?", wsID)
	w.add(bound.conds[0], bound.args...)
	eventScope(&w, f)
	return countRows(ctx, db.r, "events", w)
}

// afterExpired reports whether the event retention deleted events f may
// list after seq after (afterExpiredQuery).
func afterExpired(ctx context.Context, q querier, wsID string, f enroll.EventFilter, after int64) (bool, error) {
	query, args := afterExpiredQuery(wsID, f, after)
	var expired bool
	if err := q.QueryRowContext(ctx, query, args...).Scan(&expired); err != nil {
		return false, fmt.Errorf("sqlite: list events: %w", err)
	}
	return expired, nil
}

// afterExpiredQuery returns the query, and its arguments, of whether a
// counter key of the workspace, of f's types (every type without) and of
// the instances f sees, has an expired_seq past after: a range of
// event_counts_expired a type (migration 28). f's object is not looked
// at, so a poll of one object's events may be told to start again for
// another's. The range starts at the cursor: of two lower bounds of a
// column SQLite seeks with the first, and expired_seq > 0 (which lets it
// use the partial index) first read every swept key of the type, about 2
// ms a poll at 2,000 instances × 10 types, for no row.
//
// A key limited to a few instances probes its own keys by the primary key
// instead (at most maxExpiryProbes of them; + keeps SQLite off the
// partial index): the range would read every other instance's keys swept
// past a quiet poller's cursor, 2.7 ms a poll at 20,000 of them, against
// 35 µs.
func afterExpiredQuery(wsID string, f enroll.EventFilter, after int64) (string, []any) {
	var w where
	w.add("workspace_id = ?", wsID)
	types := f.ExpiryTypes()
	if f.InstanceIDs != nil && (len(f.InstanceIDs)+1)*len(types) <= maxExpiryProbes {
		in(&w, "instance_id", append([]string{""}, f.InstanceIDs...))
		in(&w, "type", types)
		w.add("+expired_seq > ?", after)
		return "SELECT EXISTS (SELECT 1 FROM event_counts WHERE " + w.sql() + ")", w.args
	}
	in(&w, "type", types)
	w.add("expired_seq > ? AND expired_seq > 0", after)
	if f.InstanceIDs != nil {
		in(&w, "instance_id", append([]string{""}, f.InstanceIDs...))
	}
	return "SELECT EXISTS (SELECT 1 FROM event_counts WHERE " + w.sql() + ")", w.args
}

// maxExpiryProbes bounds the counter keys afterExpiredQuery probes one by
// one for a key limited to instances: beyond it (a key of many instances,
// with every type), the ranges of event_counts_expired cost less.
const maxExpiryProbes = 256

// afterNotFound reports an unknown after cursor as the bad parameter it is.
func afterNotFound(f enroll.EventFilter, err error) error {
	if enroll.ErrorCode(err) == enroll.ENOTFOUND {
		return f.ErrAfterUnknown()
	}
	return err
}
