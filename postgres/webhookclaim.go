package postgres

import (
	"context"
	"slices"
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

// leasesOf is a count of the unexpired leases at $1 of an endpoint or a
// workspace (column endpoint_id or workspace_id equal to value), on
// webhook_deliveries_leased or webhook_deliveries_workspace_leased, up to
// bound: a room is the bound minus it, and none below 0. The LIMIT keeps
// the count on a plain index scan, which marks the entries of finished
// leases dead as it passes them; as a bitmap scan, which does not, every
// count of a busy workspace walked the entries of every lease finished
// since the last vacuum (a lease's row is written again, and its old
// entry kept, when its attempt is recorded): 330 ms a claim against
// 120 before the bound per workspace, in bench/webhook -fairness.
func leasesOf(column, value, bound string) string {
	return `(SELECT count(*) FROM (SELECT FROM webhook_deliveries l WHERE l.lease_until > $1 AND l.` + column + ` = ` + value +
		` LIMIT ` + bound + `) l)`
}

// claimFront walks the front of the queue: the $2 first pending
// deliveries in due order, through webhook_deliveries_due_order, each with
// whether it may be claimed at $1: due, not leased, the head of its stream
// (no earlier pending delivery in the stream: one enrollment's events go
// out one at a time), of an enabled endpoint; its endpoint's room ($3
// minus its unexpired leases); and its workspace's ($4 minus the
// workspace's), counted once per workspace in the walk. It steps from
// each delivery to the next with ORDER BY ... LIMIT 1, which reads the
// index whatever the planner estimates: asked for the due ones in order
// at once, a planner that never saw the table (autovacuum has not
// analyzed a burst yet) takes them for a few, reads them all and sorts
// them. Deliveries not yet due come after every due one, so they are
// walked only when the due ones are all seen.
var claimFront = `WITH RECURSIVE walk AS (
		(SELECT 1 AS n, d.seq, d.workspace_id, d.endpoint_id, d.stream, d.event_seq, d.next_attempt_at, d.lease_until
		FROM webhook_deliveries d WHERE d.status = 'pending' ORDER BY d.next_attempt_at, d.seq LIMIT 1)
		UNION ALL
		SELECT w.n + 1, d.* FROM walk w CROSS JOIN LATERAL (
			SELECT d.seq, d.workspace_id, d.endpoint_id, d.stream, d.event_seq, d.next_attempt_at, d.lease_until
			FROM webhook_deliveries d WHERE d.status = 'pending' AND (d.next_attempt_at, d.seq) > (w.next_attempt_at, w.seq)
			ORDER BY d.next_attempt_at, d.seq LIMIT 1) d
		WHERE w.n < $2
	), rooms AS MATERIALIZED (
		SELECT ws.workspace_id, $4 - ` + leasesOf("workspace_id", "ws.workspace_id", "$4") + ` AS room
		FROM (SELECT DISTINCT workspace_id FROM walk) ws
	)
	SELECT w.seq, w.workspace_id, w.endpoint_id,
		w.next_attempt_at <= $1 AND (w.lease_until IS NULL OR w.lease_until <= $1) AND e.id IS NOT NULL
		AND w.event_seq = (` + streamHead + `w.endpoint_id AND p.stream = w.stream ORDER BY p.event_seq LIMIT 1),
		$3 - ` + leasesOf("endpoint_id", "w.endpoint_id", "$3") + `, r.room
	FROM walk w
	JOIN rooms r ON r.workspace_id = w.workspace_id
	LEFT JOIN webhook_endpoints e ON e.workspace_id = w.workspace_id AND e.id = w.endpoint_id AND e.enabled
	ORDER BY w.n`

// claimByEndpointPlanner is the planner setting the claim endpoint by
// endpoint runs under, for the rest of its transaction (which needs no
// bitmap scan): on a backlog never analyzed (an import's burst, before
// autovacuum's ANALYZE) the planner took an endpoint's due deliveries for
// few, gathered all of them through a bitmap of two indexes and sorted
// them, 0.45 s an endpoint and 2.4 s a claim at 120,000 deliveries, where
// walking webhook_deliveries_endpoint_due in order stops at the
// endpoint's room (TestClaimByEndpointPlanBacklog).
const claimByEndpointPlanner = "enable_bitmapscan = off"

// claimByEndpoint picks deliveries to claim endpoint by endpoint, for when
// the front of the queue is beyond its endpoints' or workspaces' room (a
// slow receiver's backlog, a workspace's over many endpoints, a disabled
// endpoint's, streams waiting for retries): for each enabled endpoint
// with room (fewer than $2 unexpired leases; $1 is now), of a workspace
// with room (fewer than $5), it walks its due deliveries in due order
// through webhook_deliveries_endpoint_due, keeping the heads of streams,
// and stops at $3 or its room; each workspace keeps up to its own room.
// It returns the first of every workspace before the second of any, and
// within a workspace the first of every endpoint before the second of
// any, up to $4, so that a workspace with many endpoints does not fill
// the claim before another's first. The walk costs a few index reads per
// endpoint, never the whole due queue.
var claimByEndpoint = `WITH wss AS MATERIALIZED (
		SELECT ws.workspace_id, $5 - ` + leasesOf("workspace_id", "ws.workspace_id", "$5") + ` AS room
		FROM (SELECT DISTINCT workspace_id FROM webhook_endpoints WHERE enabled) ws
	), eps AS MATERIALIZED (
		SELECT e.workspace_id, e.id, wss.room AS wsroom, $2 - ` + leasesOf("endpoint_id", "e.id", "$2") + ` AS room
		FROM wss JOIN webhook_endpoints e ON e.workspace_id = wss.workspace_id AND e.enabled
		WHERE wss.room > 0
	), cand AS (
		SELECT c.seq, eps.workspace_id, eps.id AS endpoint_id, c.next_attempt_at, eps.room, eps.wsroom,
			row_number() OVER (PARTITION BY eps.id ORDER BY c.next_attempt_at, c.seq) AS rank
		FROM eps CROSS JOIN LATERAL (
			SELECT d.seq, d.next_attempt_at FROM webhook_deliveries d
			WHERE d.endpoint_id = eps.id AND d.workspace_id = eps.workspace_id AND d.status = 'pending'
				AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until <= $1)
				AND d.event_seq = (` + streamHead + `d.endpoint_id AND p.stream = d.stream ORDER BY p.event_seq LIMIT 1)
			ORDER BY d.next_attempt_at, d.seq LIMIT least(greatest(eps.room, 0), eps.wsroom, $3)
		) c
	), ranked AS (
		SELECT cand.*, row_number() OVER (PARTITION BY workspace_id ORDER BY rank, next_attempt_at, seq) AS wsrank FROM cand
	)
	SELECT seq, workspace_id, endpoint_id, true, room, wsroom FROM ranked WHERE wsrank <= wsroom
	ORDER BY wsrank, next_attempt_at, seq LIMIT $4`

// claimLock locks the workspaces of a claim's picks ($1), skipping those
// another claim holds: one claim at a time counts and adds a workspace's
// leases, and so its endpoints', so replicas claiming together cannot
// both fill a room. (Locking endpoints instead, as before, guarded the
// bound per endpoint only: two claims can pick different rows of one
// workspace, one from the queue's front, the other endpoint by endpoint.)
// No statement updates a workspace row; the foreign keys' KEY SHARE locks
// do not conflict with this one.
const claimLock = `SELECT id FROM workspaces WHERE id = ANY($1) FOR NO KEY UPDATE SKIP LOCKED`

// claimLease leases those of the picks ($4, in order) of the workspaces
// claimLock locked ($5) that are still due at $1 (a pick read before the
// lock may have been leased or finished since), of an enabled endpoint,
// each endpoint up to its room ($2 minus its unexpired leases) and each
// workspace up to its own ($6 minus the workspace's), until $3. The
// lock's WHERE is checked again on a row changed since the statement
// began. Each pick is read by its seq, one at a time (LIMIT 1 keeps the
// lookup from being pulled up into a join): a planner without statistics
// otherwise read every due delivery of the locked workspaces, for their
// workspace_id = ANY($5), and probed each for its stream's head (10,000
// in BenchmarkClaimWebhookDeliveries/fresh, 35-50 ms a claim).
var claimLease = `WITH picks AS (
		SELECT p.seq, p.ord FROM unnest($4::bigint[]) WITH ORDINALITY AS p(seq, ord)
	), cand AS (
		SELECT d.seq, d.workspace_id, d.endpoint_id, p.ord
		FROM picks p CROSS JOIN LATERAL (SELECT d.* FROM webhook_deliveries d WHERE d.seq = p.seq LIMIT 1) d
		JOIN webhook_endpoints e ON e.workspace_id = d.workspace_id AND e.id = d.endpoint_id AND e.enabled
		WHERE d.workspace_id = ANY($5) AND d.status = 'pending' AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until <= $1)
			AND d.event_seq = (` + streamHead + `d.endpoint_id AND p.stream = d.stream ORDER BY p.event_seq LIMIT 1)
	), eproom AS (
		SELECT k.id, $2 - ` + leasesOf("endpoint_id", "k.id", "$2") + ` AS room FROM (SELECT DISTINCT endpoint_id AS id FROM cand) k
	), wsroom AS (
		SELECT k.id, $6 - ` + leasesOf("workspace_id", "k.id", "$6") + ` AS room FROM unnest($5::text[]) AS k(id)
	), inroom AS (
		SELECT c.seq, c.workspace_id, c.ord
		FROM (SELECT cand.*, row_number() OVER (PARTITION BY endpoint_id ORDER BY ord) AS rank FROM cand) c
		JOIN eproom r ON r.id = c.endpoint_id WHERE c.rank <= r.room
	), ok AS (
		SELECT i.seq, i.ord
		FROM (SELECT inroom.*, row_number() OVER (PARTITION BY workspace_id ORDER BY ord) AS rank FROM inroom) i
		JOIN wsroom r ON r.id = i.workspace_id WHERE i.rank <= r.room
	), due AS (
		SELECT d.seq, ok.ord FROM ok JOIN webhook_deliveries d ON d.seq = ok.seq
		WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until <= $1)
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
// backlog, a workspace's at its bound), endpoint by endpoint. Then it
// locks the picks' workspaces and leases what is still due within the
// room of their endpoints and workspaces, in a later statement that (READ
// COMMITTED) sees every lease committed by the claims that held those
// workspaces before. SKIP LOCKED lets replicas claim side by side; the
// lease keeps a claimed delivery from being claimed again until it
// expires.
func (db *DB) ClaimWebhookDeliveries(ctx context.Context, lease time.Duration, limit, perEndpoint, perWorkspace int) ([]*enroll.WebhookJob, error) {
	if limit <= 0 || perEndpoint <= 0 || perWorkspace <= 0 {
		return nil, nil
	}
	var jobs []*enroll.WebhookJob
	err := db.write(ctx, func(tx *tx) error {
		var err error
		jobs, err = tx.claim(lease, limit, perEndpoint, perWorkspace)
		return err
	})
	return jobs, err
}

// claim is ClaimWebhookDeliveries in tx, whose commit makes its leases
// seen by other claims and releases its workspaces' locks.
func (tx *tx) claim(lease time.Duration, limit, perEndpoint, perWorkspace int) ([]*enroll.WebhookJob, error) {
	seqs, wss, err := tx.claimPicks(limit, perEndpoint, perWorkspace)
	if err != nil || len(seqs) == 0 {
		return nil, err
	}
	rows, err := tx.Query(tx.ctx, claimLock, wss)
	if err != nil {
		return nil, wrap(err)
	}
	locked, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(locked) == 0 {
		return nil, wrap(err)
	}
	// The column keeps microseconds, and a finish matches the lease by its
	// end: the job's copy must be what is stored (tx.now is whole
	// microseconds, a lease need not be).
	until := tx.now.Add(lease).Truncate(time.Microsecond)
	rows, err = tx.Query(tx.ctx, claimLease, tx.now, perEndpoint, until, seqs, locked, perWorkspace)
	if err != nil {
		return nil, wrap(err)
	}
	return collectJobs(rows, tx.db.sealer, tx.now, until)
}

// claimPicks returns up to limit deliveries a claim may lease, at most
// perEndpoint of an endpoint and perWorkspace of a workspace, in the
// order to lease them (enroll.PickClaims), and their workspaces.
func (tx *tx) claimPicks(limit, perEndpoint, perWorkspace int) (seqs []int64, wss []string, err error) {
	picks, err := enroll.PickClaims(limit, perEndpoint, perWorkspace,
		func(walk int) ([]enroll.ClaimPick, error) {
			return tx.picks(claimFront, tx.now, walk, perEndpoint, perWorkspace)
		},
		func(depth int) ([]enroll.ClaimPick, error) {
			if _, err := tx.Exec(tx.ctx, "SET LOCAL "+claimByEndpointPlanner); err != nil {
				return nil, wrap(err)
			}
			return tx.picks(claimByEndpoint, tx.now, perEndpoint, depth, limit, perWorkspace)
		})
	if err != nil {
		return nil, nil, err
	}
	for _, p := range picks {
		if !slices.Contains(wss, p.WorkspaceID) {
			wss = append(wss, p.WorkspaceID)
		}
		seqs = append(seqs, p.Seq)
	}
	return seqs, wss, nil
}

// picks runs a query of picks.
func (tx *tx) picks(query string, args ...any) ([]enroll.ClaimPick, error) {
	rows, err := tx.Query(tx.ctx, query, args...)
	if err != nil {
		return nil, wrap(err)
	}
	picks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (enroll.ClaimPick, error) {
		var p enroll.ClaimPick
		return p, r.Scan(&p.Seq, &p.WorkspaceID, &p.EndpointID, &p.OK, &p.Room, &p.WorkspaceRoom)
	})
	return picks, wrap(err)
}

// collectJobs reads the deliveries claimLease leased until then, their
// endpoints' secrets opened with s.
func collectJobs(rows pgx.Rows, s enroll.SecretSealer, now, until time.Time) ([]*enroll.WebhookJob, error) {
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
		// GET /v1/events/{id} encodes the event (FindEvent; decode puts
		// the object's members back in order), as on SQLite, whose
		// documents are stored as written.
		ev, err := decode[enroll.Event](event)
		if err != nil {
			return nil, err
		}
		body, err := ev.MarshalDoc()
		if err != nil {
			return nil, err
		}
		d.WorkspaceID, d.Stream, d.EventSeq = ws, stream, seq
		j := &enroll.WebhookJob{Delivery: d, URL: ep.URL, EndpointUpdatedAt: ep.UpdatedAt, Body: []byte(body), EventCreatedAt: at.UTC(),
			LeaseUntil: until.UTC()}
		if err := enroll.OpenEndpointSecrets(s, ep); err != nil {
			j.SecretsError = enroll.WebhookSecretsError(err)
		} else {
			j.Secrets = ep.SigningSecrets(now)
		}
		return j, nil
	})
}
