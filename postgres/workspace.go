package postgres

import (
	"context"
	"fmt"

	"github.com/enrollhq/enroll"
)

// CreateWorkspace implements enroll.Store.
func (db *DB) CreateWorkspace(ctx context.Context, ws *enroll.Workspace, key *enroll.APIKey) error {
	if err := ws.Validate(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *tx) error {
		ws.CreatedAt = tx.now
		_, err := tx.exec(`INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3)`, ws.ID, ws.Name, ws.CreatedAt)
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
	var ws enroll.Workspace
	err := db.pool.QueryRow(ctx, `SELECT id, name, created_at FROM workspaces WHERE id = $1 OR name = $1 ORDER BY id = $1 DESC LIMIT 1`,
		idOrName).Scan(&ws.ID, &ws.Name, &ws.CreatedAt)
	if err != nil {
		return nil, notFound(err, "Workspace", idOrName)
	}
	ws.CreatedAt = ws.CreatedAt.UTC()
	return &ws, nil
}

// FindWorkspaceByName implements enroll.Store.
func (db *DB) FindWorkspaceByName(ctx context.Context, name string) (*enroll.Workspace, error) {
	var ws enroll.Workspace
	err := db.pool.QueryRow(ctx, `SELECT id, name, created_at FROM workspaces WHERE name = $1`, name).Scan(&ws.ID, &ws.Name, &ws.CreatedAt)
	if err != nil {
		return nil, notFound(err, "Workspace", name)
	}
	ws.CreatedAt = ws.CreatedAt.UTC()
	return &ws, nil
}

// CountWorkspaces implements enroll.Store.
func (db *DB) CountWorkspaces(ctx context.Context) (int, error) {
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT COUNT(*) FROM workspaces`).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count workspaces: %w", err)
	}
	return n, nil
}
