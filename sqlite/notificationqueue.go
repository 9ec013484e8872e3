package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/enrollhq/enroll"
)

// queueNotifications queues the notifications of the status changes among
// events, in the dispatch transaction that takes them from the outbox, so
// each change is notified once (see enroll.NotificationStore). It returns
// how many events it took: all of them, or fewer once rendering has taken
// budget (see enroll.RenderClock).
func (tx *Tx) queueNotifications(events []*enroll.Event, budget time.Duration) (int, error) {
	c := newNotificationCache(tx)
	clock := enroll.NewRenderClock(budget)
	for i, e := range events {
		if clock.Spent() {
			return i, nil
		}
		if e.Type != enroll.EventEnrollmentStatusChanged {
			continue
		}
		var doc string
		if err := tx.QueryRowContext(tx.ctx, `SELECT doc FROM events WHERE seq = ?`, e.Seq).Scan(&doc); err != nil {
			return 0, fmt.Errorf("sqlite: notifications: %w", err)
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
	tx        *Tx
	instances map[string]*enroll.NotificationSource
	templates map[string][]*enroll.NotificationTemplate
}

func newNotificationCache(tx *Tx) *notificationCache {
	return &notificationCache{tx: tx, instances: map[string]*enroll.NotificationSource{}, templates: map[string][]*enroll.NotificationTemplate{}}
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
		inst, err := findInstance(ctx, c.tx, ws, id)
		if enroll.ErrorCode(err) == enroll.ENOTFOUND {
			c.instances[ws+"/"+id] = nil
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		prog, err := findProgram(ctx, c.tx, ws, inst.ProgramID)
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
		rows, err := c.tx.QueryContext(ctx, `SELECT doc FROM notification_templates WHERE workspace_id = ? AND instance_id IN (?, '') AND status = ?`,
			ws, id, string(enr.Eligibility.Status))
		if err != nil {
			return nil, fmt.Errorf("sqlite: notifications: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var doc string
			if err := rows.Scan(&doc); err != nil {
				return nil, fmt.Errorf("sqlite: notifications: %w", err)
			}
			t, err := decode[enroll.NotificationTemplate](doc)
			if err != nil {
				return nil, err
			}
			ts = append(ts, t)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("sqlite: notifications: %w", err)
		}
		c.templates[key] = ts
	}
	src.Templates = ts
	return &src, nil
}

// insertNotification queues a notification; one already queued for the
// same change, template and recipient is skipped.
func (tx *Tx) insertNotification(n *enroll.Notification) error {
	doc, err := encode(n)
	if err != nil {
		return err
	}
	_, err = tx.exec(`INSERT INTO notifications (id, workspace_id, enrollment_id, event_id, template_id, recipient, status,
		next_attempt_at, doc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		n.ID, n.WorkspaceID, n.EnrollmentID, n.EventID, n.Template.ID, n.Recipient, string(n.Status),
		nullMicros(n.NextAttemptAt), doc, micros(n.CreatedAt), micros(n.UpdatedAt))
	return err
}

func findNotification(ctx context.Context, q querier, wsID, id string) (*enroll.Notification, error) {
	var doc string
	err := q.QueryRowContext(ctx, `SELECT doc FROM notifications WHERE workspace_id = ? AND id = ?`, wsID, id).Scan(&doc)
	if err != nil {
		return nil, notFound(err, "Notification", id)
	}
	n, err := decode[enroll.Notification](doc)
	if err != nil {
		return nil, err
	}
	n.WorkspaceID = wsID
	return n, nil
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
	return page[enroll.Notification](ctx, db.r, "notifications", w, f.ListParams, c, fh, func() (int, error) {
		return countRows(ctx, db.r, "notifications", w)
	})
}

// dueNotification is the condition of a notification that may be claimed
// at the time given twice as arguments.
const dueNotification = `status = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)`

// claimNotifications picks the notifications a claim leases, at ?1 and
// up to ?2, shared between workspaces. Each due notification has a turn:
// the unexpired leases its workspace holds plus its rank in its
// workspace. Leasing by turn, then due order, takes the first of every
// workspace before the second of any, and, as a sender's slots free one
// at a time, gives the next to the workspace holding fewest: one
// workspace's backlog (an import notifying twenty administrators a row)
// no longer holds back every other workspace's messages until it drains.
// A workspace alone still gets every slot.
//
// It steps from one workspace with pending notifications to the next on
// notifications_workspace_due, reading each one's earliest pending
// notification (one index seek and its row, whatever the backlog): due
// and not leased, it is the workspace's first in turn; not due, the
// workspace has none due (a leased one was due when claimed); leased, the
// first not leased is looked for further. Leases are counted from
// notifications_leased, the rows of sends under way (a finish clears
// lease_until); INDEXED BY, since for its GROUP BY a planner without
// statistics walked notifications_workspace, the whole table. Only the ?2
// workspaces whose first comes first by turn can have one picked (any
// other's is preceded by ?2 firsts), so only theirs are read deeper.
var claimNotifications = `WITH RECURSIVE ws(id, seq, at, lease) AS (
		SELECT f.workspace_id, f.seq, f.next_attempt_at, f.lease_until FROM notifications f
		WHERE f.seq = (SELECT g.seq FROM notifications g WHERE g.status = 'pending'
			ORDER BY g.workspace_id, g.next_attempt_at, g.seq LIMIT 1)
		UNION ALL
		SELECT n.workspace_id, n.seq, n.next_attempt_at, n.lease_until FROM ws CROSS JOIN notifications n
		ON n.seq = (SELECT g.seq FROM notifications g WHERE g.status = 'pending' AND g.workspace_id > ws.id
			ORDER BY g.workspace_id, g.next_attempt_at, g.seq LIMIT 1)
	),
	held AS MATERIALIZED (SELECT l.workspace_id AS id, count(*) AS n FROM notifications l INDEXED BY notifications_leased WHERE l.lease_until > ?1
		GROUP BY l.workspace_id),
	heads AS MATERIALIZED (SELECT ws.id, coalesce(held.n, 0) AS held,
			CASE WHEN ws.lease IS NULL OR ws.lease <= ?1 THEN ws.seq ELSE (SELECT h.seq FROM notifications h
				WHERE h.workspace_id = ws.id AND ` + dueNotificationOf("h") + `
				ORDER BY h.next_attempt_at, h.seq LIMIT 1) END AS head
		FROM ws LEFT JOIN held ON held.id = ws.id WHERE ws.at <= ?1),
	top AS MATERIALIZED (SELECT heads.id, heads.held FROM heads JOIN notifications y ON y.seq = heads.head
		ORDER BY heads.held, y.next_attempt_at, y.seq LIMIT ?2),
	cand AS (SELECT x.seq, x.next_attempt_at,
			top.held + row_number() OVER (PARTITION BY top.id ORDER BY x.next_attempt_at, x.seq) AS turn
		FROM top CROSS JOIN notifications x ON x.seq IN (SELECT d.seq FROM notifications d
			WHERE d.workspace_id = top.id AND ` + dueNotificationOf("d") + `
			ORDER BY d.next_attempt_at, d.seq LIMIT ?2))
	SELECT seq FROM cand ORDER BY turn, next_attempt_at, seq LIMIT ?2`

// dueNotificationOf is dueNotification for the notifications aliased as
// t, at ?1.
func dueNotificationOf(t string) string {
	return t + `.status = 'pending' AND ` + t + `.next_attempt_at <= ?1 AND (` + t + `.lease_until IS NULL OR ` + t + `.lease_until <= ?1)`
}

// ClaimNotifications implements enroll.NotificationStore. It leases by
// turn between workspaces (claimNotifications), not strictly in due order
// across them. A reader picks what to lease, beside the writer, since the
// pick reads every workspace with pending notifications; the writer then
// leases those picked that are still due (with one writer and claims made
// one at a time, they nearly always all are).
func (db *DB) ClaimNotifications(ctx context.Context, lease time.Duration, limit int) ([]*enroll.Notification, error) {
	if limit <= 0 {
		return nil, nil
	}
	// Most polls find nothing due: ask the index of due ones first.
	var due bool
	now := micros(db.clock.Now())
	if err := db.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM notifications WHERE `+dueNotification+`)`, now, now).Scan(&due); err != nil {
		return nil, fmt.Errorf("sqlite: claim notifications: %w", err)
	}
	if !due {
		return nil, nil
	}
	seqs, err := pickNotifications(ctx, db.r, now, limit)
	if err != nil || len(seqs) == 0 {
		return nil, err
	}
	var out []*enroll.Notification
	err = db.write(ctx, func(tx *Tx) error {
		out = nil
		now, until := micros(tx.now), micros(tx.now.Add(lease))
		for _, seq := range seqs {
			var ws, doc string
			err := tx.QueryRowContext(ctx, `UPDATE notifications SET lease_until = ? WHERE seq = ? AND `+dueNotification+`
				RETURNING workspace_id, doc`, until, seq, now, now).Scan(&ws, &doc)
			if errors.Is(err, sql.ErrNoRows) {
				continue // leased or finished since the pick
			} else if err != nil {
				return fmt.Errorf("sqlite: claim notifications: %w", err)
			}
			n, err := decode[enroll.Notification](doc)
			if err != nil {
				return err
			}
			n.WorkspaceID, n.LeaseUntil = ws, time.UnixMicro(until).UTC()
			out = append(out, n)
		}
		return nil
	})
	return out, err
}

// pickNotifications returns the seqs of up to limit notifications to
// lease at now, in the order to lease them (claimNotifications).
func pickNotifications(ctx context.Context, q querier, now int64, limit int) ([]int64, error) {
	rows, err := q.QueryContext(ctx, claimNotifications, now, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim notifications: %w", err)
	}
	defer rows.Close()
	var seqs []int64
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			return nil, fmt.Errorf("sqlite: claim notifications: %w", err)
		}
		seqs = append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: claim notifications: %w", err)
	}
	return seqs, nil
}

// FinishNotification implements enroll.NotificationStore.
func (db *DB) FinishNotification(ctx context.Context, n *enroll.Notification, o enroll.NotificationOutcome) (*enroll.Notification, error) {
	var out *enroll.Notification
	err := db.write(ctx, func(tx *Tx) error {
		cur, err := findNotification(ctx, tx, n.WorkspaceID, n.ID)
		if err != nil {
			return err
		}
		cur.Apply(o, tx.now)
		doc, err := encode(cur)
		if err != nil {
			return err
		}
		out = cur
		res, err := tx.exec(`UPDATE notifications SET status = ?, next_attempt_at = ?, lease_until = NULL, doc = ?, updated_at = ?
			WHERE workspace_id = ? AND id = ? AND lease_until = ?`,
			string(cur.Status), nullMicros(cur.NextAttemptAt), doc, micros(tx.now), cur.WorkspaceID, cur.ID, micros(n.LeaseUntil))
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("sqlite: finish notification: %w", err)
		} else if k == 0 {
			return enroll.LeaseLost("Notification", n.ID)
		}
		return nil
	})
	return out, err
}
