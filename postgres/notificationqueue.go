package postgres

import (
	"context"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

// queueNotifications queues the notifications of the status changes among
// events, in the dispatch transaction that marks them dispatched, so each
// change is notified once (see enroll.NotificationStore). It returns how
// many events it took: all of them, or fewer once rendering has taken
// budget (see enroll.RenderClock).
func (tx *tx) queueNotifications(events []*enroll.Event, budget time.Duration) (int, error) {
	c := &notificationCache{tx: tx, instances: map[string]*enroll.NotificationSource{}, templates: map[string][]*enroll.NotificationTemplate{}}
	clock := enroll.NewRenderClock(budget)
	for i, e := range events {
		if clock.Spent() {
			return i, nil
		}
		if e.Type != enroll.EventEnrollmentStatusChanged {
			continue
		}
		var doc []byte
		if err := tx.QueryRow(tx.ctx, `SELECT doc FROM events WHERE seq = $1`, e.Seq).Scan(&doc); err != nil {
			return 0, wrap(err)
		}
		full, err := decode[enroll.Event](doc)
		if err != nil {
			return 0, err
		}
		full.WorkspaceID, full.Seq = e.WorkspaceID, e.Seq
		src, err := c.source(full)
		if err != nil {
			return 0, err
		} else if src == nil {
			continue
		}
		ns, err := clock.NewNotifications(*src, tx.now)
		if err != nil {
			return 0, err
		}
		for _, n := range ns {
			if err := tx.insertNotification(n); err != nil {
				return 0, err
			}
		}
	}
	return len(events), nil
}

// notificationCache keeps what one dispatch loads per instance.
type notificationCache struct {
	tx        *tx
	instances map[string]*enroll.NotificationSource
	templates map[string][]*enroll.NotificationTemplate
}

// source returns what NewNotifications needs for e, or nil when the
// enrollment's instance is gone.
func (c *notificationCache) source(e *enroll.Event) (*enroll.NotificationSource, error) {
	enr, _, err := enroll.StatusChangeOf(e)
	if err != nil {
		return nil, err
	}
	ctx, ws, id := c.tx.ctx, e.WorkspaceID, enr.ProgramInstanceID
	base, ok := c.instances[ws+"/"+id]
	if !ok {
		inst, err := findInstance(ctx, c.tx, ws, id, "")
		if enroll.ErrorCode(err) == enroll.ENOTFOUND {
			c.instances[ws+"/"+id] = nil
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		prog, err := findProgram(ctx, c.tx, ws, inst.ProgramID, "")
		if err != nil {
			return nil, err
		}
		settings, err := findSettings(ctx, c.tx, ws, id)
		if err != nil {
			return nil, err
		}
		base = &enroll.NotificationSource{Program: prog, Instance: inst, Settings: settings}
		c.instances[ws+"/"+id] = base
	}
	if base == nil {
		return nil, nil
	}
	src := *base
	src.Event = e
	src.Unsubscribed = func(email string) (bool, error) { return c.tx.unsubscribed(ws, email) }
	src.UnsubscribeToken = func(email string) (string, error) { return c.tx.unsubscribeToken(ws, email) }
	if !src.Settings.Enabled {
		return &src, nil
	}
	key := ws + "/" + id + "/" + string(enr.Eligibility.Status)
	ts, ok := c.templates[key]
	if !ok {
		rows, err := c.tx.Query(ctx, `SELECT doc FROM notification_templates WHERE workspace_id = $1 AND instance_id IN ($2, '') AND status = $3`,
			ws, id, string(enr.Eligibility.Status))
		if err != nil {
			return nil, wrap(err)
		}
		ts, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*enroll.NotificationTemplate, error) {
			var doc []byte
			if err := r.Scan(&doc); err != nil {
				return nil, wrap(err)
			}
			return decode[enroll.NotificationTemplate](doc)
		})
		if err != nil {
			return nil, err
		}
		c.templates[key] = ts
	}
	src.Templates = ts
	return &src, nil
}

