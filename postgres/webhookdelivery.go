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

// streamHead, completed with a stream's endpoint, name and ORDER BY
// p.event_seq LIMIT 1, is its first pending delivery's event_seq: only that delivery is due, so one
// enrollment's events go out one at a time. Asked as ORDER BY ... LIMIT 1
// it reads webhook_deliveries_stream whatever the planner estimates; as
// NOT EXISTS (an earlier pending one), a planner without statistics
// probed webhook_deliveries_endpoint_due instead, reading every pending
// delivery of the endpoint for each (400 ms a claim in
// BenchmarkClaimWebhookDeliveries/blocked).
const streamHead = `SELECT p.event_seq FROM webhook_deliveries p WHERE p.status = 'pending' AND p.endpoint_id = `

// claimFront walks the front of the queue: the $2 first pending
// deliveries in due order, through webhook_deliveries_due_order, each with
// whether it may be claimed at $1: due, not leased, the head of its stream
// (no earlier pending delivery in the stream: one enrollment's events go
// out one at a time), of an enabled endpoint; and its endpoint's room ($3
// minus its unexpired leases). It steps from each delivery to the next
// with ORDER BY ... LIMIT 1, which reads the index whatever the planner
// estimates: asked for the due ones in order at once, a planner that never
// saw the table (autovacuum has not analyzed a burst yet) takes them for
// a few, reads them all and sorts them. Deliveries not yet due come after
// every due one, so they are walked only when the due ones are all seen.
const claimFront = `WITH RECURSIVE walk AS (
		(SELECT 1 AS n, d.seq, d.workspace_id, d.endpoint_id, d.stream, d.event_seq, d.next_attempt_at, d.lease_until
		FROM webhook_deliveries d WHERE d.status = 'pending' ORDER BY d.next_attempt_at, d.seq LIMIT 1)
		UNION ALL
		SELECT w.n + 1, d.* FROM walk w CROSS JOIN LATERAL (
			SELECT d.seq, d.workspace_id, d.endpoint_id, d.stream, d.event_seq, d.next_attempt_at, d.lease_until
			FROM webhook_deliveries d WHERE d.status = 'pending' AND (d.next_attempt_at, d.seq) > (w.next_attempt_at, w.seq)
			ORDER BY d.next_attempt_at, d.seq LIMIT 1) d
		WHERE w.n < $2
	)
	SELECT w.seq, w.endpoint_id, w.next_attempt_at <= $1 AND (w.lease_until IS NULL OR w.lease_until <= $1) AND e.id IS NOT NULL
		AND w.event_seq = (` + streamHead + `w.endpoint_id AND p.stream = w.stream ORDER BY p.event_seq LIMIT 1),
		$3 - (SELECT count(*) FROM webhook_deliveries l WHERE l.endpoint_id = w.endpoint_id AND l.lease_until > $1)
	FROM walk w
	LEFT JOIN webhook_endpoints e ON e.workspace_id = w.workspace_id AND e.id = w.endpoint_id AND e.enabled
	ORDER BY w.n`

// claimByEndpoint picks deliveries to claim endpoint by endpoint, for when
// the front of the queue is one endpoint's backlog (a slow receiver's, a
// disabled endpoint's, streams waiting for retries): for each enabled
// endpoint with room (fewer than $2 unexpired leases; $1 is now) it walks
// its due deliveries in due order through webhook_deliveries_endpoint_due,
// keeping the heads of streams, and stops at $3 or its room. It returns
// the first of every endpoint before the second of any, up to $4. The
// walk costs a few index reads per endpoint, never the whole due queue.
const claimByEndpoint = `WITH eps AS (
		SELECT e.workspace_id, e.id,
			$2 - (SELECT count(*) FROM webhook_deliveries l WHERE l.endpoint_id = e.id AND l.lease_until > $1) AS room
		FROM webhook_endpoints e WHERE e.enabled
	), cand AS (
		SELECT c.seq, eps.id AS endpoint_id, c.next_attempt_at, eps.room,
			row_number() OVER (PARTITION BY eps.id ORDER BY c.next_attempt_at, c.seq) AS rank
		FROM eps CROSS JOIN LATERAL (
			SELECT d.seq, d.next_attempt_at FROM webhook_deliveries d
			WHERE d.endpoint_id = eps.id AND d.workspace_id = eps.workspace_id AND d.status = 'pending'
				AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until <= $1)
				AND d.event_seq = (` + streamHead + `d.endpoint_id AND p.stream = d.stream ORDER BY p.event_seq LIMIT 1)
			ORDER BY d.next_attempt_at, d.seq LIMIT least(greatest(eps.room, 0), $3)
		) c
	)
	SELECT seq, endpoint_id, true, room FROM cand ORDER BY rank, next_attempt_at, seq LIMIT $4`

