package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
)

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
