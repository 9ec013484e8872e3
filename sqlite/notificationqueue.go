package sqlite

import (
	"context"
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

// ClaimNotifications implements enroll.NotificationStore.
func (db *DB) ClaimNotifications(ctx context.Context, lease time.Duration, limit int) ([]*enroll.Notification, error) {
	// Most polls find nothing due: ask a reader before taking the writer.
	var due bool
	now := micros(db.clock.Now())
	if err := db.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM notifications WHERE `+dueNotification+`)`, now, now).Scan(&due); err != nil {
		return nil, fmt.Errorf("sqlite: claim notifications: %w", err)
	}
	if !due {
		return nil, nil
	}
	var out []*enroll.Notification
	err := db.write(ctx, func(tx *Tx) error {
		out = nil
		now := micros(tx.now)
		rows, err := tx.QueryContext(ctx, `SELECT workspace_id, doc FROM notifications WHERE `+dueNotification+`
			ORDER BY next_attempt_at, seq LIMIT ?`, now, now, limit)
		if err != nil {
			return fmt.Errorf("sqlite: claim notifications: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var ws, doc string
			if err := rows.Scan(&ws, &doc); err != nil {
				return fmt.Errorf("sqlite: claim notifications: %w", err)
			}
			n, err := decode[enroll.Notification](doc)
			if err != nil {
				return err
			}
			n.WorkspaceID = ws
			out = append(out, n)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("sqlite: claim notifications: %w", err)
		}
		rows.Close()
		until := micros(tx.now.Add(lease))
		for _, n := range out {
			if _, err := tx.exec(`UPDATE notifications SET lease_until = ? WHERE id = ?`, until, n.ID); err != nil {
				return err
			}
			n.LeaseUntil = time.UnixMicro(until).UTC()
		}
		return nil
	})
	return out, err
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
