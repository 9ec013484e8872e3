package postgres

import "context"

// Setting returns the value of a session setting on one of db's pooled
// connections, so tests can see what Config set.
func Setting(ctx context.Context, db *DB, name string) (string, error) {
	var v string
	err := db.pool.QueryRow(ctx, `SELECT current_setting($1)`, name).Scan(&v)
	return v, err
}

// MaxConns returns the size of db's pool.
func MaxConns(db *DB) int32 { return db.pool.Config().MaxConns }
