package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

// dispatchLock is the advisory lock key DispatchEvents holds for its
// transaction, so that one replica dispatches at a time.
const dispatchLock = 0x656e726f6c6c02 // "enroll" and 2 (1 is the migrations')

// insertDelivery queues a delivery; an event already dispatched to the
// endpoint is skipped, so a dispatch can never send one twice.
func (tx *tx) insertDelivery(d *enroll.WebhookDelivery) error {
	doc, err := encode(d)
	if err != nil {
		return err
	}
	_, err = tx.exec(`INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, stream, event_seq, status, redelivery_of,
		next_attempt_at, doc, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`,
		d.ID, d.WorkspaceID, d.EndpointID, d.EventID, d.Stream, d.EventSeq, string(d.Status), nullString(d.RedeliveryOf),
		d.NextAttemptAt, doc, d.CreatedAt, d.UpdatedAt)
	return err
}

// insertDeliveries queues new deliveries in one statement (a dispatch
// makes up to one per event and endpoint); as insertDelivery, an event
// already dispatched to an endpoint is skipped.
func (tx *tx) insertDeliveries(ds []*enroll.WebhookDelivery) error {
	if len(ds) == 0 {
		return nil
	}
	var (
		ids, ws, eps, evs, streams, statuses []string
		seqs                                 []int64
		nexts                                []*time.Time
		docs                                 [][]byte
		created, updated                     []time.Time
	)
	for _, d := range ds {
		doc, err := encode(d)
		if err != nil {
			return err
		}
		ids, ws, eps, evs = append(ids, d.ID), append(ws, d.WorkspaceID), append(eps, d.EndpointID), append(evs, d.EventID)
		streams, statuses, seqs = append(streams, d.Stream), append(statuses, string(d.Status)), append(seqs, d.EventSeq)
		nexts, docs, created, updated = append(nexts, d.NextAttemptAt), append(docs, doc), append(created, d.CreatedAt), append(updated, d.UpdatedAt)
	}
	_, err := tx.exec(`INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, stream, event_seq, status,
		next_attempt_at, doc, created_at, updated_at)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[],
			$8::timestamptz[], $9::jsonb[], $10::timestamptz[], $11::timestamptz[])
		ON CONFLICT DO NOTHING`, ids, ws, eps, evs, streams, seqs, statuses, nexts, docs, created, updated)
	return err
}

