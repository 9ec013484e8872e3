package postgres

import (
	"context"
	"time"

	"github.com/enrollhq/enroll"
)

var _ enroll.ConsoleSessionStore = (*DB)(nil)

// Each method is one statement, run on the pool as TouchAPIKey is: a
// statement commits on its own, and a session is read and touched on
// every console request, where a transaction's BEGIN and COMMIT would
// cost two more round trips.

// pgTime returns t as PostgreSQL keeps it: in UTC, to the microsecond.
func pgTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// CreateConsoleSession implements enroll.ConsoleSessionStore.
func (db *DB) CreateConsoleSession(ctx context.Context, s *enroll.ConsoleSession) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO console_sessions
		(id, workspace_id, key_id, key_hash, workspace_name, csrf, flash, secret, created_at, last_seen_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		s.ID, s.WorkspaceID, s.KeyID, s.KeyHash, s.WorkspaceName, s.CSRF, s.Flash, s.Secret,
		pgTime(s.CreatedAt), pgTime(s.LastSeenAt))
	if constraint(err) != "" {
		return enroll.Errorf(enroll.ECONFLICT, "A console session with this id exists.")
	}
	return wrap(err)
}

// FindConsoleSession implements enroll.ConsoleSessionStore.
func (db *DB) FindConsoleSession(ctx context.Context, id string) (*enroll.ConsoleSession, error) {
	s := &enroll.ConsoleSession{ID: id}
	err := db.pool.QueryRow(ctx, `SELECT workspace_id, key_id, key_hash, workspace_name, csrf, flash, secret, created_at, last_seen_at
		FROM console_sessions WHERE id = $1`, id).
		Scan(&s.WorkspaceID, &s.KeyID, &s.KeyHash, &s.WorkspaceName, &s.CSRF, &s.Flash, &s.Secret, &s.CreatedAt, &s.LastSeenAt)
	if err != nil {
		return nil, notFound(err, "Console session", id)
	}
	s.CreatedAt, s.LastSeenAt = s.CreatedAt.UTC(), s.LastSeenAt.UTC()
	return s, nil
}

// TouchConsoleSession implements enroll.ConsoleSessionStore.
func (db *DB) TouchConsoleSession(ctx context.Context, id string, at time.Time) error {
	tag, err := db.pool.Exec(ctx, `UPDATE console_sessions SET last_seen_at = $1 WHERE id = $2`, pgTime(at), id)
	if err != nil {
		return wrap(err)
	}
	if tag.RowsAffected() == 0 {
		return enroll.Errorf(enroll.ENOTFOUND, "Console session %s not found.", id)
	}
	return nil
}

// SetConsoleFlash implements enroll.ConsoleSessionStore.
func (db *DB) SetConsoleFlash(ctx context.Context, id, flash string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE console_sessions SET flash = $1 WHERE id = $2`, flash, id)
	if err != nil {
		return wrap(err)
	}
	if tag.RowsAffected() == 0 {
		return enroll.Errorf(enroll.ENOTFOUND, "Console session %s not found.", id)
	}
	return nil
}

// TakeConsoleFlash implements enroll.ConsoleSessionStore. RETURNING
// gives the row as updated, so the old message comes from a subquery
// that locks the row first (FOR UPDATE): a concurrent take waits for the
// lock, then reads the row as this one left it, with no message.
func (db *DB) TakeConsoleFlash(ctx context.Context, id string) (string, error) {
	var flash string
	err := db.pool.QueryRow(ctx, `UPDATE console_sessions s SET flash = ''
		FROM (SELECT id, flash FROM console_sessions WHERE id = $1 FOR UPDATE) old
		WHERE s.id = old.id
		RETURNING old.flash`, id).Scan(&flash)
	if err != nil {
		return "", notFound(err, "Console session", id)
	}
	return flash, nil
}

// SwapConsoleSecret implements enroll.ConsoleSessionStore. The UPDATE's
// condition is checked again on the row as it is once locked, so of two
// concurrent swaps from the same value only one is made.
func (db *DB) SwapConsoleSecret(ctx context.Context, id, from, to string) (bool, error) {
	var swapped, exists bool
	err := db.pool.QueryRow(ctx, `WITH swapped AS (
			UPDATE console_sessions SET secret = $3 WHERE id = $1 AND secret = $2 RETURNING id)
		SELECT EXISTS (SELECT 1 FROM swapped), EXISTS (SELECT 1 FROM console_sessions WHERE id = $1)`, id, from, to).
		Scan(&swapped, &exists)
	switch {
	case err != nil:
		return false, wrap(err)
	case !swapped && !exists:
		return false, enroll.Errorf(enroll.ENOTFOUND, "Console session %s not found.", id)
	}
	return swapped, nil
}

// DropConsoleSecrets implements enroll.ConsoleSessionStore.
func (db *DB) DropConsoleSecrets(ctx context.Context, keep []string) (int, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE console_sessions SET secret = ''
		WHERE secret <> '' AND NOT EXISTS (SELECT 1 FROM unnest($1::text[]) k WHERE starts_with(secret, k))`, keep)
	if err != nil {
		return 0, wrap(err)
	}
	return int(tag.RowsAffected()), nil
}

// DeleteConsoleSession implements enroll.ConsoleSessionStore.
func (db *DB) DeleteConsoleSession(ctx context.Context, id string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM console_sessions WHERE id = $1`, id)
	return wrap(err)
}

// DeleteExpiredConsoleSessions implements enroll.ConsoleSessionStore.
func (db *DB) DeleteExpiredConsoleSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM console_sessions WHERE last_seen_at < $1 OR created_at < $2`,
		pgTime(idleBefore), pgTime(createdBefore))
	if err != nil {
		return 0, wrap(err)
	}
	return int(tag.RowsAffected()), nil
}
