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

// ClaimNotifications implements enroll.NotificationStore. SKIP LOCKED lets
// replicas claim side by side; the lease, set in the same statement, keeps
// a claimed notification from being claimed again until it expires.
func (db *DB) ClaimNotifications(ctx context.Context, lease time.Duration, limit int) ([]*enroll.Notification, error) {
	var out []*enroll.Notification
	err := db.write(ctx, func(tx *tx) error {
		until := tx.now.Add(lease).Truncate(time.Microsecond) // as stored: a finish matches it
		rows, err := tx.Query(ctx, `WITH due AS (
				SELECT seq FROM notifications
				WHERE status = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
				ORDER BY next_attempt_at, seq LIMIT $2
				FOR UPDATE SKIP LOCKED
			)
			UPDATE notifications n SET lease_until = $3 FROM due WHERE n.seq = due.seq
			RETURNING n.workspace_id, n.doc, n.next_attempt_at, n.seq`, tx.now, limit, until)
		if err != nil {
			return wrap(err)
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*enroll.Notification, error) {
			var (
				ws  string
				doc []byte
				at  time.Time
				seq int64
			)
			if err := r.Scan(&ws, &doc, &at, &seq); err != nil {
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
