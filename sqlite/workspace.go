package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/enrollhq/enroll"
)

// CreateWorkspace implements enroll.Store.
func (db *DB) CreateWorkspace(ctx context.Context, ws *enroll.Workspace, key *enroll.APIKey) error {
	if err := ws.Validate(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *Tx) error {
		ws.CreatedAt = tx.now
		_, err := tx.exec(`INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?)`, ws.ID, ws.Name, micros(ws.CreatedAt))
		if constraint(err) != "" {
			return enroll.Errorf(enroll.ECONFLICT, "A workspace named %q exists.", ws.Name)
		} else if err != nil {
			return err
		}
		if key == nil {
			return nil
		}
		key.WorkspaceID = ws.ID
		return tx.insertAPIKey(key)
	})
}

// FindWorkspace implements enroll.Store.
func (db *DB) FindWorkspace(ctx context.Context, idOrName string) (*enroll.Workspace, error) {
	var (
		ws      enroll.Workspace
		created int64
	)
	err := db.r.QueryRowContext(ctx, `SELECT id, name, created_at FROM workspaces WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1`,
		idOrName, idOrName, idOrName).Scan(&ws.ID, &ws.Name, &created)
	if err != nil {
		return nil, notFound(err, "Workspace", idOrName)
	}
	ws.CreatedAt = time.UnixMicro(created).UTC()
	return &ws, nil
}

// FindWorkspaceByName implements enroll.Store.
func (db *DB) FindWorkspaceByName(ctx context.Context, name string) (*enroll.Workspace, error) {
	var (
		ws      enroll.Workspace
		created int64
	)
	err := db.r.QueryRowContext(ctx, `SELECT id, name, created_at FROM workspaces WHERE name = ?`, name).Scan(&ws.ID, &ws.Name, &created)
	if err != nil {
		return nil, notFound(err, "Workspace", name)
	}
	ws.CreatedAt = time.UnixMicro(created).UTC()
	return &ws, nil
}

// CountWorkspaces implements enroll.Store.
func (db *DB) CountWorkspaces(ctx context.Context) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM workspaces`).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count workspaces: %w", err)
	}
	return n, nil
}