// claimLock locks the endpoints of a claim's picks ($1), skipping those
// another claim holds: one claim at a time counts and adds an endpoint's
// leases, so replicas claiming together cannot both fill its room.
const claimLock = `SELECT id FROM webhook_endpoints WHERE id = ANY($1) AND enabled FOR NO KEY UPDATE SKIP LOCKED`

// claimLease leases those of the picks ($4, in order) whose endpoints
// claimLock locked ($5) and that are still due at $1 (a pick read before
// the lock may have been leased or finished since), each endpoint up to
// its room ($2 minus its unexpired leases), until $3. The lock's WHERE is
// checked again on a row changed since the statement began.
const claimLease = `WITH picks AS (
		SELECT p.seq, p.ord FROM unnest($4::bigint[]) WITH ORDINALITY AS p(seq, ord)
	), room AS (
		SELECT k.id, $2 - (SELECT count(*) FROM webhook_deliveries l WHERE l.endpoint_id = k.id AND l.lease_until > $1) AS room
		FROM unnest($5::text[]) AS k(id)
	), ok AS (
		SELECT d.seq, p.ord, row_number() OVER (PARTITION BY d.endpoint_id ORDER BY p.ord) AS rank, room.room
		FROM picks p JOIN webhook_deliveries d ON d.seq = p.seq JOIN room ON room.id = d.endpoint_id
		WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until <= $1)
			AND d.event_seq = (` + streamHead + `d.endpoint_id AND p.stream = d.stream ORDER BY p.event_seq LIMIT 1)
	), due AS (
		SELECT d.seq, ok.ord FROM ok JOIN webhook_deliveries d ON d.seq = ok.seq
		WHERE ok.rank <= ok.room AND d.status = 'pending' AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until <= $1)
		FOR UPDATE OF d SKIP LOCKED
	), leased AS (
		UPDATE webhook_deliveries w SET lease_until = $3 FROM due WHERE w.seq = due.seq
		RETURNING w.seq, w.workspace_id, w.endpoint_id, w.event_id, w.doc, w.stream, w.event_seq
	)
	SELECT l.workspace_id, l.doc, l.stream, l.event_seq, e.doc, e.secrets, ev.doc, ev.created_at
	FROM leased l
	JOIN due ON due.seq = l.seq
	JOIN webhook_endpoints e ON e.workspace_id = l.workspace_id AND e.id = l.endpoint_id
	JOIN events ev ON ev.id = l.event_id
	ORDER BY due.ord`

// ClaimWebhookDeliveries implements enroll.WebhookStore. It picks what to
// lease from the front of the queue, which costs a few index reads per
// delivery; when the front holds too few it could lease (one endpoint's
// backlog), endpoint by endpoint. Then it locks the picks' endpoints and
// leases what is still due within their room, in a later statement that
// (READ COMMITTED) sees every lease committed by the claims that held
// those endpoints before. SKIP LOCKED lets replicas claim side by side;
// the lease keeps a claimed delivery from being claimed again until it
// expires.
func (db *DB) ClaimWebhookDeliveries(ctx context.Context, lease time.Duration, limit, perEndpoint int) ([]*enroll.WebhookJob, error) {
	if limit <= 0 || perEndpoint <= 0 {
		return nil, nil
	}
	var jobs []*enroll.WebhookJob
	err := db.write(ctx, func(tx *tx) error {
		jobs = nil
		seqs, eps, err := tx.claimPicks(limit, perEndpoint)
		if err != nil || len(seqs) == 0 {
			return err
		}
		rows, err := tx.Query(ctx, claimLock, eps)
		if err != nil {
			return wrap(err)
		}
		locked, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil || len(locked) == 0 {
			return wrap(err)
		}
		rows, err = tx.Query(ctx, claimLease, tx.now, perEndpoint, tx.now.Add(lease), seqs, locked)
		if err != nil {
			return wrap(err)
		}
		jobs, err = collectJobs(rows, tx.now)
		return err
	})
	return jobs, err
}

