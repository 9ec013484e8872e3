package postgres

import (
	"context"
	"errors"
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
	fh := enroll.HashFilter(struct{ S, E string }{string(f.Status), f.EventID})
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
		if _, err := findEndpoint(ctx, q, wsID, endpointID, ""); err != nil {
			return err
		}
		var err error
		out, err = page[enroll.WebhookDelivery](ctx, q, "webhook_deliveries", w, f.ListParams, c, fh, func() (int, error) {
			return countRows(ctx, q, "webhook_deliveries", w)
		})
		return err
	})
	return out, err
}

// FindWebhookDelivery implements enroll.WebhookStore.
func (db *DB) FindWebhookDelivery(ctx context.Context, wsID, endpointID, id string) (*enroll.WebhookDelivery, error) {
	return findDelivery(ctx, db.pool, wsID, endpointID, id, "")
}

// RedeliverWebhook implements enroll.WebhookStore.
func (db *DB) RedeliverWebhook(ctx context.Context, a enroll.Actor, endpointID, id string) (*enroll.WebhookDelivery, error) {
	var out *enroll.WebhookDelivery
	err := db.write(ctx, func(tx *tx) error {
		d, err := findDelivery(ctx, tx, a.WorkspaceID, endpointID, id, "")
		if err != nil {
			return err
		}
		if out, err = d.Redelivery(tx.now); err != nil {
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
		taken, err := tx.queueNotifications(events, renderBudget)
		if err != nil {
			return err
		}
		events = events[:taken]
		endpoints, err := tx.enabledEndpoints(events)
		if err != nil {
			return err
		}
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

// claimEndpoints locks the enabled endpoints that have pending deliveries
// past due and not leased ($1 is now), skipping those another claim holds:
// one claim at a time counts and adds an endpoint's leases, so replicas
// claiming together cannot both fill its room. It reads the first such
// delivery of each endpoint from webhook_deliveries_endpoint_due.
const claimEndpoints = `SELECT e.workspace_id, e.id FROM webhook_endpoints e
	WHERE e.enabled AND EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'pending'
		AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until <= $1))
	FOR NO KEY UPDATE OF e SKIP LOCKED`

// claimQuery leases deliveries of the endpoints claimEndpoints locked
// ($5, $6: their workspaces and ids). For each it counts the unexpired
// leases ($1 is now), then walks its due deliveries in due order through
// webhook_deliveries_endpoint_due, keeping the heads of streams (no
// earlier pending delivery in the stream: one enrollment's events go out
// one at a time), and stops when the endpoint's room ($4 minus its
// leases) is full. Of those it leases up to $2, the first of every
// endpoint before the second of any, until $3. The walk reads a few rows
// per endpoint, never the whole due queue; the lock's WHERE is checked
// again on a row changed since the statement began (a late finish), so a
// finished delivery is not leased again.
const claimQuery = `WITH eps AS (
		SELECT e.workspace_id, e.id,
			$4 - (SELECT count(*) FROM webhook_deliveries l WHERE l.endpoint_id = e.id AND l.lease_until > $1) AS room
		FROM webhook_endpoints e JOIN unnest($5::text[], $6::text[]) AS k(ws, id) ON e.workspace_id = k.ws AND e.id = k.id
		WHERE e.enabled
	), cand AS (
		SELECT c.seq, c.next_attempt_at, row_number() OVER (PARTITION BY eps.id ORDER BY c.next_attempt_at, c.seq) AS rank
		FROM eps CROSS JOIN LATERAL (
			SELECT d.seq, d.next_attempt_at FROM webhook_deliveries d
			WHERE d.endpoint_id = eps.id AND d.workspace_id = eps.workspace_id AND d.status = 'pending'
				AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until <= $1)
				AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id AND p.stream = d.stream
					AND p.status = 'pending' AND p.event_seq < d.event_seq)
			ORDER BY d.next_attempt_at, d.seq LIMIT greatest(eps.room, 0)
		) c
	), due AS (
		SELECT d.seq, p.rank FROM (SELECT seq, rank, next_attempt_at FROM cand ORDER BY rank, next_attempt_at, seq LIMIT $2) p
		JOIN webhook_deliveries d ON d.seq = p.seq
		WHERE d.status = 'pending' AND (d.lease_until IS NULL OR d.lease_until <= $1)
		FOR UPDATE OF d SKIP LOCKED
	), leased AS (
		UPDATE webhook_deliveries w SET lease_until = $3 FROM due WHERE w.seq = due.seq
		RETURNING w.seq, w.workspace_id, w.endpoint_id, w.event_id, w.doc, w.stream, w.event_seq, w.next_attempt_at
	)
	SELECT l.workspace_id, l.doc, l.stream, l.event_seq, e.doc, e.secrets, ev.doc, ev.created_at
	FROM leased l
	JOIN due ON due.seq = l.seq
	JOIN webhook_endpoints e ON e.workspace_id = l.workspace_id AND e.id = l.endpoint_id
	JOIN events ev ON ev.id = l.event_id
	ORDER BY due.rank, l.next_attempt_at, l.seq`

// ClaimWebhookDeliveries implements enroll.WebhookStore. SKIP LOCKED lets
// replicas claim side by side, each from the endpoints the other is not
// claiming from; the lease, set in the same statement, keeps a claimed
// delivery from being claimed again until it expires.
func (db *DB) ClaimWebhookDeliveries(ctx context.Context, lease time.Duration, limit, perEndpoint int) ([]*enroll.WebhookJob, error) {
	if limit <= 0 || perEndpoint <= 0 {
		return nil, nil
	}
	var jobs []*enroll.WebhookJob
	err := db.write(ctx, func(tx *tx) error {
		jobs = nil
		rows, err := tx.Query(ctx, claimEndpoints, tx.now)
		if err != nil {
			return wrap(err)
		}
		var wsIDs, ids []string
		var ws, id string
		if _, err := pgx.ForEachRow(rows, []any{&ws, &id}, func() error {
			wsIDs, ids = append(wsIDs, ws), append(ids, id)
			return nil
		}); err != nil {
			return wrap(err)
		}
		if len(ids) == 0 {
			return nil
		}
		// The leases are counted by a second statement, which (READ
		// COMMITTED) sees every lease committed by the claims that held
		// these endpoints before.
		rows, err = tx.Query(ctx, claimQuery, tx.now, limit, tx.now.Add(lease), perEndpoint, wsIDs, ids)
		if err != nil {
			return wrap(err)
		}
		jobs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*enroll.WebhookJob, error) {
			var (
				ws, stream             string
				doc, epDoc, sec, event []byte
				seq                    int64
				at                     time.Time
			)
			if err := r.Scan(&ws, &doc, &stream, &seq, &epDoc, &sec, &event, &at); err != nil {
				return nil, wrap(err)
			}
			d, err := decode[enroll.WebhookDelivery](doc)
			if err != nil {
				return nil, err
			}
			ep, err := decodeEndpoint(ws, epDoc, sec)
			if err != nil {
				return nil, err
			}
			d.WorkspaceID, d.Stream, d.EventSeq = ws, stream, seq
			return &enroll.WebhookJob{Delivery: d, URL: ep.URL, Secrets: ep.SigningSecrets(tx.now), Body: event, EventCreatedAt: at.UTC()}, nil
		})
		return err
	})
	return jobs, err
}

// FinishWebhookDelivery implements enroll.WebhookStore.
func (db *DB) FinishWebhookDelivery(ctx context.Context, d *enroll.WebhookDelivery, o enroll.DeliveryOutcome) (*enroll.WebhookDelivery, error) {
	var out *enroll.WebhookDelivery
	err := db.write(ctx, func(tx *tx) error {
		var err error
		out, err = tx.finishDelivery(d, o)
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
			ids[i] = r.Delivery.ID
		}
		rows, err := tx.Query(ctx, `SELECT workspace_id, endpoint_id, id, doc, stream, event_seq FROM webhook_deliveries
			WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids)
		if err != nil {
			return wrap(err)
		}
		found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*enroll.WebhookDelivery, error) {
			var (
				ws, ep, id string
				doc        []byte
				d          = new(enroll.WebhookDelivery)
			)
			if err := r.Scan(&ws, &ep, &id, &doc, &d.Stream, &d.EventSeq); err != nil {
				return nil, wrap(err)
			}
			stream, seq := d.Stream, d.EventSeq
			d, err := decode[enroll.WebhookDelivery](doc)
			if err != nil {
				return nil, err
			}
			d.WorkspaceID, d.Stream, d.EventSeq = ws, stream, seq
			return d, nil
		})
		if err != nil {
			return err
		}
		byID := make(map[string]*enroll.WebhookDelivery, len(found))
		for _, d := range found {
			byID[d.ID] = d
		}
		var gone []enroll.DeliveryResult
		for _, r := range done {
			cur := byID[r.Delivery.ID]
			if cur == nil || cur.WorkspaceID != r.Delivery.WorkspaceID || cur.EndpointID != r.Delivery.EndpointID {
				continue // deleted meanwhile
			}
			cur.Apply(r.Outcome, tx.now)
			if r.Outcome.DisableEndpoint {
				gone = append(gone, r)
			}
		}
		var (
			upIDs, statuses []string
			nexts           []*time.Time
			docs            [][]byte
		)
		for id, cur := range byID {
			doc, err := encode(cur)
			if err != nil {
				return err
			}
			upIDs, statuses, nexts, docs = append(upIDs, id), append(statuses, string(cur.Status)), append(nexts, cur.NextAttemptAt), append(docs, doc)
		}
		if _, err := tx.exec(`UPDATE webhook_deliveries w SET status = u.status, next_attempt_at = u.next, lease_until = NULL, doc = u.doc, updated_at = $5
			FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::jsonb[]) AS u(id, status, next, doc) WHERE w.id = u.id`,
			upIDs, statuses, nexts, docs, tx.now); err != nil {
			return err
		}
		for _, r := range gone {
			ep, err := findEndpoint(ctx, tx, r.Delivery.WorkspaceID, r.Delivery.EndpointID, "FOR UPDATE")
			if enroll.ErrorCode(err) == enroll.ENOTFOUND {
				continue
			} else if err != nil {
				return err
			}
			ep.Disable(enroll.DisabledByGone, tx.now)
			if err := tx.writeEndpoint(ep, false); err != nil {
				return err
			}
		}
		return nil
	})
}

// finishDelivery records an attempt and its outcome, ending the lease; a
// 410 disables the endpoint. Returns ENOTFOUND for a deleted delivery.
func (tx *tx) finishDelivery(d *enroll.WebhookDelivery, o enroll.DeliveryOutcome) (*enroll.WebhookDelivery, error) {
	cur, err := findDelivery(tx.ctx, tx, d.WorkspaceID, d.EndpointID, d.ID, "FOR UPDATE")
	if err != nil {
		return nil, err
	}
	cur.Apply(o, tx.now)
	doc, err := encode(cur)
	if err != nil {
		return nil, err
	}
	if _, err := tx.exec(`UPDATE webhook_deliveries SET status = $1, next_attempt_at = $2, lease_until = NULL, doc = $3, updated_at = $4
		WHERE workspace_id = $5 AND id = $6`, string(cur.Status), cur.NextAttemptAt, doc, tx.now, cur.WorkspaceID, cur.ID); err != nil {
		return nil, err
	}
	if !o.DisableEndpoint {
		return cur, nil
	}
	ep, err := findEndpoint(tx.ctx, tx, d.WorkspaceID, d.EndpointID, "FOR UPDATE")
	if enroll.ErrorCode(err) == enroll.ENOTFOUND {
		return cur, nil
	} else if err != nil {
		return nil, err
	}
	ep.Disable(enroll.DisabledByGone, tx.now)
	return cur, tx.writeEndpoint(ep, false)
}
