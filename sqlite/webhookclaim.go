package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
)

// dueDelivery is the condition of a delivery x that may be claimed at the
// time now (a placeholder, read twice: give "?" two arguments). Only the
// head of a stream (no earlier pending delivery to the same endpoint) is
// due: one enrollment's events go out one at a time.
func dueDelivery(now string) string {
	return `x.status = 'pending' AND x.next_attempt_at <= ` + now + ` AND (x.lease_until IS NULL OR x.lease_until <= ` + now + `)
	AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = x.endpoint_id AND p.stream = x.stream
		AND p.status = 'pending' AND p.event_seq < x.event_seq)`
}

// workspaceRoom, completed with a workspace id, is perWorkspace (?4 in
// claimFront, ?5 in claimByEndpoint) minus the workspace's unexpired
// leases at ?2, counted on webhook_deliveries_workspace_leased: at most
// the bound's entries, whatever its backlog.
const workspaceRoom = `(SELECT count(*) FROM webhook_deliveries l WHERE l.lease_until > ?2 AND l.workspace_id = `

// claimFront walks the front of the queue: the oldest due deliveries in
// due order, through webhook_deliveries_due, each with whether it may be
// claimed (the head of its stream, of an enabled endpoint), its
// endpoint's room (perEndpoint minus its unexpired leases) and its
// workspace's (perWorkspace minus the workspace's), counted once per
// workspace in the walk, not per delivery. Arguments: ?1 perEndpoint,
// ?2 now, ?3 walk, ?4 perWorkspace.
const claimFront = `WITH x AS MATERIALIZED (SELECT d.seq, d.workspace_id, d.endpoint_id, d.stream, d.event_seq, d.next_attempt_at
		FROM webhook_deliveries d
		WHERE d.status = 'pending' AND d.next_attempt_at <= ?2 AND (d.lease_until IS NULL OR d.lease_until <= ?2)
		ORDER BY d.next_attempt_at, d.seq LIMIT ?3),
	w AS MATERIALIZED (SELECT ws.workspace_id, ?4 - ` + workspaceRoom + `ws.workspace_id) AS room
		FROM (SELECT DISTINCT workspace_id FROM x) ws)
	SELECT x.seq, x.workspace_id, x.endpoint_id, e.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p
		WHERE p.endpoint_id = x.endpoint_id AND p.stream = x.stream AND p.status = 'pending' AND p.event_seq < x.event_seq),
		?1 - (SELECT count(*) FROM webhook_deliveries l WHERE l.endpoint_id = x.endpoint_id AND l.lease_until > ?2), w.room
	FROM x CROSS JOIN w ON w.workspace_id = x.workspace_id
	LEFT JOIN webhook_endpoints e ON e.workspace_id = x.workspace_id AND e.id = x.endpoint_id AND e.enabled = 1
	ORDER BY x.next_attempt_at, x.seq`

// claimByEndpoint picks deliveries to claim endpoint by endpoint, for when
// the front of the queue is beyond its endpoints' or workspaces' room (a
// slow receiver's backlog, a workspace's over many endpoints, a disabled
// endpoint's, streams waiting for retries): for each enabled endpoint
// with room, of a workspace with room, it walks its due deliveries in due
// order through webhook_deliveries_endpoint_due, keeping the heads of
// streams, and stops at depth; each endpoint keeps up to its room, each
// workspace up to its own. It returns the first of every workspace before
// the second of any, and within a workspace the first of every endpoint
// before the second of any, so that a workspace with many endpoints does
// not fill the claim before another's first. The walk costs a few index
// reads per endpoint, never the whole due queue. Arguments: ?1
// perEndpoint, ?2 now, ?3 depth, ?4 limit, ?5 perWorkspace.
var claimByEndpoint = `WITH w AS MATERIALIZED (SELECT ws.workspace_id, ?5 - ` + workspaceRoom + `ws.workspace_id) AS room
		FROM (SELECT DISTINCT workspace_id FROM webhook_endpoints WHERE enabled = 1) ws),
	e AS MATERIALIZED (SELECT e.workspace_id, e.id, w.room AS wsroom,
			?1 - (SELECT count(*) FROM webhook_deliveries l WHERE l.endpoint_id = e.id AND l.lease_until > ?2) AS room
		FROM w CROSS JOIN webhook_endpoints e ON e.workspace_id = w.workspace_id AND e.enabled = 1
		WHERE w.room > 0),
	c AS (SELECT d.seq, e.workspace_id, e.id AS endpoint_id, d.next_attempt_at, e.room, e.wsroom,
			row_number() OVER (PARTITION BY e.id ORDER BY d.next_attempt_at, d.seq) AS rank
		FROM e CROSS JOIN webhook_deliveries d ON d.seq IN (SELECT x.seq FROM webhook_deliveries x
			WHERE x.endpoint_id = e.id AND x.workspace_id = e.workspace_id AND ` + dueDelivery("?2") + `
			ORDER BY x.next_attempt_at, x.seq LIMIT ?3)
		WHERE e.room > 0)
	SELECT seq, workspace_id, endpoint_id, 1, room, wsroom FROM (
		SELECT c.*, row_number() OVER (PARTITION BY c.workspace_id ORDER BY c.rank, c.next_attempt_at, c.seq) AS wsrank
		FROM c WHERE c.rank <= c.room)
	WHERE wsrank <= wsroom ORDER BY wsrank, next_attempt_at, seq LIMIT ?4`