// claimPick is a delivery a claim may lease.
type claimPick struct {
	seq      int64
	endpoint string
	ok       bool
	room     int
}

// claimPicks returns up to limit deliveries a claim may lease, at most
// perEndpoint of an endpoint, in the order to lease them, and their
// endpoints.
func (tx *tx) claimPicks(limit, perEndpoint int) (seqs []int64, eps []string, err error) {
	// The front: as many as the limit, enough unless some of them cannot
	// be claimed (one endpoint's backlog beyond its room, a disabled
	// endpoint's, streams behind an attempt under way).
	walk := limit
	front, err := tx.picks(claimFront, tx.now, walk, perEndpoint)
	if err != nil {
		return nil, nil, err
	}
	seqs, eps = takePicks(front, limit)
	if len(seqs) < limit && len(front) == walk {
		// Read first the earliest of each endpoint, which is enough when
		// there are as many endpoints with due deliveries as the limit,
		// and deeper only when that falls short.
		for depth := 1; ; depth = perEndpoint {
			picks, err := tx.picks(claimByEndpoint, tx.now, perEndpoint, depth, limit)
			if err != nil {
				return nil, nil, err
			}
			seqs, eps = takePicks(picks, limit)
			if len(seqs) == 0 || len(seqs) >= limit || depth == perEndpoint {
				break
			}
		}
	}
	return seqs, eps, nil
}

// picks runs a query of picks.
func (tx *tx) picks(query string, args ...any) ([]claimPick, error) {
	rows, err := tx.Query(tx.ctx, query, args...)
	if err != nil {
		return nil, wrap(err)
	}
	picks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (claimPick, error) {
		var p claimPick
		return p, r.Scan(&p.seq, &p.endpoint, &p.ok, &p.room)
	})
	return picks, wrap(err)
}

// takePicks keeps up to limit of picks that may be claimed, each endpoint
// within its room, and lists their endpoints.
func takePicks(picks []claimPick, limit int) (seqs []int64, eps []string) {
	taken := map[string]int{}
	for _, p := range picks {
		if !p.ok || len(seqs) == limit || taken[p.endpoint] >= p.room {
			continue
		}
		if taken[p.endpoint] == 0 {
			eps = append(eps, p.endpoint)
		}
		taken[p.endpoint]++
		seqs = append(seqs, p.seq)
	}
	return seqs, eps
}

// collectJobs reads the deliveries claimLease leased.
func collectJobs(rows pgx.Rows, now time.Time) ([]*enroll.WebhookJob, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*enroll.WebhookJob, error) {
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
		// jsonb reorders members and adds spaces: the body is sent as
		// GET /v1/events/{id} encodes the event (FindEvent), as on SQLite,
		// whose documents are stored as written.
		ev, err := decode[enroll.Event](event)
		if err != nil {
			return nil, err
		}
		body, err := ev.MarshalDoc()
		if err != nil {
			return nil, err
		}
		d.WorkspaceID, d.Stream, d.EventSeq = ws, stream, seq
		return &enroll.WebhookJob{Delivery: d, URL: ep.URL, Secrets: ep.SigningSecrets(now), Body: []byte(body), EventCreatedAt: at.UTC()}, nil
	})
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
		var (
			gone    []enroll.DeliveryResult
			applied []*enroll.WebhookDelivery
		)
		for _, r := range done {
			cur := byID[r.Delivery.ID]
			if cur == nil || cur.WorkspaceID != r.Delivery.WorkspaceID || cur.EndpointID != r.Delivery.EndpointID {
				continue // deleted meanwhile
			}
			cur.Apply(r.Outcome, tx.now)
			applied = append(applied, cur)
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
		if err := tx.holdBack(applied); err != nil {
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
	if err := tx.holdBack([]*enroll.WebhookDelivery{cur}); err != nil {
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
