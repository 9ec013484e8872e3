package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/enrollhq/enroll"
)

var _ enroll.NotificationStore = (*DB)(nil)

func init() {
	// An Idempotency-Key on POST /v1/notificationTemplates records the template.
	objectTables[enroll.KindNotificationTemplate] = "notification_templates"
}

// writeTemplate stores a template; a second one for the same instance,
// status and audience is ECONFLICT.
func (tx *Tx) writeTemplate(t *enroll.NotificationTemplate, insert bool) error {
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
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, t.ID, t.WorkspaceID, t.ProgramInstanceID, string(t.Status), string(t.Audience), doc,
			micros(t.CreatedAt), micros(t.UpdatedAt))
	} else {
		_, err = tx.exec(`UPDATE notification_templates SET status = ?, audience = ?, doc = ?, updated_at = ? WHERE workspace_id = ? AND id = ?`,
			string(t.Status), string(t.Audience), doc, micros(t.UpdatedAt), t.WorkspaceID, t.ID)
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
func (tx *Tx) templateHolder(t *enroll.NotificationTemplate) (string, error) {
	var id string
	err := tx.QueryRowContext(tx.ctx, `SELECT id FROM notification_templates WHERE workspace_id = ? AND instance_id = ? AND status = ? AND audience = ? AND id <> ?`,
		t.WorkspaceID, t.ProgramInstanceID, string(t.Status), string(t.Audience), t.ID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

func findTemplate(ctx context.Context, q querier, wsID, id string) (*enroll.NotificationTemplate, error) {
	var doc string
	err := q.QueryRowContext(ctx, `SELECT doc FROM notification_templates WHERE workspace_id = ? AND id = ?`, wsID, id).Scan(&doc)
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
	return db.write(ctx, func(tx *Tx) error {
		if t.ProgramInstanceID != "" {
			if _, err := findInstance(ctx, tx, a.WorkspaceID, t.ProgramInstanceID); err != nil {
				return err
			}
		}
		t.ID, t.WorkspaceID, t.CreatedAt, t.UpdatedAt = enroll.NewNotificationTemplateID(), a.WorkspaceID, tx.now, tx.now
		return tx.writeTemplate(t, true)
	})
}

// FindNotificationTemplate implements enroll.NotificationStore.
func (db *DB) FindNotificationTemplate(ctx context.Context, wsID, id string) (*enroll.NotificationTemplate, error) {
	return findTemplate(ctx, db.r, wsID, id)
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
	return page[enroll.NotificationTemplate](ctx, db.r, "notification_templates", w, f.ListParams, c, fh, func() (int, error) {
		return countRows(ctx, db.r, "notification_templates", w)
	})
}

// UpdateNotificationTemplate implements enroll.NotificationStore.
// The change is tried on a read first: checking the result renders it,
// which may take a render's time limit, and the check inside the writer
// then finds the result remembered.
func (db *DB) UpdateNotificationTemplate(ctx context.Context, a enroll.Actor, id string, fn func(*enroll.NotificationTemplate) error) (*enroll.NotificationTemplate, error) {
	if old, err := findTemplate(ctx, db.r, a.WorkspaceID, id); err == nil {
		// Its answer is the writer's to give.
		_, _ = enroll.UpdateNotificationTemplate(old, fn, db.clock.Now())
	}
	var out *enroll.NotificationTemplate
	err := db.write(ctx, func(tx *Tx) error {
		old, err := findTemplate(ctx, tx, a.WorkspaceID, id)
		if err != nil {
			return err
		}
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
	return db.write(ctx, func(tx *Tx) error {
		if check != nil {
			t, err := findTemplate(ctx, tx, a.WorkspaceID, id)
			if err != nil {
				return err
			}
			if err := check(t); err != nil {
				return err
			}
		}
		res, err := tx.exec(`DELETE FROM notification_templates WHERE workspace_id = ? AND id = ?`, a.WorkspaceID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return enroll.Errorf(enroll.ENOTFOUND, "Notification template %s not found.", id)
		}
		return nil
	})
}

// findSettings returns an instance's stored settings, the defaults when
// none are stored; it does not check that the instance exists.
func findSettings(ctx context.Context, q querier, wsID, instanceID string) (*enroll.NotificationSettings, error) {
	var doc string
	err := q.QueryRowContext(ctx, `SELECT doc FROM notification_settings WHERE workspace_id = ? AND instance_id = ?`, wsID, instanceID).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return enroll.DefaultNotificationSettings(instanceID), nil
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: notification settings: %w", err)
	}
	return decode[enroll.NotificationSettings](doc)
}

// FindNotificationSettings implements enroll.NotificationStore.
func (db *DB) FindNotificationSettings(ctx context.Context, wsID, instanceID string) (*enroll.NotificationSettings, error) {
	if _, err := findInstance(ctx, db.r, wsID, instanceID); err != nil {
		return nil, err
	}
	return findSettings(ctx, db.r, wsID, instanceID)
}

// PutNotificationSettings implements enroll.NotificationStore. Writes
// are serial, so check sees the settings no other put can change before
// this one commits.
func (db *DB) PutNotificationSettings(ctx context.Context, a enroll.Actor, s *enroll.NotificationSettings, check func(*enroll.NotificationSettings) error) error {
	return db.write(ctx, func(tx *Tx) error {
		if _, err := findInstance(ctx, tx, a.WorkspaceID, s.ProgramInstanceID); err != nil {
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
		_, err = tx.exec(`INSERT INTO notification_settings (workspace_id, instance_id, doc, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (workspace_id, instance_id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at`,
			a.WorkspaceID, s.ProgramInstanceID, doc, micros(tx.now))
		return err
	})
}
