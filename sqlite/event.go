package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/enrollhq/enroll"
)

// insertEvent writes an event in the transaction of the change it records.
func (tx *Tx) insertEvent(e *enroll.Event) error {
	doc, err := e.MarshalDoc()
	if err != nil {
		return err
	}
	res, err := tx.exec(`INSERT INTO events (id, workspace_id, type, object_id, instance_id, doc, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.WorkspaceID, string(e.Type), e.ObjectID, nullString(e.InstanceID), doc, micros(e.CreatedAt))
	if err != nil {
		return err
	}
	e.Seq, _ = res.LastInsertId()
	return tx.addEventCounts([]*enroll.Event{e})
}

// addEventCounts adds events to the counters lists total them by
// (event_counts, migration 10), one statement per instance and type.
func (tx *Tx) addEventCounts(events []*enroll.Event) error {
	type key struct{ ws, inst, typ string }
	var keys []key
	n := map[key]int{}
	for _, e := range events {
		k := key{e.WorkspaceID, e.InstanceID, string(e.Type)}
		if n[k] == 0 {
			keys = append(keys, k)
		}
		n[k]++
	}
	for _, k := range keys {
		if _, err := tx.exec(`INSERT INTO event_counts (workspace_id, instance_id, type, n) VALUES (?, ?, ?, ?)
			ON CONFLICT (workspace_id, instance_id, type) DO UPDATE SET n = n + excluded.n`, k.ws, k.inst, k.typ, n[k]); err != nil {
			return err
		}
	}
	return nil
}

// insertEvents writes events, in order, in the transaction of the change
// they record, and sets each one's Seq. docs are their documents when
// encoded ahead (enroll.CreationDocs), or nil.
func (tx *Tx) insertEvents(events []*enroll.Event, docs []string) error {
	if err := tx.insertEventRows(events, docs); err != nil {
		return err
	}
	return tx.addEventCounts(events)
}

// insertEventRows is insertEvents without the counters, for a writer that
// counts many events at once (addEventCounts).
func (tx *Tx) insertEventRows(events []*enroll.Event, docs []string) error {
	args := make([]any, 0, 6*len(events))
	for i, e := range events {
		var doc string
		if docs != nil {
			doc = docs[i]
		} else {
			var err error
			if doc, err = e.MarshalDoc(); err != nil {
				return err
			}
		}
		args = append(args, e.ID, e.WorkspaceID, string(e.Type), e.ObjectID, nullString(e.InstanceID), doc, micros(e.CreatedAt))
	}
	return tx.insertRows(insertEvent, 7, args, func(i int, res sql.Result) {
		events[i].Seq, _ = res.LastInsertId()
	})
}

// event records an event of type t about obj, caused by a.
func (tx *Tx) event(a enroll.Actor, t enroll.EventType, id string, obj any, prev map[string]any) error {
	return tx.insertEvent(enroll.NewEvent(a, t, id, obj, prev, tx.now))
}

// FindEvent implements enroll.Store.
func (db *DB) FindEvent(ctx context.Context, wsID, id string) (*enroll.Event, error) {
	var doc string
	err := db.r.QueryRowContext(ctx, `SELECT doc FROM events WHERE workspace_id = ? AND id = ?`, wsID, id).Scan(&doc)
	if err != nil {
		return nil, notFound(err, "Event", id)
	}
	return decode[enroll.Event](doc)
}

// ListEvents implements enroll.Store.
func (db *DB) ListEvents(ctx context.Context, wsID string, f enroll.EventFilter) (*enroll.Page[*enroll.Event], error) {
	if f.After != "" {
		return db.listEventsAfter(ctx, wsID, f)
	}
	fh := enroll.HashFilter(struct {
		T []enroll.EventType
		O string
		I []string
	}{f.Types, f.ObjectID, f.InstanceIDs})
	c, err := f.Normalize([]string{sortSeqDesc}, fh)
	if err != nil {
		return nil, err
	}
	w, err := eventListWhere(ctx, db.r, wsID, f, c)
	if err != nil {
		return nil, err
	}
	return page[enroll.Event](ctx, db.r, "events", w, f.ListParams, c, fh, func() (int, error) {
		return countEvents(ctx, db.r, wsID, f, w)
	})
}

// eventListWhere returns the conditions of the page of f (normalized)
// after cursor c (or nil) in workspace wsID.
func eventListWhere(ctx context.Context, q querier, wsID string, f enroll.EventFilter, c *enroll.Cursor) (where, error) {
	var w where
	w.add("workspace_id = ?", wsID)
	var bound where
	limit := f.PerPage + 1 + f.Offset()
	if c != nil {
		seq, err := strconv.ParseInt(c.Text, 10, 64)
		if err != nil {
			return w, enroll.Errorf(enroll.EINVALID, "pageToken is malformed.")
		}
		bound.add("seq < ?", seq)
		limit = f.PerPage + 1
	}
	if !f.ByInstance() {
		eventScope(&w, f)
		return w, nil
	}
	arms, err := instanceArms(ctx, q, wsID, f, bound)
	if err != nil {
		return w, err
	}
	addInstanceSeqs(&w, arms, true, limit)
	return w, nil
}

// countEvents counts f's events in workspace wsID, whose conditions are w:
// from the counters every event insert adds to, by instance and type
// (migration 10), or, for one object's events, which the counters do not
// tell apart, from that object's index.
func countEvents(ctx context.Context, q querier, wsID string, f enroll.EventFilter, w where) (int, error) {
	if f.ObjectID != "" {
		return countRows(ctx, q, "events", w)
	}
	var cw where
	cw.add("workspace_id = ?", wsID)
	in(&cw, "type", f.Types)
	if f.InstanceIDs != nil {
		// Events of no instance (programs') count as '', and every key sees
		// them.
		in(&cw, "instance_id", append([]string{""}, f.InstanceIDs...))
	}
	var n int
	if err := q.QueryRowContext(ctx, "SELECT COALESCE(SUM(n), 0) FROM event_counts WHERE "+cw.sql(), cw.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count events: %w", err)
	}
	return n, nil
}

// eventScope adds to w the conditions of f that every list of events
// applies: types, object and the instances a limited key sees.
func eventScope(w *where, f enroll.EventFilter) {
	in(w, "type", f.Types)
	if f.ObjectID != "" {
		w.add("object_id = ?", f.ObjectID)
	}
	if f.InstanceIDs != nil {
		cond := "instance_id IS NULL"
		args := make([]any, len(f.InstanceIDs))
		if len(f.InstanceIDs) > 0 {
			cond = "(instance_id IS NULL OR instance_id IN (" + strings.TrimSuffix(strings.Repeat("?,", len(args)), ",") + "))"
			for i, id := range f.InstanceIDs {
				args[i] = id
			}
		}
		w.add(cond, args...)
	}
}
