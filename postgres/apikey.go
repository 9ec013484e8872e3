package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

func (tx *tx) insertAPIKey(k *enroll.APIKey) error {
	if err := k.Validate(); err != nil {
		return err
	}
	k.CreatedAt = tx.now
	doc, err := encode(k)
	if err != nil {
		return err
	}
	_, err = tx.exec(`INSERT INTO api_keys (id, workspace_id, hash, doc, created_at) VALUES ($1, $2, $3, $4, $5)`,
		k.ID, k.WorkspaceID, k.Hash, doc, k.CreatedAt)
	if foreignKey(err) != "" {
		return enroll.Errorf(enroll.ENOTFOUND, "Workspace %s not found.", k.WorkspaceID)
	} else if err != nil {
		return err
	}
	tx.created(enroll.KindAPIKey, k.ID)
	return nil
}

// CreateAPIKey implements enroll.Store.
func (db *DB) CreateAPIKey(ctx context.Context, a enroll.Actor, k *enroll.APIKey) error {
	k.WorkspaceID = a.WorkspaceID
	k.SetMaker(a)
	return db.write(ctx, func(tx *tx) error {
		// A key revoked while its request ran makes none: FOR SHARE waits
		// for a revocation under way and reads its outcome, and holds
		// off one that comes later until this key is committed, where
		// the cascade's next look finds it, so its key may have made no other.
		var revoked *time.Time
		err := tx.QueryRow(tx.ctx, `SELECT revoked_at FROM api_keys WHERE workspace_id = $1 AND id = $2 FOR SHARE`, k.WorkspaceID, k.MadeBy()).Scan(&revoked)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("postgres: maker key: %w", err)
		} else if revoked != nil {
			return enroll.Errorf(enroll.EUNAUTHORIZED, "Invalid API key.")
		}
		return tx.insertAPIKey(k)
	})
}

const apiKeyColumns = `workspace_id, hash, doc, last_used_at, revoked_at`

func scanAPIKey(row pgx.Row) (*enroll.APIKey, error) {
	var (
		ws, hash      string
		doc           []byte
		used, revoked *time.Time
	)
	if err := row.Scan(&ws, &hash, &doc, &used, &revoked); err != nil {
		return nil, err
	}
	k, err := decode[enroll.APIKey](doc)
	if err != nil {
		return nil, err
	}
	k.WorkspaceID, k.Hash = ws, hash
	k.LastUsedAt, k.RevokedAt = utc(used), utc(revoked)
	return k, nil
}

// FindAPIKeyByHash implements enroll.Store. Authentication has no workspace
// yet: the hash, unique across workspaces, is the key.
func (db *DB) FindAPIKeyByHash(ctx context.Context, hash string) (*enroll.APIKey, error) {
	k, err := scanAPIKey(db.pool.QueryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = $1`, hash))
	if err != nil {
		return nil, notFound(err, "API key", "")
	}
	return k, nil
}

// ListAPIKeys implements enroll.Store.
func (db *DB) ListAPIKeys(ctx context.Context, wsID string) ([]*enroll.APIKey, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC`, wsID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list keys: %w", err)
	}
	defer rows.Close()
	out := []*enroll.APIKey{}
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: list keys: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list keys: %w", err)
	}
	return out, nil
}

// RevokeAPIKey implements enroll.Store.
func (db *DB) RevokeAPIKey(ctx context.Context, a enroll.Actor, id string) error {
	return db.RevokeAPIKeys(ctx, a, []string{id})
}

// RevokeAPIKeys implements enroll.Store.
func (db *DB) RevokeAPIKeys(ctx context.Context, a enroll.Actor, ids []string) error {
	err := db.write(ctx, func(tx *tx) error {
		for _, id := range ids {
			tag, err := tx.exec(`UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE workspace_id = $2 AND id = $3`,
				tx.now, a.WorkspaceID, id)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return enroll.Errorf(enroll.ENOTFOUND, "API key %s not found.", id)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// To every replica's WatchKeyRevocations, once the revocation has
	// committed, and best effort: in the revoking transaction, a full
	// notification queue (a listener stalled for a day) would fail the
	// revocation itself; missed, it applies when the key leaves the
	// replicas' caches.
	for _, id := range ids {
		_, _ = db.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, keyRevokedChannel, id)
	}
	return nil
}

// TouchAPIKey implements enroll.Store. The condition makes it a no-op for
// an older time, so replicas touching one key out of order keep the latest.
func (db *DB) TouchAPIKey(ctx context.Context, id string, t time.Time) error {
	_, err := db.pool.Exec(ctx, `UPDATE api_keys SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)`,
		t.UTC().Truncate(time.Microsecond), id)
	if err != nil {
		return fmt.Errorf("postgres: touch key: %w", err)
	}
	return nil
}
