package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
)

// insertDelivery queues a delivery; an event already dispatched to the
// endpoint is skipped, so a dispatch can never send one twice.
func (tx *Tx) insertDelivery(d *enroll.WebhookDelivery) error {
	doc, err := encode(d)
	if err != nil {
		return err
	}
	_, err = tx.exec(`INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, stream, event_seq, status, redelivery_of,
		next_attempt_at, doc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		d.ID, d.WorkspaceID, d.EndpointID, d.EventID, d.Stream, d.EventSeq, string(d.Status), nullString(d.RedeliveryOf),
		nullMicros(d.NextAttemptAt), doc, micros(d.CreatedAt), micros(d.UpdatedAt))
	return err
}

// findDelivery loads a delivery with its stream columns.
func findDelivery(ctx context.Context, q querier, wsID, endpointID, id string) (*enroll.WebhookDelivery, error) {
	var (
		doc, stream string
		seq         int64
	)
	err := q.QueryRowContext(ctx, `SELECT doc, stream, event_seq FROM webhook_deliveries WHERE workspace_id = ? AND endpoint_id = ? AND id = ?`,
		wsID, endpointID, id).Scan(&doc, &stream, &seq)
	if err != nil {
		return nil, notFound(err, "Webhook delivery", id)
	}
	d, err := decode[enroll.WebhookDelivery](doc)
	if err != nil {
		return nil, err
	}
	d.WorkspaceID, d.Stream, d.EventSeq = wsID, stream, seq
	return d, nil
}

// ListWebhookDeliveries implements enroll.WebhookStore.
func (db *DB) ListWebhookDeliveries(ctx context.Context, wsID, endpointID string, f enroll.DeliveryFilter) (*enroll.Page[*enroll.WebhookDelivery], error) {
	fh := f.Hash(endpointID)
	c, err := f.Normalize([]string{sortSeqDesc}, fh)
	if err != nil {
		return nil, err
	}
	if _, err := findEndpoint(ctx, db.r, db.sealer, wsID, endpointID); err != nil {
		return nil, err
	}
	var w where
	w.add("workspace_id = ?", wsID)
	w.add("endpoint_id = ?", endpointID)
	if f.Status != "" {
		w.add("status = ?", string(f.Status))
	}
	if f.EventID != "" {
		w.add("event_id = ?", f.EventID)
	}
	pg, err := page[enroll.WebhookDelivery](ctx, db.r, "webhook_deliveries", w, f.ListParams, c, fh, func() (int, error) {
		return countRows(ctx, db.r, "webhook_deliveries", w)
	})
	if err != nil {
		return nil, err
	}
	if err := showNextAttempts(ctx, db.r, wsID, endpointID, pg.Data); err != nil {
		return nil, err
	}
	return pg, nil
}

// FindWebhookDelivery implements enroll.WebhookStore. The endpoint is
// read after the delivery: an endpoint's id is never used again, so one
// found then existed when the delivery was read, and a delivery of an
// endpoint deleted meanwhile, not yet deleted itself, is not found.
func (db *DB) FindWebhookDelivery(ctx context.Context, wsID, endpointID, id string) (*enroll.WebhookDelivery, error) {
	d, err := findDelivery(ctx, db.r, wsID, endpointID, id)
	if err != nil {
		return nil, err
	}
	var one int
	err = db.r.QueryRowContext(ctx, `SELECT 1 FROM webhook_endpoints WHERE workspace_id = ? AND id = ?`, wsID, endpointID).Scan(&one)
	if err != nil {
		return nil, notFound(err, "Webhook delivery", id)
	}
	if err := showNextAttempts(ctx, db.r, wsID, endpointID, []*enroll.WebhookDelivery{d}); err != nil {
		return nil, err
	}
	return d, nil
}

// RedeliverWebhook implements enroll.WebhookStore.
func (db *DB) RedeliverWebhook(ctx context.Context, a enroll.Actor, endpointID, id string) (*enroll.WebhookDelivery, error) {
	var out *enroll.WebhookDelivery
	err := db.write(ctx, func(tx *Tx) error {
		ep, err := findEndpoint(ctx, tx, db.sealer, a.WorkspaceID, endpointID)
		if err != nil {
			return err
		}
		d, err := findDelivery(ctx, tx, a.WorkspaceID, endpointID, id)
		if err != nil {
			return err
		}
		if out, err = d.Redelivery(ep, tx.now); err != nil {
			return err
		}
		return tx.insertDelivery(out)
	})
	return out, err
}

// DispatchEvents implements enroll.WebhookStore. SQLite has one writer, so
// events commit in seq order and a cursor (webhook_dispatch) suffices.
func (db *DB) DispatchEvents(ctx context.Context, limit int, renderBudget time.Duration) (int, error) {
	// Most polls find nothing: ask a reader before taking the writer.
	var waiting bool
	err := db.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE seq > (SELECT last_seq FROM webhook_dispatch))`).Scan(&waiting)
	if err != nil {
		return 0, fmt.Errorf("sqlite: dispatch: %w", err)
	}
	if !waiting {
		return 0, nil
	}
	var n int
	err = db.write(ctx, func(tx *Tx) error {
		var last int64
		if err := tx.QueryRowContext(ctx, `SELECT last_seq FROM webhook_dispatch`).Scan(&last); err != nil {
			return fmt.Errorf("sqlite: dispatch: %w", err)
		}
		events, err := tx.eventsAfter(last, limit)
		if err != nil || len(events) == 0 {
			return err
		}
		// The deliveries' bound first: the events it leaves out must not
		// have their notifications queued yet.
		endpoints, err := tx.enabledEndpoints(events)
		if err != nil {
			return err
		}
		events = events[:enroll.DispatchDeliveries(events, endpoints, enroll.DispatchDeliveryBudget)]
		taken, err := tx.queueNotifications(events, renderBudget)
		if err != nil {
			return err
		}
		events = events[:taken]
		for _, e := range events {
			for _, d := range enroll.NewDeliveries(e, endpoints[e.WorkspaceID], tx.now) {
				if err := tx.insertDelivery(d); err != nil {
					return err
				}
			}
		}
		n = len(events)
		_, err = tx.exec(`UPDATE webhook_dispatch SET last_seq = ?`, events[len(events)-1].Seq)
		return err
	})
	return n, err
}