// ClaimWebhookDeliveries implements enroll.WebhookStore. A reader picks
// what to lease, beside the writer (and most polls find nothing, so take
// no writer): from the front of the queue, which costs a few index reads
// per delivery, or, when the front holds too few it could lease (one
// endpoint's backlog, a workspace's at its bound), endpoint by endpoint.
// The writer then checks again only the deliveries picked, and the room
// of their endpoints and workspaces: with one writer, no other claim runs
// meanwhile, so the leases it counts are all the leases held.
func (db *DB) ClaimWebhookDeliveries(ctx context.Context, lease time.Duration, limit, perEndpoint, perWorkspace int) ([]*enroll.WebhookJob, error) {
	if limit <= 0 || perEndpoint <= 0 || perWorkspace <= 0 {
		return nil, nil
	}
	now := micros(db.clock.Now())
	picks, err := enroll.PickClaims(limit, perEndpoint, perWorkspace,
		func(walk int) ([]enroll.ClaimPick, error) {
			return db.claimPicks(ctx, claimFront, perEndpoint, now, walk, perWorkspace)
		},
		func(depth int) ([]enroll.ClaimPick, error) {
			return db.claimPicks(ctx, claimByEndpoint, perEndpoint, now, depth, limit, perWorkspace)
		})
	if err != nil {
		return nil, err
	}
	if len(picks) == 0 {
		return nil, nil
	}
	var jobs []*enroll.WebhookJob
	err = db.write(ctx, func(tx *Tx) error {
		jobs, err = tx.claim(picks, lease, perEndpoint, perWorkspace)
		return err
	})
	return jobs, err
}

// claimPicks runs a query of picks on a reader.
func (db *DB) claimPicks(ctx context.Context, query string, args ...any) ([]enroll.ClaimPick, error) {
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim: %w", err)
	}
	defer rows.Close()
	var picks []enroll.ClaimPick
	for rows.Next() {
		var p enroll.ClaimPick
		if err := rows.Scan(&p.Seq, &p.WorkspaceID, &p.EndpointID, &p.OK, &p.Room, &p.WorkspaceRoom); err != nil {
			return nil, fmt.Errorf("sqlite: claim: %w", err)
		}
		picks = append(picks, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: claim: %w", err)
	}
	return picks, nil
}

// claim leases those of picks that are still due, in order, within the
// room of their endpoints and workspaces.
func (tx *Tx) claim(picks []enroll.ClaimPick, lease time.Duration, perEndpoint, perWorkspace int) ([]*enroll.WebhookJob, error) {
	now := micros(tx.now)
	room, wsRoom := map[string]int{}, map[string]int{}
	var eps, wss, seqs []any
	for _, p := range picks {
		if _, ok := room[p.EndpointID]; !ok {
			room[p.EndpointID] = perEndpoint
			eps = append(eps, p.EndpointID)
		}
		if _, ok := wsRoom[p.WorkspaceID]; !ok {
			wsRoom[p.WorkspaceID] = perWorkspace
			wss = append(wss, p.WorkspaceID)
		}
		seqs = append(seqs, p.Seq)
	}
	if err := tx.subtractLeases(room, `endpoint_id`, now, eps); err != nil {
		return nil, err
	}
	if err := tx.subtractLeases(wsRoom, `workspace_id`, now, wss); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(tx.ctx, `SELECT x.seq, x.id, x.workspace_id, x.doc, x.stream, x.event_seq, e.doc, e.secrets, ev.doc, ev.created_at
		FROM webhook_deliveries x
		CROSS JOIN webhook_endpoints e ON e.workspace_id = x.workspace_id AND e.id = x.endpoint_id AND e.enabled = 1
		JOIN events ev ON ev.id = x.event_id
		WHERE x.seq IN (`+placeholders(len(seqs))+`) AND `+dueDelivery("?"), append(seqs, now, now)...)
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
		j := &enroll.WebhookJob{Delivery: d, URL: ep.URL, EndpointUpdatedAt: ep.UpdatedAt, Body: []byte(body),
			EventCreatedAt: time.UnixMicro(at).UTC()}
		if err := enroll.OpenEndpointSecrets(tx.db.sealer, ep); err != nil {
			j.SecretsError = enroll.WebhookSecretsError(err)
		} else {
			j.Secrets = ep.SigningSecrets(tx.now)
		}
		due[seq] = j
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: claim: %w", err)
	}
	var jobs []*enroll.WebhookJob
	until := micros(tx.now.Add(lease))
	for _, p := range picks {
		j := due[p.Seq]
		if j == nil || room[p.EndpointID] <= 0 || wsRoom[p.WorkspaceID] <= 0 {
			continue
		}
		room[p.EndpointID]--
		wsRoom[p.WorkspaceID]--
		if _, err := tx.exec(`UPDATE webhook_deliveries SET lease_until = ? WHERE workspace_id = ? AND seq = ?`, until, p.WorkspaceID, p.Seq); err != nil {
			return nil, err
		}
		j.LeaseUntil = time.UnixMicro(until).UTC()
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// subtractLeases takes from room, by the value of column (endpoint_id or
// workspace_id, each read on its index of leased rows), the unexpired
// leases at now of those values (keys).
func (tx *Tx) subtractLeases(room map[string]int, column string, now int64, keys []any) error {
	rows, err := tx.QueryContext(tx.ctx, `SELECT `+column+`, count(*) FROM webhook_deliveries
		WHERE lease_until > ? AND `+column+` IN (`+placeholders(len(keys))+`) GROUP BY `+column, append([]any{now}, keys...)...)
	if err != nil {
		return fmt.Errorf("sqlite: claim: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			key  string
			held int
		)
		if err := rows.Scan(&key, &held); err != nil {
			return fmt.Errorf("sqlite: claim: %w", err)
		}
		room[key] -= held
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: claim: %w", err)
	}
	return nil
}

// placeholders returns n comma-separated question marks.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
