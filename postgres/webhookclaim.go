package postgres

import (
	"context"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

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