// eventsAfter returns up to limit events after seq, in order, with what
// NewDeliveries needs (not their documents).
func (tx *Tx) eventsAfter(seq int64, limit int) ([]*enroll.Event, error) {
	rows, err := tx.QueryContext(tx.ctx, `SELECT seq, id, workspace_id, type, object_id, created_at FROM events WHERE seq > ? ORDER BY seq LIMIT ?`, seq, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: dispatch: %w", err)
	}
	defer rows.Close()
	var out []*enroll.Event
	for rows.Next() {
		var (
			e  enroll.Event
			at int64
		)
		if err := rows.Scan(&e.Seq, &e.ID, &e.WorkspaceID, &e.Type, &e.ObjectID, &at); err != nil {
			return nil, fmt.Errorf("sqlite: dispatch: %w", err)
		}
		e.CreatedAt = time.UnixMicro(at).UTC()
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: dispatch: %w", err)
	}
	return out, nil
}

// enabledEndpoints returns the enabled endpoints of the events' workspaces.
func (tx *Tx) enabledEndpoints(events []*enroll.Event) (map[string][]*enroll.WebhookEndpoint, error) {
	seen := map[string]bool{}
	var args []any
	for _, e := range events {
		if !seen[e.WorkspaceID] {
			seen[e.WorkspaceID] = true
			args = append(args, e.WorkspaceID)
		}
	}
	rows, err := tx.QueryContext(tx.ctx, `SELECT workspace_id, doc, secrets FROM webhook_endpoints WHERE enabled = 1 AND workspace_id IN (`+
		strings.TrimSuffix(strings.Repeat("?,", len(args)), ",")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: dispatch: %w", err)
	}
	defer rows.Close()
	out := map[string][]*enroll.WebhookEndpoint{}
	for rows.Next() {
		var ws, doc, secrets string
		if err := rows.Scan(&ws, &doc, &secrets); err != nil {
			return nil, fmt.Errorf("sqlite: dispatch: %w", err)
		}
		ep, err := decodeEndpoint(ws, doc, secrets)
		if err != nil {
			return nil, err
		}
		out[ws] = append(out[ws], ep)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: dispatch: %w", err)
	}
	return out, nil
}

