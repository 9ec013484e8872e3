package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/enrollhq/enroll"
)

// errUnsubscribeNotFound answers an unknown token without echoing it.
var errUnsubscribeNotFound = enroll.Errorf(enroll.ENOTFOUND, "This unsubscribe link is not valid.")

// unsubscribed reports, inside the dispatch transaction, whether email
// unsubscribed from wsID's non-essential notifications.
func (tx *tx) unsubscribed(wsID, email string) (bool, error) {
	var at *time.Time
	err := tx.QueryRow(tx.ctx, `SELECT unsubscribed_at FROM unsubscribes WHERE workspace_id = $1 AND email = $2`,
		wsID, enroll.UnsubscribeKey(email)).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, wrap(err)
	}
	return at != nil, nil
}

// unsubscribeToken returns email's token in wsID, making it on first use.
// Dispatch runs one transaction at a time (the advisory lock), so the
// insert never waits on another's.
func (tx *tx) unsubscribeToken(wsID, email string) (string, error) {
	key := enroll.UnsubscribeKey(email)
	if _, err := tx.exec(`INSERT INTO unsubscribes (workspace_id, email, token, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (workspace_id, email) DO NOTHING`, wsID, key, enroll.NewUnsubscribeToken(), tx.now); err != nil {
		return "", err
	}
	var tok string
	if err := tx.QueryRow(tx.ctx, `SELECT token FROM unsubscribes WHERE workspace_id = $1 AND email = $2`, wsID, key).Scan(&tok); err != nil {
		return "", wrap(err)
	}
	return tok, nil
}

// findUnsubscription returns the token's row. Returns ENOTFOUND.
func findUnsubscription(ctx context.Context, q querier, token string) (*enroll.Unsubscription, error) {
	if !enroll.ValidUnsubscribeToken(token) {
		return nil, errUnsubscribeNotFound
	}
	u := &enroll.Unsubscription{Token: token}
	err := q.QueryRow(ctx, `SELECT workspace_id, email, unsubscribed_at, created_at FROM unsubscribes WHERE token = $1`, token).
		Scan(&u.WorkspaceID, &u.Email, &u.UnsubscribedAt, &u.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errUnsubscribeNotFound
	} else if err != nil {
		return nil, wrap(err)
	}
	u.CreatedAt, u.UnsubscribedAt = u.CreatedAt.UTC(), utc(u.UnsubscribedAt)
	return u, nil
}

// FindUnsubscription implements enroll.NotificationStore.
func (db *DB) FindUnsubscription(ctx context.Context, token string) (*enroll.Unsubscription, error) {
	return findUnsubscription(ctx, db.pool, token)
}

// Unsubscribe implements enroll.NotificationStore.
func (db *DB) Unsubscribe(ctx context.Context, token string) (*enroll.Unsubscription, error) {
	if !enroll.ValidUnsubscribeToken(token) {
		return nil, errUnsubscribeNotFound
	}
	var out *enroll.Unsubscription
	err := db.write(ctx, func(tx *tx) error {
		if _, err := tx.exec(`UPDATE unsubscribes SET unsubscribed_at = $1 WHERE token = $2 AND unsubscribed_at IS NULL`,
			tx.now, token); err != nil {
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
	err := db.pool.QueryRow(ctx, `SELECT doc->'template'->>'id', doc->'template'->>'name'
		FROM notifications WHERE workspace_id = $1 AND enrollment_id = $2 ORDER BY seq DESC LIMIT 1`, wsID, enrollmentID).
		Scan(&ref.ID, &ref.Name)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, wrap(err)
	}
	return &ref, nil
}