// findDelivery loads a delivery with its stream columns; lock is "" or a
// locking clause.
func findDelivery(ctx context.Context, q querier, wsID, endpointID, id, lock string) (*enroll.WebhookDelivery, error) {
	var (
		doc    []byte
		stream string
		seq    int64
	)
	err := q.QueryRow(ctx, `SELECT doc, stream, event_seq FROM webhook_deliveries WHERE workspace_id = $1 AND endpoint_id = $2 AND id = $3 `+lock,
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
	var w where
	w.add("workspace_id = ?", wsID)
	w.add("endpoint_id = ?", endpointID)
	if f.Status != "" {
		w.add("status = ?", string(f.Status))
	}
	if f.EventID != "" {
		w.add("event_id = ?", f.EventID)
	}
	var out *enroll.Page[*enroll.WebhookDelivery]
	err = db.read(ctx, func(q pgx.Tx) error {
		if _, err := findEndpoint(ctx, q, db.sealer, wsID, endpointID, ""); err != nil {
			return err
		}
		if f.EventID != "" {
			// An event's deliveries to one endpoint are few, and found,
			// and counted, by their index.
			var err error
			out, err = page[enroll.WebhookDelivery](ctx, q, "webhook_deliveries", w, f.ListParams, c, fh, func() (int, error) {
				return countRows(ctx, q, "webhook_deliveries", w)
			})
			if err != nil {
				return err
			}
			return showNextAttempts(ctx, q, wsID, endpointID, out.Data)
		}
		total, err := countDeliveries(ctx, q, wsID, endpointID, f.Status)
		if err != nil {
			return err
		}
		if total == 0 {
			// No index holds the status: the page would read every
			// delivery of the endpoint to find none (failed, mostly).
			out = enroll.NewPage[*enroll.WebhookDelivery](nil, f.ListParams, 0, nil)
			return nil
		}
		out, err = page[enroll.WebhookDelivery](ctx, q, "webhook_deliveries", w, f.ListParams, c, fh, func() (int, error) {
			return total, nil
		})
		if err != nil {
			return err
		}
		return showNextAttempts(ctx, q, wsID, endpointID, out.Data)
	})
	return out, err
}

// countDeliveries returns how many deliveries endpoint endpointID holds,
// in status s or any when s is "": a sum of the endpoint's counters
// (migration 27), which its deliveries' writes keep in their
// transactions, so that the sum read in the page's snapshot is exact.
func countDeliveries(ctx context.Context, q querier, wsID, endpointID string, s enroll.DeliveryStatus) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT COALESCE(SUM(n), 0)::bigint FROM webhook_delivery_counts
		WHERE workspace_id = $1 AND endpoint_id = $2 AND ($3 = '' OR status = $3)`, wsID, endpointID, string(s)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: count deliveries: %w", err)
	}
	return n, nil
}

// FindWebhookDelivery implements enroll.WebhookStore. The endpoint is
// read after the delivery: an endpoint's id is never used again, so one
// found then existed when the delivery was read, and a delivery of an
// endpoint deleted meanwhile, not yet deleted itself, is not found.
func (db *DB) FindWebhookDelivery(ctx context.Context, wsID, endpointID, id string) (*enroll.WebhookDelivery, error) {
	d, err := findDelivery(ctx, db.pool, wsID, endpointID, id, "")
	if err != nil {
		return nil, err
	}
	var one int
	err = db.pool.QueryRow(ctx, `SELECT 1 FROM webhook_endpoints WHERE workspace_id = $1 AND id = $2`, wsID, endpointID).Scan(&one)
	if err != nil {
		return nil, notFound(err, "Webhook delivery", id)
	}
	if err := showNextAttempts(ctx, db.pool, wsID, endpointID, []*enroll.WebhookDelivery{d}); err != nil {
		return nil, err
	}
	return d, nil
}

// RedeliverWebhook implements enroll.WebhookStore.
func (db *DB) RedeliverWebhook(ctx context.Context, a enroll.Actor, endpointID, id string) (*enroll.WebhookDelivery, error) {
	var out *enroll.WebhookDelivery
	err := db.write(ctx, func(tx *tx) error {
		// FOR SHARE: an update disabling the endpoint waits for this
		// transaction, or this one for it and then reads it disabled, so
		// no redelivery is queued after a disabling has answered.
		ep, err := findEndpoint(ctx, tx, db.sealer, a.WorkspaceID, endpointID, "FOR SHARE")
		if err != nil {
			return err
		}
		// FOR SHARE too: DeleteExpiredEvents then deletes the delivery
		// only after this redelivery commits, and keeps its event.
		d, err := findDelivery(ctx, tx, a.WorkspaceID, endpointID, id, "FOR SHARE")
		if err != nil {
			return err
		}
		if out, err = d.Redelivery(ep, tx.now); err != nil {
			return err
		}
		tx.created(enroll.KindWebhookDelivery, out.ID)
		return tx.insertDelivery(out)
	})
	return out, err
}

// firstUndispatched finds whether events wait for dispatch. It asks for the
// first one in order rather than EXISTS: without statistics on dispatched
// (a database autovacuum never analyzed), the planner takes half the
// events for waiting ones and answers EXISTS by scanning the table (56 ms
// at 300,000 events, on every poll); ORDER BY seq LIMIT 1 reads the
// partial index events_undispatched whatever it believes.
const firstUndispatched = `SELECT seq FROM events WHERE NOT dispatched ORDER BY seq LIMIT 1`

// DispatchEvents implements enroll.WebhookStore. Replicas commit
// concurrently, so events wait with dispatched = false rather than behind a
// cursor a late commit could slip under; an advisory lock lets one replica
// dispatch at a time, which keeps each stream's deliveries in event order.
func (db *DB) DispatchEvents(ctx context.Context, limit int, renderBudget time.Duration) (int, error) {
	var first int64
	if err := db.pool.QueryRow(ctx, firstUndispatched).Scan(&first); errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, wrap(err)
	}
	var n int
	err := db.write(ctx, func(tx *tx) error {
		n = 0
		var locked bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, int64(dispatchLock)).Scan(&locked); err != nil || !locked {
			return wrap(err)
		}
		events, err := tx.undispatched(limit)
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
		seqs := make([]int64, len(events))
		var deliveries []*enroll.WebhookDelivery
		for i, e := range events {
			seqs[i] = e.Seq
			deliveries = append(deliveries, enroll.NewDeliveries(e, endpoints[e.WorkspaceID], tx.now)...)
		}
		if err := tx.insertDeliveries(deliveries); err != nil {
			return err
		}
		n = len(events)
		// nextval runs after the ORDER BY (it is volatile), so dispatch_seq
		// follows seq within the batch.
		_, err = tx.exec(`UPDATE events e SET dispatched = true, dispatch_seq = d.ds
			FROM (SELECT s, nextval('events_dispatch_seq') AS ds FROM unnest($1::bigint[]) AS s ORDER BY s) d WHERE e.seq = d.s`, seqs)
		return err
	})
	return n, err
}

// undispatched returns up to limit events waiting for dispatch, in order,
// with what NewDeliveries needs (not their documents).
func (tx *tx) undispatched(limit int) ([]*enroll.Event, error) {
	rows, err := tx.Query(tx.ctx, `SELECT seq, id, workspace_id, type, object_id, created_at FROM events WHERE NOT dispatched ORDER BY seq LIMIT $1`, limit)
	if err != nil {
		return nil, wrap(err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*enroll.Event, error) {
		var e enroll.Event
		err := r.Scan(&e.Seq, &e.ID, &e.WorkspaceID, &e.Type, &e.ObjectID, &e.CreatedAt)
		e.CreatedAt = e.CreatedAt.UTC()
		return &e, wrap(err)
	})
}

// enabledEndpoints returns the enabled endpoints of the events' workspaces.
func (tx *tx) enabledEndpoints(events []*enroll.Event) (map[string][]*enroll.WebhookEndpoint, error) {
	var ws []string
	seen := map[string]bool{}
	for _, e := range events {
		if !seen[e.WorkspaceID] {
			seen[e.WorkspaceID] = true
			ws = append(ws, e.WorkspaceID)
		}
	}
	rows, err := tx.Query(tx.ctx, `SELECT workspace_id, doc, secrets FROM webhook_endpoints WHERE enabled AND workspace_id = ANY($1)`, ws)
	if err != nil {
		return nil, wrap(err)
	}
	eps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*enroll.WebhookEndpoint, error) {
		var (
			w            string
			doc, secrets []byte
		)
		if err := r.Scan(&w, &doc, &secrets); err != nil {
			return nil, wrap(err)
		}
		return decodeEndpoint(w, doc, secrets)
	})
	if err != nil {
		return nil, err
	}
	out := map[string][]*enroll.WebhookEndpoint{}
	for _, ep := range eps {
		out[ep.WorkspaceID] = append(out[ep.WorkspaceID], ep)
	}
	return out, nil
}

// FinishWebhookDelivery implements enroll.WebhookStore.
func (db *DB) FinishWebhookDelivery(ctx context.Context, j *enroll.WebhookJob, o enroll.DeliveryOutcome) (*enroll.WebhookDelivery, error) {
	var out *enroll.WebhookDelivery
	err := db.write(ctx, func(tx *tx) error {
		var err error
		out, err = tx.finishDelivery(j, o)
		return err
	})
	return out, err
}

// FinishWebhookDeliveries implements enroll.WebhookStore. It reads and
// writes the whole batch in one statement each, not two per attempt: the
// round trips, not the rows, are what a batch costs here.
func (db *DB) FinishWebhookDeliveries(ctx context.Context, done []enroll.DeliveryResult) error {
	if len(done) == 0 {
		return nil
	}
	return db.write(ctx, func(tx *tx) error {
		ids := make([]string, len(done))
		for i, r := range done {
			ids[i] = r.Job.Delivery.ID
		}
		// The lock holds each lease as read until the commit: a claim
		// skips the locked rows (SKIP LOCKED), then finds their leases
		// ended.
		rows, err := tx.Query(ctx, `SELECT workspace_id, endpoint_id, id, doc, stream, event_seq, lease_until FROM webhook_deliveries
			WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids)
		if err != nil {
			return wrap(err)
		}
		type held struct {
			d     *enroll.WebhookDelivery
			lease *time.Time
		}
		found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (held, error) {
			var (
				ws, ep, id string
				doc        []byte
				d          = new(enroll.WebhookDelivery)
				lease      *time.Time
			)
			if err := r.Scan(&ws, &ep, &id, &doc, &d.Stream, &d.EventSeq, &lease); err != nil {
				return held{}, wrap(err)
			}
			stream, seq := d.Stream, d.EventSeq
			d, err := decode[enroll.WebhookDelivery](doc)
			if err != nil {
				return held{}, err
			}
			d.WorkspaceID, d.Stream, d.EventSeq = ws, stream, seq
			return held{d, lease}, nil
		})
		if err != nil {
			return err
		}
		byID := make(map[string]held, len(found))
		for _, h := range found {
			byID[h.d.ID] = h
		}
		var (
			gone    []enroll.DeliveryResult
			applied []*enroll.WebhookDelivery
		)
		for _, r := range done {
			h, ok := byID[r.Job.Delivery.ID]
			if !ok || h.d.WorkspaceID != r.Job.Delivery.WorkspaceID || h.d.EndpointID != r.Job.Delivery.EndpointID {
				continue // deleted meanwhile
			}
			if h.lease == nil || !h.lease.Equal(r.Job.LeaseUntil) {
				continue // the lease was lost (enroll.LeaseLost)
			}
			delete(byID, r.Job.Delivery.ID) // one record per lease
			h.d.Apply(r.Outcome, tx.now)
			applied = append(applied, h.d)
			if r.Outcome.DisableEndpoint {
				gone = append(gone, r)
			}
		}
		if len(applied) == 0 {
			return nil
		}
		var (
			upIDs, statuses []string
			nexts           []*time.Time
			docs            [][]byte
		)
		for _, cur := range applied {
			doc, err := encode(cur)
			if err != nil {
				return err
			}
			upIDs, statuses, nexts, docs = append(upIDs, cur.ID), append(statuses, string(cur.Status)), append(nexts, cur.NextAttemptAt), append(docs, doc)
		}
		if _, err := tx.exec(`UPDATE webhook_deliveries w SET status = u.status, next_attempt_at = u.next, lease_until = NULL, doc = u.doc, updated_at = $5
			FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::jsonb[]) AS u(id, status, next, doc) WHERE w.id = u.id`,
			upIDs, statuses, nexts, docs, tx.now); err != nil {
			return err
		}
		if err := tx.holdBack(applied); err != nil {
			return err
		}
		for _, r := range gone {
			ep, err := findEndpoint(ctx, tx, tx.db.sealer, r.Job.Delivery.WorkspaceID, r.Job.Delivery.EndpointID, "FOR UPDATE")
			if enroll.ErrorCode(err) == enroll.ENOTFOUND {
				continue
			} else if err != nil {
				return err
			}
			if !ep.DisableGone(r.Job, tx.now) {
				continue
			}
			if err := tx.writeEndpoint(ep, false); err != nil {
				return err
			}
		}
		return nil
	})
}

