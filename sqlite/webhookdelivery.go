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
	fh := enroll.HashFilter(struct{ S, E string }{string(f.Status), f.EventID})
	c, err := f.Normalize([]string{sortSeqDesc}, fh)
	if err != nil {
		return nil, err
	}
	if _, err := findEndpoint(ctx, db.r, wsID, endpointID); err != nil {
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
	return page[enroll.WebhookDelivery](ctx, db.r, "webhook_deliveries", w, f.ListParams, c, fh, func() (int, error) {
		return countRows(ctx, db.r, "webhook_deliveries", w)
	})
}

// FindWebhookDelivery implements enroll.WebhookStore.
func (db *DB) FindWebhookDelivery(ctx context.Context, wsID, endpointID, id string) (*enroll.WebhookDelivery, error) {
	return findDelivery(ctx, db.r, wsID, endpointID, id)
}

// RedeliverWebhook implements enroll.WebhookStore.
func (db *DB) RedeliverWebhook(ctx context.Context, a enroll.Actor, endpointID, id string) (*enroll.WebhookDelivery, error) {
	var out *enroll.WebhookDelivery
	err := db.write(ctx, func(tx *Tx) error {
		d, err := findDelivery(ctx, tx, a.WorkspaceID, endpointID, id)
		if err != nil {
			return err
		}
		if out, err = d.Redelivery(tx.now); err != nil {
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
		taken, err := tx.queueNotifications(events, renderBudget)
		if err != nil {
			return err
		}
		events = events[:taken]
		endpoints, err := tx.enabledEndpoints(events)
		if err != nil {
			return err
		}
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

// dueDelivery is the condition of a delivery x that may be claimed at the
// time given twice as arguments. Only the head of a stream (no earlier
// pending delivery to the same endpoint) is due: one enrollment's events go
// out one at a time.
const dueDelivery = `x.status = 'pending' AND x.next_attempt_at <= ? AND (x.lease_until IS NULL OR x.lease_until <= ?)
	AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = x.endpoint_id AND p.stream = x.stream
		AND p.status = 'pending' AND p.event_seq < x.event_seq)`

// claimFront walks the front of the queue: the oldest due deliveries in
// due order, through webhook_deliveries_due (CROSS JOIN keeps SQLite on
// it), each with whether it may be claimed (the head of its stream, of an
// enabled endpoint) and its endpoint's room (perEndpoint minus its
// unexpired leases). Arguments: perEndpoint, now, now, now, walk.
const claimFront = `SELECT x.seq, x.endpoint_id, e.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p
		WHERE p.endpoint_id = x.endpoint_id AND p.stream = x.stream AND p.status = 'pending' AND p.event_seq < x.event_seq),
		? - (SELECT count(*) FROM webhook_deliveries l WHERE l.endpoint_id = x.endpoint_id AND l.lease_until > ?)
	FROM (SELECT d.seq, d.workspace_id, d.endpoint_id, d.stream, d.event_seq, d.next_attempt_at FROM webhook_deliveries d
		WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND (d.lease_until IS NULL OR d.lease_until <= ?)
		ORDER BY d.next_attempt_at, d.seq LIMIT ?) x
	LEFT JOIN webhook_endpoints e ON e.workspace_id = x.workspace_id AND e.id = x.endpoint_id AND e.enabled = 1
	ORDER BY x.next_attempt_at, x.seq`

// claimByEndpoint picks deliveries to claim endpoint by endpoint, for when
// the front of the queue is one endpoint's backlog (a slow receiver's, a
// disabled endpoint's, streams waiting for retries): for each enabled
// endpoint with room it walks its due deliveries in due order through
// webhook_deliveries_endpoint_due, keeping the heads of streams, and stops
// at depth or its room. It returns the first of every endpoint before the
// second of any. The walk costs a few index reads per endpoint, never the
// whole due queue. Arguments: perEndpoint, now, now, now, depth, limit.
const claimByEndpoint = `SELECT seq, endpoint_id, 1, room FROM (
		SELECT d.seq, d.endpoint_id, d.next_attempt_at, e.room,
			row_number() OVER (PARTITION BY e.id ORDER BY d.next_attempt_at, d.seq) AS rank
		FROM (SELECT e.workspace_id, e.id,
				? - (SELECT count(*) FROM webhook_deliveries l WHERE l.endpoint_id = e.id AND l.lease_until > ?) AS room
			FROM webhook_endpoints e WHERE e.enabled = 1) e
		CROSS JOIN webhook_deliveries d ON d.seq IN (SELECT x.seq FROM webhook_deliveries x
			WHERE x.endpoint_id = e.id AND x.workspace_id = e.workspace_id AND ` + dueDelivery + `
			ORDER BY x.next_attempt_at, x.seq LIMIT ?)
		WHERE e.room > 0)
	WHERE rank <= room ORDER BY rank, next_attempt_at, seq LIMIT ?`

// claimPick is a delivery a claim may lease.
type claimPick struct {
	seq      int64
	endpoint string
	ok       bool
	room     int
}

// ClaimWebhookDeliveries implements enroll.WebhookStore. A reader picks
// what to lease, beside the writer (and most polls find nothing, so take
// no writer): from the front of the queue, which costs a few index reads
// per delivery, or, when the front holds too few it could lease (one
// endpoint's backlog), endpoint by endpoint. The writer then checks again
// only the deliveries picked, and the room of their endpoints: with one
// writer, no other claim runs meanwhile, so the leases it counts are all
// the leases held.
func (db *DB) ClaimWebhookDeliveries(ctx context.Context, lease time.Duration, limit, perEndpoint int) ([]*enroll.WebhookJob, error) {
	if limit <= 0 || perEndpoint <= 0 {
		return nil, nil
	}
	now := micros(db.clock.Now())
	// The front: as many as the limit, enough unless some of them cannot
	// be claimed (one endpoint's backlog beyond its room, a disabled
	// endpoint's, streams behind an attempt under way).
	walk := limit
	front, err := db.claimPicks(ctx, claimFront, perEndpoint, now, now, now, walk)
	if err != nil {
		return nil, err
	}
	picks := takePicks(front, limit)
	if len(picks) < limit && len(front) == walk {
		// Read first the earliest of each endpoint, which is enough when
		// there are as many endpoints with due deliveries as the limit,
		// and deeper only when that falls short.
		for depth := 1; ; depth = perEndpoint {
			all, err := db.claimPicks(ctx, claimByEndpoint, perEndpoint, now, now, now, depth, limit)
			if err != nil {
				return nil, err
			}
			picks = takePicks(all, limit)
			if len(picks) == 0 || len(picks) >= limit || depth == perEndpoint {
				break
			}
		}
	}
	if len(picks) == 0 {
		return nil, nil
	}
	var jobs []*enroll.WebhookJob
	err = db.write(ctx, func(tx *Tx) error {
		jobs, err = tx.claim(picks, lease, perEndpoint)
		return err
	})
	return jobs, err
}

// claimPicks runs a query of picks on a reader.
func (db *DB) claimPicks(ctx context.Context, query string, args ...any) ([]claimPick, error) {
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim: %w", err)
	}
	defer rows.Close()
	var picks []claimPick
	for rows.Next() {
		var p claimPick
		if err := rows.Scan(&p.seq, &p.endpoint, &p.ok, &p.room); err != nil {
			return nil, fmt.Errorf("sqlite: claim: %w", err)
		}
		picks = append(picks, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: claim: %w", err)
	}
	return picks, nil
}

// takePicks keeps up to limit of picks that may be claimed, each endpoint
// within its room.
func takePicks(picks []claimPick, limit int) []claimPick {
	var out []claimPick
	taken := map[string]int{}
	for _, p := range picks {
		if p.ok && len(out) < limit && taken[p.endpoint] < p.room {
			taken[p.endpoint]++
			out = append(out, p)
		}
	}
	return out
}

// claim leases those of picks that are still due, in order, within their
// endpoints' room.
func (tx *Tx) claim(picks []claimPick, lease time.Duration, perEndpoint int) ([]*enroll.WebhookJob, error) {
	now := micros(tx.now)
	room := map[string]int{}
	var eps, seqs []any
	for _, p := range picks {
		if _, ok := room[p.endpoint]; !ok {
			room[p.endpoint] = perEndpoint
			eps = append(eps, p.endpoint)
		}
		seqs = append(seqs, p.seq)
	}
	rows, err := tx.QueryContext(tx.ctx, `SELECT endpoint_id, count(*) FROM webhook_deliveries
		WHERE lease_until > ? AND endpoint_id IN (`+placeholders(len(eps))+`) GROUP BY endpoint_id`, append([]any{now}, eps...)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim: %w", err)
	}
	for rows.Next() {
		var (
			ep   string
			held int
		)
		if err := rows.Scan(&ep, &held); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: claim: %w", err)
		}
		room[ep] -= held
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: claim: %w", err)
	}
	rows, err = tx.QueryContext(tx.ctx, `SELECT x.seq, x.id, x.workspace_id, x.doc, x.stream, x.event_seq, e.doc, e.secrets, ev.doc, ev.created_at
		FROM webhook_deliveries x
		CROSS JOIN webhook_endpoints e ON e.workspace_id = x.workspace_id AND e.id = x.endpoint_id AND e.enabled = 1
		JOIN events ev ON ev.id = x.event_id
		WHERE x.seq IN (`+placeholders(len(seqs))+`) AND `+dueDelivery, append(seqs, now, now)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim: %w", err)
	}
	due := map[int64]*enroll.WebhookJob{}
	for rows.Next() {
		var (
			id, ws, doc, stream, epDoc, secrets, body string
			seq, evSeq, at                            int64
		)
		if err := rows.Scan(&seq, &id, &ws, &doc, &stream, &evSeq, &epDoc, &secrets, &body, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: claim: %w", err)
		}
		d, err := decode[enroll.WebhookDelivery](doc)
		if err != nil {
			rows.Close()
			return nil, err
		}
		ep, err := decodeEndpoint(ws, epDoc, secrets)
		if err != nil {
			rows.Close()
			return nil, err
		}
		d.WorkspaceID, d.Stream, d.EventSeq = ws, stream, evSeq
		due[seq] = &enroll.WebhookJob{Delivery: d, URL: ep.URL, Secrets: ep.SigningSecrets(tx.now),
			Body: []byte(body), EventCreatedAt: time.UnixMicro(at).UTC()}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: claim: %w", err)
	}
	var jobs []*enroll.WebhookJob
	until := micros(tx.now.Add(lease))
	for _, p := range picks {
		j := due[p.seq]
		if j == nil || room[p.endpoint] <= 0 {
			continue
		}
		room[p.endpoint]--
		if _, err := tx.exec(`UPDATE webhook_deliveries SET lease_until = ? WHERE seq = ?`, until, p.seq); err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// placeholders returns n comma-separated question marks.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// FinishWebhookDelivery implements enroll.WebhookStore.
func (db *DB) FinishWebhookDelivery(ctx context.Context, d *enroll.WebhookDelivery, o enroll.DeliveryOutcome) (*enroll.WebhookDelivery, error) {
	var out *enroll.WebhookDelivery
	err := db.write(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.finishDelivery(d, o)
		return err
	})
	return out, err
}

// FinishWebhookDeliveries implements enroll.WebhookStore.
func (db *DB) FinishWebhookDeliveries(ctx context.Context, done []enroll.DeliveryResult) error {
	return db.write(ctx, func(tx *Tx) error {
		for _, r := range done {
			if _, err := tx.finishDelivery(r.Delivery, r.Outcome); err != nil && enroll.ErrorCode(err) != enroll.ENOTFOUND {
				return err
			}
		}
		return nil
	})
}

// finishDelivery records an attempt and its outcome, ending the lease; a
// 410 disables the endpoint. Returns ENOTFOUND for a deleted delivery.
func (tx *Tx) finishDelivery(d *enroll.WebhookDelivery, o enroll.DeliveryOutcome) (*enroll.WebhookDelivery, error) {
	cur, err := findDelivery(tx.ctx, tx, d.WorkspaceID, d.EndpointID, d.ID)
	if err != nil {
		return nil, err
	}
	cur.Apply(o, tx.now)
	doc, err := encode(cur)
	if err != nil {
		return nil, err
	}
	if _, err := tx.exec(`UPDATE webhook_deliveries SET status = ?, next_attempt_at = ?, lease_until = NULL, doc = ?, updated_at = ?
		WHERE workspace_id = ? AND id = ?`, string(cur.Status), nullMicros(cur.NextAttemptAt), doc, micros(tx.now), cur.WorkspaceID, cur.ID); err != nil {
		return nil, err
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
	ep, err := findEndpoint(tx.ctx, tx, d.WorkspaceID, d.EndpointID)
	if enroll.ErrorCode(err) == enroll.ENOTFOUND {
		return cur, nil
	} else if err != nil {
		return nil, err
	}
	ep.Disable(enroll.DisabledByGone, tx.now)
	return cur, tx.writeEndpoint(ep, false)
}