// FinishWebhookDelivery implements enroll.WebhookStore.
func (db *DB) FinishWebhookDelivery(ctx context.Context, j *enroll.WebhookJob, o enroll.DeliveryOutcome) (*enroll.WebhookDelivery, error) {
	var out *enroll.WebhookDelivery
	err := db.write(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.finishDelivery(j, o)
		return err
	})
	return out, err
}

// FinishWebhookDeliveries implements enroll.WebhookStore.
func (db *DB) FinishWebhookDeliveries(ctx context.Context, done []enroll.DeliveryResult) error {
	return db.write(ctx, func(tx *Tx) error {
		for _, r := range done {
			_, err := tx.finishDelivery(r.Job, r.Outcome)
			if c := enroll.ErrorCode(err); err != nil && c != enroll.ENOTFOUND && c != enroll.ECONFLICT {
				return err
			}
		}
		return nil
	})
}

// finishDelivery records an attempt and its outcome, ending j's lease; a
// 410 disables the endpoint. Returns ENOTFOUND for a deleted delivery and
// ECONFLICT, having written nothing, when the delivery no longer holds
// j's lease.
func (tx *Tx) finishDelivery(j *enroll.WebhookJob, o enroll.DeliveryOutcome) (*enroll.WebhookDelivery, error) {
	d := j.Delivery
	cur, err := findDelivery(tx.ctx, tx, d.WorkspaceID, d.EndpointID, d.ID)
	if err != nil {
		return nil, err
	}
	cur.Apply(o, tx.now)
	doc, err := encode(cur)
	if err != nil {
		return nil, err
	}
	res, err := tx.exec(`UPDATE webhook_deliveries SET status = ?, next_attempt_at = ?, lease_until = NULL, doc = ?, updated_at = ?
		WHERE workspace_id = ? AND id = ? AND lease_until = ?`,
		string(cur.Status), nullMicros(cur.NextAttemptAt), doc, micros(tx.now), cur.WorkspaceID, cur.ID, micros(j.LeaseUntil))
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, fmt.Errorf("sqlite: finish delivery: %w", err)
	} else if n == 0 {
		return nil, enroll.LeaseLost("Webhook delivery", d.ID)
	}
	if cur.Status == enroll.DeliveryPending && cur.NextAttemptAt != nil {
		// The deliveries queued behind a retried one wait for it: moving
		// their due time to its retry keeps them out of the claim's walk
		// (which would probe each and find it blocked) until then. Only
		// the index column moves, and never past the retry, so each is
		// due again as soon as it heads its stream.
		if _, err := tx.exec(`UPDATE webhook_deliveries SET next_attempt_at = ? WHERE endpoint_id = ? AND stream = ?
			AND status = 'pending' AND event_seq > ? AND next_attempt_at < ? AND workspace_id = ?`,
			micros(*cur.NextAttemptAt), cur.EndpointID, cur.Stream, cur.EventSeq, micros(*cur.NextAttemptAt), cur.WorkspaceID); err != nil {
			return nil, err
		}
	}
	if !o.DisableEndpoint {
		return cur, nil
	}
	ep, err := findEndpoint(tx.ctx, tx, tx.db.sealer, d.WorkspaceID, d.EndpointID)
	if enroll.ErrorCode(err) == enroll.ENOTFOUND {
		return cur, nil
	} else if err != nil {
		return nil, err
	}
	if !ep.DisableGone(j, tx.now) {
		return cur, nil
	}
	return cur, tx.writeEndpoint(ep, false)
}
