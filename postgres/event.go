package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

// insertEvent writes an event in the transaction of the change it records.
func (tx *tx) insertEvent(e *enroll.Event) error {
	doc, err := e.MarshalDoc()
	if err != nil {
		return err
	}
	// The event's counter (countEvent) is added to in the same statement:
	// no round trip of its own.
	err = tx.QueryRow(tx.ctx, `WITH ev AS (
			INSERT INTO events (id, workspace_id, type, object_id, instance_id, doc, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq),
		counted AS (`+countEvent+` VALUES ($2, COALESCE($5, ''), $3, pg_backend_pid() % 16, 1)`+countEventConflict+`)
		SELECT seq FROM ev`,
		e.ID, e.WorkspaceID, string(e.Type), e.ObjectID, nullString(e.InstanceID), doc, e.CreatedAt).Scan(&e.Seq)
	return wrap(err)
}

// The counters of events by workspace, instance (an empty string for
// none) and type, which lists total by (migration 10), added to by the
// statement that inserts the events. Each key has 16 shards, one per backend
// (pg_backend_pid() % 16), so that concurrent transactions rarely wait
// for one another on a counter's row; a count sums them.
const (
	countEvent         = `INSERT INTO event_counts (workspace_id, instance_id, type, shard, n)`
	countEventConflict = ` ON CONFLICT (workspace_id, instance_id, type, shard) DO UPDATE SET n = event_counts.n + excluded.n`
)

// insertEvents writes events, in order, in one statement, in the
// transaction of the change they record, and sets each one's Seq.
func (tx *tx) insertEvents(events []*enroll.Event) error {
	if len(events) == 0 {
		return nil
	}
	n := len(events)
	ids, ws, types, objects, docs, times := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]time.Time, n)
	insts := make([]*string, n)
	byID := make(map[string]*enroll.Event, n)
	for i, e := range events {
		doc, err := e.MarshalDoc()
		if err != nil {
			return err
		}
		ids[i], ws[i], types[i], objects[i], docs[i], times[i] = e.ID, e.WorkspaceID, string(e.Type), e.ObjectID, doc, e.CreatedAt
		if e.InstanceID != "" {
			insts[i] = &e.InstanceID
		}
		byID[e.ID] = e
	}
	rows, err := tx.Query(tx.ctx, `WITH u AS (
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
			WITH ORDINALITY AS u(id, workspace_id, type, object_id, instance_id, doc, created_at, o)),
		ev AS (INSERT INTO events (id, workspace_id, type, object_id, instance_id, doc, created_at)
			SELECT id, workspace_id, type, object_id, instance_id, doc::jsonb, created_at FROM u ORDER BY o
			RETURNING id, seq),
		counted AS (`+countEvent+` SELECT workspace_id, COALESCE(instance_id, ''), type, pg_backend_pid() % 16, COUNT(*)
			FROM u GROUP BY 1, 2, 3`+countEventConflict+`)
		SELECT id, seq FROM ev`, ids, ws, types, objects, insts, docs, times)
	if err != nil {
		return wrap(err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id  string
			seq int64
		)
		if err := rows.Scan(&id, &seq); err != nil {
			return wrap(err)
		}
		if e := byID[id]; e != nil {
			e.Seq = seq
		}
	}
	return wrap(rows.Err())
}

// event records an event of type t about obj, caused by a.
func (tx *tx) event(a enroll.Actor, t enroll.EventType, id string, obj any, prev map[string]any) error {
	return tx.insertEvent(enroll.NewEvent(a, t, id, obj, prev, tx.now))
}

// FindEvent implements enroll.Store.
func (db *DB) FindEvent(ctx context.Context, wsID, id string) (*enroll.Event, error) {
	var doc []byte
	err := db.pool.QueryRow(ctx, `SELECT doc FROM events WHERE workspace_id = $1 AND id = $2`, wsID, id).Scan(&doc)
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
	w, err := eventListWhere(wsID, f, c)
	if err != nil {
		return nil, err
	}
	var out *enroll.Page[*enroll.Event]
	err = db.read(ctx, func(q pgx.Tx) error {
		var err error
		out, err = page[enroll.Event](ctx, q, "events", w, f.ListParams, c, fh, func() (int, error) {
			return countEvents(ctx, q, wsID, f, w)
		})
		return err
	})
	return out, err
}

// eventListWhere returns the conditions of the page of f (normalized)
// after cursor c (or nil) in workspace wsID.
func eventListWhere(wsID string, f enroll.EventFilter, c *enroll.Cursor) (where, error) {
	var w where
	w.add("workspace_id = ?", wsID)
	if !f.ByInstance() {
		eventScope(&w, f)
		return w, nil
	}
	arms := instanceArms(wsID, f, "")
	limit := f.PerPage + 1 + f.Offset()
	if c != nil {
		seq, err := strconv.ParseInt(c.Text, 10, 64)
		if err != nil {
			return w, enroll.Errorf(enroll.EINVALID, "pageToken is malformed.")
		}
		arms, limit = instanceArms(wsID, f, "seq < ?", seq), f.PerPage+1
	}
	addInstanceSeqs(&w, arms, "seq", true, limit)
	return w, nil
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
	if err := q.QueryRow(ctx, "SELECT COALESCE(SUM(n), 0)::bigint FROM event_counts WHERE "+cw.sql(), cw.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count events: %w", err)
	}
	return n, nil
}
