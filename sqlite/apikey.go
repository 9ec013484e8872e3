package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/enrollhq/enroll"
)

func (tx *Tx) insertAPIKey(k *enroll.APIKey) error {
	if err := k.Validate(); err != nil {
		return err
	}
	k.CreatedAt = tx.now
	doc, err := encode(k)
	if err != nil {
		return err
	}
	_, err = tx.exec(`INSERT INTO api_keys (id, workspace_id, hash, doc, created_at) VALUES (?, ?, ?, ?, ?)`,
		k.ID, k.WorkspaceID, k.Hash, doc, micros(k.CreatedAt))
	if isForeignKey(err) {
		return enroll.Errorf(enroll.ENOTFOUND, "Workspace %s not found.", k.WorkspaceID)
	}
	return err
}

// CreateAPIKey implements enroll.Store.
func (db *DB) CreateAPIKey(ctx context.Context, a enroll.Actor, k *enroll.APIKey) error {
	k.WorkspaceID = a.WorkspaceID
	k.SetMaker(a)
	return db.write(ctx, func(tx *Tx) error {
		// A key revoked while its request waited for the writer makes
		// none: a cascade revocation finds every key its key made once
		// it has committed, so its key may have made no other.
		var revoked sql.NullInt64
		err := tx.QueryRowContext(tx.ctx, `SELECT revoked_at FROM api_keys WHERE workspace_id = ? AND id = ?`, k.WorkspaceID, k.MadeBy()).Scan(&revoked)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sqlite: maker key: %w", err)
		} else if revoked.Valid {
			return enroll.Errorf(enroll.EUNAUTHORIZED, "Invalid API key.")
		}
		return tx.insertAPIKey(k)
	})
}

const apiKeyColumns = `workspace_id, hash, doc, last_used_at, revoked_at`

func scanAPIKey(row interface{ Scan(...any) error }) (*enroll.APIKey, error) {
	var (
		ws, hash, doc string
		used, revoked sql.NullInt64
	)
	if err := row.Scan(&ws, &hash, &doc, &used, &revoked); err != nil {
		return nil, err
	}
	k, err := decode[enroll.APIKey](doc)
	if err != nil {
		return nil, err
	}
	k.WorkspaceID, k.Hash = ws, hash
	k.LastUsedAt, k.RevokedAt = timePtr(used), timePtr(revoked)
	return k, nil
}

func timePtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.UnixMicro(v.Int64).UTC()
	return &t
}

// FindAPIKeyByHash implements enroll.Store.
func (db *DB) FindAPIKeyByHash(ctx context.Context, hash string) (*enroll.APIKey, error) {
	k, err := scanAPIKey(db.r.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = ?`, hash))
	if err != nil {
		return nil, notFound(err, "API key", "")
	}
	return k, nil
}

// ListAPIKeys implements enroll.Store.
func (db *DB) ListAPIKeys(ctx context.Context, wsID string) ([]*enroll.APIKey, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE workspace_id = ? ORDER BY created_at DESC, id DESC`, wsID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list keys: %w", err)
	}
	defer rows.Close()
	out := []*enroll.APIKey{}
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeAPIKey implements enroll.Store.
func (db *DB) RevokeAPIKey(ctx context.Context, a enroll.Actor, id string) error {
	return db.RevokeAPIKeys(ctx, a, []string{id})
}

// RevokeAPIKeys implements enroll.Store.
func (db *DB) RevokeAPIKeys(ctx context.Context, a enroll.Actor, ids []string) error {
	return db.write(ctx, func(tx *Tx) error {
		for _, id := range ids {
			res, err := tx.exec(`UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE workspace_id = ? AND id = ?`,
				micros(tx.now), a.WorkspaceID, id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return enroll.Errorf(enroll.ENOTFOUND, "API key %s not found.", id)
			}
		}
		return nil
	})
}

// TouchAPIKey implements enroll.Store.
// It joins a commit group like any write, rather than taking the writer
// connection for a commit (and fsync) of its own between two groups.
func (db *DB) TouchAPIKey(ctx context.Context, id string, t time.Time) error {
	err := db.write(ctx, func(tx *Tx) error {
		_, err := tx.exec(`UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
			micros(t), id, micros(t))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: touch key: %w", err)
	}
	return nil
}