// insertNotification queues a notification; one already queued for the
// same change, template and recipient is skipped.
func (tx *tx) insertNotification(n *enroll.Notification) error {
	doc, err := encode(n)
	if err != nil {
		return err
	}
	_, err = tx.exec(`INSERT INTO notifications (id, workspace_id, enrollment_id, event_id, template_id, recipient, status,
		next_attempt_at, doc, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
		n.ID, n.WorkspaceID, n.EnrollmentID, n.EventID, n.Template.ID, n.Recipient, string(n.Status),
		n.NextAttemptAt, doc, n.CreatedAt, n.UpdatedAt)
	return err
}

// ListNotifications implements enroll.NotificationStore.
func (db *DB) ListNotifications(ctx context.Context, wsID string, f enroll.NotificationFilter) (*enroll.Page[*enroll.Notification], error) {
	fh := enroll.HashFilter(struct{ E, S string }{f.EnrollmentID, string(f.Status)})
	c, err := f.Normalize([]string{sortSeqDesc}, fh)
	if err != nil {
		return nil, err
	}
	var w where
	w.add("workspace_id = ?", wsID)
	if f.EnrollmentID != "" {
		w.add("enrollment_id = ?", f.EnrollmentID)
	}
	if f.Status != "" {
		w.add("status = ?", string(f.Status))
	}
	var out *enroll.Page[*enroll.Notification]
	err = db.read(ctx, func(q pgx.Tx) error {
		var err error
		out, err = page[enroll.Notification](ctx, q, "notifications", w, f.ListParams, c, fh, func() (int, error) {
			return countRows(ctx, q, "notifications", w)
		})
		return err
	})
	return out, err
}

// claimNotifications leases, until $3, up to $2 notifications due at $1,
// shared between workspaces, and returns them in the order leased. Each
// due notification has a turn: the unexpired leases its workspace holds
// plus its rank in its workspace. Leasing by turn, then due order, takes
// the first of every workspace before the second of any, and, as a
// sender's slots free one at a time, gives the next to the workspace
// holding fewest: one workspace's backlog (an import notifying twenty
// administrators a row) no longer holds back every other workspace's
// messages until it drains. A workspace alone still gets every slot.
//
// It steps from one workspace with pending notifications to the next on
// notifications_workspace_due, reading each one's earliest pending
// notification (one index seek and its row, whatever the backlog): due
// and not leased, it is the workspace's first in turn; not due, the
// workspace has none due (a leased one was due when claimed). Only for a
// workspace whose earliest is leased is the first not leased looked for
// further. Leases are counted from notifications_leased, the rows of
// sends under way (a finish clears lease_until). Only the $4 workspaces
// whose first comes first by turn are read deeper, $4 of each: $4 is a
// few times $2, since another replica's claim under way may hold the
// first picks locked, and SKIP LOCKED must find the next ones in what
// was read, not come back empty (leaving the sender idle a poll
// interval). Each step is ORDER BY ... LIMIT, which reads the index
// whatever the planner estimates. SKIP LOCKED, applied before the limit
// of $2, lets replicas claim side by side, and the lease, set in the
// same statement, keeps a claimed notification from being claimed again
// until it expires; FOR UPDATE checks a row changed since the statement
// began against the due condition again.
var claimNotifications = `WITH RECURSIVE ws AS (
		(SELECT f.workspace_id AS id, f.seq, f.next_attempt_at AS at, f.lease_until AS lease FROM notifications f
		WHERE f.status = 'pending' ORDER BY f.workspace_id, f.next_attempt_at, f.seq LIMIT 1)
		UNION ALL
		SELECT n.* FROM ws CROSS JOIN LATERAL (SELECT n.workspace_id, n.seq, n.next_attempt_at, n.lease_until FROM notifications n
			WHERE n.status = 'pending' AND n.workspace_id > ws.id ORDER BY n.workspace_id, n.next_attempt_at, n.seq LIMIT 1) n
	), held AS MATERIALIZED (
		SELECT l.workspace_id AS id, count(*) AS n FROM notifications l WHERE l.lease_until > $1 GROUP BY l.workspace_id
	), heads AS MATERIALIZED (
		SELECT ws.id, coalesce(held.n, 0) AS held, h.seq, h.next_attempt_at
		FROM ws LEFT JOIN held ON held.id = ws.id
		CROSS JOIN LATERAL (SELECT ws.seq, ws.at AS next_attempt_at WHERE ws.lease IS NULL OR ws.lease <= $1
			UNION ALL
			(SELECT h.seq, h.next_attempt_at FROM notifications h
			WHERE ws.lease > $1 AND h.workspace_id = ws.id AND ` + dueNotificationOf("h") + `
			ORDER BY h.next_attempt_at, h.seq LIMIT 1)) h
		WHERE ws.at <= $1
	), top AS MATERIALIZED (
		SELECT id, held FROM heads ORDER BY held, next_attempt_at, seq LIMIT $4
	), cand AS (
		SELECT d.seq, d.next_attempt_at, top.held + row_number() OVER (PARTITION BY top.id ORDER BY d.next_attempt_at, d.seq) AS turn
		FROM top CROSS JOIN LATERAL (SELECT d.seq, d.next_attempt_at FROM notifications d
			WHERE d.workspace_id = top.id AND ` + dueNotificationOf("d") + `
			ORDER BY d.next_attempt_at, d.seq LIMIT $4) d
	), picked AS (
		SELECT seq, row_number() OVER (ORDER BY turn, next_attempt_at, seq) AS ord FROM cand ORDER BY ord LIMIT $4
	), due AS (
		SELECT n.seq, p.ord FROM picked p JOIN notifications n ON n.seq = p.seq
		WHERE ` + dueNotificationOf("n") + `
		ORDER BY p.ord LIMIT $2
		FOR UPDATE OF n SKIP LOCKED
	), leased AS (
		UPDATE notifications n SET lease_until = $3 FROM due WHERE n.seq = due.seq RETURNING n.seq, n.workspace_id, n.doc
	)
	SELECT l.workspace_id, l.doc FROM leased l JOIN due ON due.seq = l.seq ORDER BY due.ord`

// claimPool is how many times the limit of a claim it picks from, so
// that the replicas claiming at the same moment as this one, up to
// claimPool-1 of them, leave it notifications to lease (claimNotifications).
const claimPool = 4

// dueNotificationOf is whether the notification aliased t may be claimed
// at $1: pending, due and not leased.
func dueNotificationOf(t string) string {
	return t + `.status = 'pending' AND ` + t + `.next_attempt_at <= $1 AND (` + t + `.lease_until IS NULL OR ` + t + `.lease_until <= $1)`
}

// ClaimNotifications implements enroll.NotificationStore. It leases by
// turn between workspaces (claimNotifications), not strictly in due order
// across them.
func (db *DB) ClaimNotifications(ctx context.Context, lease time.Duration, limit int) ([]*enroll.Notification, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []*enroll.Notification
	err := db.write(ctx, func(tx *tx) error {
		until := tx.now.Add(lease).Truncate(time.Microsecond) // as stored: a finish matches it
		rows, err := tx.Query(ctx, claimNotifications, tx.now, limit, until, claimPool*limit)
		if err != nil {
			return wrap(err)
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*enroll.Notification, error) {
			var (
				ws  string
				doc []byte
			)
			if err := r.Scan(&ws, &doc); err != nil {
				return nil, wrap(err)
			}
			n, err := decode[enroll.Notification](doc)
			if err != nil {
				return nil, err
			}
			n.WorkspaceID, n.LeaseUntil = ws, until.UTC()
			return n, nil
		})
		return err
	})
	return out, err
}

// FinishNotification implements enroll.NotificationStore.
func (db *DB) FinishNotification(ctx context.Context, n *enroll.Notification, o enroll.NotificationOutcome) (*enroll.Notification, error) {
	var out *enroll.Notification
	err := db.write(ctx, func(tx *tx) error {
		var doc []byte
		err := tx.QueryRow(ctx, `SELECT doc FROM notifications WHERE workspace_id = $1 AND id = $2 FOR UPDATE`, n.WorkspaceID, n.ID).Scan(&doc)
		if err != nil {
			return notFound(err, "Notification", n.ID)
		}
		cur, err := decode[enroll.Notification](doc)
		if err != nil {
			return err
		}
		cur.WorkspaceID = n.WorkspaceID
		cur.Apply(o, tx.now)
		if doc, err = encode(cur); err != nil {
			return err
		}
		out = cur
		tag, err := tx.exec(`UPDATE notifications SET status = $1, next_attempt_at = $2, lease_until = NULL, doc = $3, updated_at = $4
			WHERE workspace_id = $5 AND id = $6 AND lease_until = $7`, string(cur.Status), cur.NextAttemptAt, doc, tx.now, cur.WorkspaceID, cur.ID, n.LeaseUntil)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return enroll.LeaseLost("Notification", n.ID)
		}
		return nil
	})
	return out, err
}
