package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/enrollhq/enroll"
)

// errUnsubscribeNotFound answers an unknown token without echoing it.
var errUnsubscribeNotFound = enroll.Errorf(enroll.ENOTFOUND, "This unsubscribe link is not valid.")

// unsubscribed reports, inside the dispatch transaction, whether email
// unsubscribed from wsID's non-essential notifications.
func (tx *Tx) unsubscribed(wsID, email string) (bool, error) {
	var at sql.NullInt64
	err := tx.QueryRowContext(tx.ctx, `SELECT unsubscribed_at FROM unsubscribes WHERE workspace_id = ? AND email = ?`,
		wsID, enroll.UnsubscribeKey(email)).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("sqlite: unsubscribes: %w", err)
	}
	return at.Valid, nil
}

// unsubscribeToken returns email's token in wsID, making it on first use.
func (tx *Tx) unsubscribeToken(wsID, email string) (string, error) {
	key := enroll.UnsubscribeKey(email)
	if _, err := tx.exec(`INSERT INTO unsubscribes (workspace_id, email, token, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (workspace_id, email) DO NOTHING`, wsID, key, enroll.NewUnsubscribeToken(), micros(tx.now)); err != nil {
		return "", err
	}
	var tok string
	if err := tx.QueryRowContext(tx.ctx, `SELECT token FROM unsubscribes WHERE workspace_id = ? AND email = ?`, wsID, key).Scan(&tok); err != nil {
		return "", fmt.Errorf("sqlite: unsubscribes: %w", err)
	}
	return tok, nil
}

// findUnsubscription returns the token's row. Returns ENOTFOUND.
func findUnsubscription(ctx context.Context, q querier, token string) (*enroll.Unsubscription, error) {
	if !enroll.ValidUnsubscribeToken(token) {
		return nil, errUnsubscribeNotFound
	}
	u := &enroll.Unsubscription{Token: token}
	var at sql.NullInt64
	var created int64
	err := q.QueryRowContext(ctx, `SELECT workspace_id, email, unsubscribed_at, created_at FROM unsubscribes WHERE token = ?`, token).
		Scan(&u.WorkspaceID, &u.Email, &at, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errUnsubscribeNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: unsubscribes: %w", err)
	}
	u.CreatedAt = time.UnixMicro(created).UTC()
	if at.Valid {
		t := time.UnixMicro(at.Int64).UTC()
		u.UnsubscribedAt = &t
	}
	return u, nil
}

// FindUnsubscription implements enroll.NotificationStore.
func (db *DB) FindUnsubscription(ctx context.Context, token string) (*enroll.Unsubscription, error) {
	return findUnsubscription(ctx, db.r, token)
}

// Unsubscribe implements enroll.NotificationStore.
func (db *DB) Unsubscribe(ctx context.Context, token string) (*enroll.Unsubscription, error) {
	if !enroll.ValidUnsubscribeToken(token) {
		return nil, errUnsubscribeNotFound
	}
	var out *enroll.Unsubscription
	err := db.write(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`UPDATE unsubscribes SET unsubscribed_at = ? WHERE token = ? AND unsubscribed_at IS NULL`,
			micros(tx.now), token); err != nil {
			return err
		}
		u, err := findUnsubscription(ctx, tx, token)
		out = u
		return err
	})
	return out, err
}

// LatestNotificationTemplate implements enroll.NotificationStore: one
// lookup on the notifications_enrollment index, reading only the template.
func (db *DB) LatestNotificationTemplate(ctx context.Context, wsID, enrollmentID string) (*enroll.NotificationRef, error) {
	var ref enroll.NotificationRef
	err := db.r.QueryRowContext(ctx, `SELECT json_extract(doc, '$.template.id'), json_extract(doc, '$.template.name')
		FROM notifications WHERE workspace_id = ? AND enrollment_id = ? ORDER BY seq DESC LIMIT 1`, wsID, enrollmentID).
		Scan(&ref.ID, &ref.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: latest notification: %w", err)
	}
	return &ref, nil
}