// holdBack moves the due time of the deliveries queued behind each retried
// delivery of ds to its retry: they wait for it, and kept due they would
// be walked and probed (and found blocked) by every claim until then.
// Only the index column moves, never past the retry, so each is due again
// as soon as it heads its stream.
func (tx *tx) holdBack(ds []*enroll.WebhookDelivery) error {
	var (
		wss, eps, streams []string
		seqs              []int64
		nexts             []time.Time
	)
	for _, d := range ds {
		if d.Status == enroll.DeliveryPending && d.NextAttemptAt != nil {
			wss, eps, streams = append(wss, d.WorkspaceID), append(eps, d.EndpointID), append(streams, d.Stream)
			seqs, nexts = append(seqs, d.EventSeq), append(nexts, *d.NextAttemptAt)
		}
	}
	if len(eps) == 0 {
		return nil
	}
	_, err := tx.exec(`UPDATE webhook_deliveries w SET next_attempt_at = u.next
		FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[]) AS u(workspace_id, endpoint_id, stream, seq, next)
		WHERE w.workspace_id = u.workspace_id AND w.endpoint_id = u.endpoint_id AND w.stream = u.stream AND w.status = 'pending'
			AND w.event_seq > u.seq AND w.next_attempt_at < u.next`, wss, eps, streams, seqs, nexts)
	return err
}

