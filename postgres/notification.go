package postgres

import (
	"context"
	"errors"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

var _ enroll.NotificationStore = (*DB)(nil)

// writeTemplate stores a template; a second one for the same instance,
// status and audience is ECONFLICT.
func (tx *tx) writeTemplate(t *enroll.NotificationTemplate, insert bool) error {
	doc, err := encode(t)
	if err != nil {
		return err
	}
	if holder, err := tx.templateHolder(t); err != nil {
		return err
	} else if holder != "" {
		return t.TemplateConflict(holder)
	}
	if insert {
		_, err = tx.exec(`INSERT INTO notification_templates (id, workspace_id, instance_id, status, audience, doc, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, t.ID, t.WorkspaceID, t.ProgramInstanceID, string(t.Status), string(t.Audience), doc,
			t.CreatedAt, t.UpdatedAt)
	} else {
		_, err = tx.exec(`UPDATE notification_templates SET status = $1, audience = $2, doc = $3, updated_at = $4 WHERE workspace_id = $5 AND id = $6`,
			string(t.Status), string(t.Audience), doc, t.UpdatedAt, t.WorkspaceID, t.ID)
	}
	if constraint(err) != "" {
		// A concurrent write took the place after the look-up.
		return t.TemplateConflict("")
	}
	return err
}

// templateHolder returns the id of the template other than t that holds
// t's place (its instance, status and audience), or "" when none does:
// looked up before the write, so that the conflict can name it, which a
// violated constraint cannot (and on PostgreSQL, aborts the transaction).
func (tx *tx) templateHolder(t *enroll.NotificationTemplate) (string, error) {
	var id string
	err := tx.QueryRow(tx.ctx, `SELECT id FROM notification_templates WHERE workspace_id = $1 AND instance_id = $2 AND status = $3 AND audience = $4 AND id <> $5`,
		t.WorkspaceID, t.ProgramInstanceID, string(t.Status), string(t.Audience), t.ID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// findTemplate loads a template; lock is "" or a locking clause.
func findTemplate(ctx context.Context, q querier, wsID, id, lock string) (*enroll.NotificationTemplate, error) {
	var doc []byte
	err := q.QueryRow(ctx, `SELECT doc FROM notification_templates WHERE workspace_id = $1 AND id = $2 `+lock, wsID, id).Scan(&doc)
	if err != nil {
		return nil, notFound(err, "Notification template", id)
	}
	t, err := decode[enroll.NotificationTemplate](doc)
	if err != nil {
		return nil, err
	}
	t.WorkspaceID = wsID
	return t, nil
}

// CreateNotificationTemplate implements enroll.NotificationStore.
func (db *DB) CreateNotificationTemplate(ctx context.Context, a enroll.Actor, t *enroll.NotificationTemplate) error {
	t.Prepare()
	if err := t.Validate(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *tx) error {
		if t.ProgramInstanceID != "" {
			if _, err := findInstance(ctx, tx, a.WorkspaceID, t.ProgramInstanceID, ""); err != nil {
				return err
			}
		}
		t.ID, t.WorkspaceID, t.CreatedAt, t.UpdatedAt = enroll.NewNotificationTemplateID(), a.WorkspaceID, tx.now, tx.now
		if err := tx.writeTemplate(t, true); err != nil {
			return err
		}
		tx.created(enroll.KindNotificationTemplate, t.ID)
		return nil
	})
}

// FindNotificationTemplate implements enroll.NotificationStore.
func (db *DB) FindNotificationTemplate(ctx context.Context, wsID, id string) (*enroll.NotificationTemplate, error) {
	return findTemplate(ctx, db.pool, wsID, id, "")
}

// ListNotificationTemplates implements enroll.NotificationStore.
func (db *DB) ListNotificationTemplates(ctx context.Context, wsID string, f enroll.NotificationTemplateFilter) (*enroll.Page[*enroll.NotificationTemplate], error) {
	fh := enroll.HashFilter(struct {
		I string
		D bool
		S enroll.Status
		L []string
	}{f.ProgramInstanceID, f.WorkspaceDefaults, f.Status, f.InstanceIDs})
	c, err := f.Normalize([]string{enroll.SortCreatedDesc, enroll.SortCreatedAsc, enroll.SortUpdatedAsc, enroll.SortUpdatedDesc}, fh)
	if err != nil {
		return nil, err
	}
	var w where
	w.add("workspace_id = ?", wsID)
	switch {
	case f.WorkspaceDefaults:
		w.add("instance_id = ''")
	case f.ProgramInstanceID != "":
		w.add("instance_id = ?", f.ProgramInstanceID)
	}
	if f.Status != "" {
		w.add("status = ?", string(f.Status))
	}
	in(&w, "instance_id", f.InstanceIDs)
	var out *enroll.Page[*enroll.NotificationTemplate]
	err = db.read(ctx, func(q pgx.Tx) error {
		var err error
		out, err = page[enroll.NotificationTemplate](ctx, q, "notification_templates", w, f.ListParams, c, fh, func() (int, error) {
			return countRows(ctx, q, "notification_templates", w)
		})
		return err
	})
	return out, err
}

// UpdateNotificationTemplate implements enroll.NotificationStore.
func (db *DB) UpdateNotificationTemplate(ctx context.Context, a enroll.Actor, id string, fn func(*enroll.NotificationTemplate) error) (*enroll.NotificationTemplate, error) {
	var out *enroll.NotificationTemplate
	err := db.write(ctx, func(tx *tx) error {
		old, err := findTemplate(ctx, tx, a.WorkspaceID, id, "FOR UPDATE")
		if err != nil {
			return err
		}
		tx.lockedAt(old.UpdatedAt)
		t, err := enroll.UpdateNotificationTemplate(old, fn, tx.now)
		if err != nil {
			return err
		}
		out = t
		return tx.writeTemplate(t, false)
	})
	return out, err
}

// DeleteNotificationTemplate implements enroll.NotificationStore.
func (db *DB) DeleteNotificationTemplate(ctx context.Context, a enroll.Actor, id string, check func(*enroll.NotificationTemplate) error) error {
	return db.write(ctx, func(tx *tx) error {
		if check != nil {
			t, err := findTemplate(ctx, tx, a.WorkspaceID, id, "FOR UPDATE")
			if err != nil {
				return err
			}
			if err := check(t); err != nil {
				return err
			}
		}
		tag, err := tx.exec(`DELETE FROM notification_templates WHERE workspace_id = $1 AND id = $2`, a.WorkspaceID, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return enroll.Errorf(enroll.ENOTFOUND, "Notification template %s not found.", id)
		}
		return nil
	})
}

// findSettings returns an instance's stored settings, the defaults when
// none are stored; it does not check that the instance exists.
func findSettings(ctx context.Context, q querier, wsID, instanceID string) (*enroll.NotificationSettings, error) {
	var doc []byte
	err := q.QueryRow(ctx, `SELECT doc FROM notification_settings WHERE workspace_id = $1 AND instance_id = $2`, wsID, instanceID).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return enroll.DefaultNotificationSettings(instanceID), nil
	} else if err != nil {
		return nil, wrap(err)
	}
	return decode[enroll.NotificationSettings](doc)
}

// FindNotificationSettings implements enroll.NotificationStore.
func (db *DB) FindNotificationSettings(ctx context.Context, wsID, instanceID string) (*enroll.NotificationSettings, error) {
	if _, err := findInstance(ctx, db.pool, wsID, instanceID, ""); err != nil {
		return nil, err
	}
	return findSettings(ctx, db.pool, wsID, instanceID)
}

// PutNotificationSettings implements enroll.NotificationStore. The
// instance's row, locked FOR NO KEY UPDATE (as an update of the instance
// locks it), serialises the puts of its settings, which may have no row
// of their own to lock yet: a concurrent put waits, then check sees what
// it committed. Enrollment writes, which lock the row FOR KEY SHARE at
// most, do not wait.
func (db *DB) PutNotificationSettings(ctx context.Context, a enroll.Actor, s *enroll.NotificationSettings, check func(*enroll.NotificationSettings) error) error {
	return db.write(ctx, func(tx *tx) error {
		if _, err := findInstance(ctx, tx, a.WorkspaceID, s.ProgramInstanceID, "FOR NO KEY UPDATE"); err != nil {
			return err
		}
		old, err := findSettings(ctx, tx, a.WorkspaceID, s.ProgramInstanceID)
		if err != nil {
			return err
		}
		if err := s.Replace(old, check, tx.now); err != nil {
			return err
		}
		doc, err := encode(s)
		if err != nil {
			return err
		}
		_, err = tx.exec(`INSERT INTO notification_settings (workspace_id, instance_id, doc, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (workspace_id, instance_id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at`,
			a.WorkspaceID, s.ProgramInstanceID, doc, tx.now)
		return err
	})
}