// finishDelivery records an attempt and its outcome, ending j's lease; a
// 410 disables the endpoint. Returns ENOTFOUND for a deleted delivery and
// ECONFLICT, having written nothing, when the delivery no longer holds
// j's lease.
func (tx *tx) finishDelivery(j *enroll.WebhookJob, o enroll.DeliveryOutcome) (*enroll.WebhookDelivery, error) {
	d := j.Delivery
	cur, err := findDelivery(tx.ctx, tx, d.WorkspaceID, d.EndpointID, d.ID, "FOR UPDATE")
	if err != nil {
		return nil, err
	}
	cur.Apply(o, tx.now)
	doc, err := encode(cur)
	if err != nil {
		return nil, err
	}
	tag, err := tx.exec(`UPDATE webhook_deliveries SET status = $1, next_attempt_at = $2, lease_until = NULL, doc = $3, updated_at = $4
		WHERE workspace_id = $5 AND id = $6 AND lease_until = $7`, string(cur.Status), cur.NextAttemptAt, doc, tx.now, cur.WorkspaceID, cur.ID, j.LeaseUntil)
	if err != nil {
		return nil, err
	}
	if tag.RowsAffected() == 0 {
		return nil, enroll.LeaseLost("Webhook delivery", d.ID)
	}
	if err := tx.holdBack([]*enroll.WebhookDelivery{cur}); err != nil {
		return nil, err
	}
	if !o.DisableEndpoint {
		return cur, nil
	}
	ep, err := findEndpoint(tx.ctx, tx, tx.db.sealer, d.WorkspaceID, d.EndpointID, "FOR UPDATE")
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
