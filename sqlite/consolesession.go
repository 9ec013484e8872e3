package sqlite

import (
	"context"
	"time"

	"github.com/enrollhq/enroll"
)

var _ enroll.ConsoleSessionStore = (*DB)(nil)

// CreateConsoleSession implements enroll.ConsoleSessionStore.
func (db *DB) CreateConsoleSession(ctx context.Context, s *enroll.ConsoleSession) error {
	return db.write(ctx, func(tx *Tx) error {
		_, err := tx.exec(`INSERT INTO console_sessions
			(id, workspace_id, key_id, key_hash, workspace_name, csrf, flash, secret, created_at, last_seen_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			s.ID, s.WorkspaceID, s.KeyID, s.KeyHash, s.WorkspaceName, s.CSRF, s.Flash, s.Secret,
			micros(s.CreatedAt), micros(s.LastSeenAt))
		if constraint(err) != "" {
			return enroll.Errorf(enroll.ECONFLICT, "A console session with this id exists.")
		}
		return err
	})
}

// FindConsoleSession implements enroll.ConsoleSessionStore.
func (db *DB) FindConsoleSession(ctx context.Context, id string) (*enroll.ConsoleSession, error) {
	s := &enroll.ConsoleSession{ID: id}
	var created, seen int64
	err := db.r.QueryRowContext(ctx, `SELECT workspace_id, key_id, key_hash, workspace_name, csrf, flash, secret, created_at, last_seen_at
		FROM console_sessions WHERE id = ?`, id).
		Scan(&s.WorkspaceID, &s.KeyID, &s.KeyHash, &s.WorkspaceName, &s.CSRF, &s.Flash, &s.Secret, &created, &seen)
	if err != nil {
		return nil, notFound(err, "Console session", id)
	}
	s.CreatedAt, s.LastSeenAt = time.UnixMicro(created).UTC(), time.UnixMicro(seen).UTC()
	return s, nil
}

// TouchConsoleSession implements enroll.ConsoleSessionStore.
func (db *DB) TouchConsoleSession(ctx context.Context, id string, at time.Time) error {
	return db.write(ctx, func(tx *Tx) error {
		res, err := tx.exec(`UPDATE console_sessions SET last_seen_at = ? WHERE id = ?`, micros(at), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return enroll.Errorf(enroll.ENOTFOUND, "Console session %s not found.", id)
		}
		return nil
	})
}

// SetConsoleFlash implements enroll.ConsoleSessionStore.
func (db *DB) SetConsoleFlash(ctx context.Context, id, flash string) error {
	return db.write(ctx, func(tx *Tx) error {
		res, err := tx.exec(`UPDATE console_sessions SET flash = ? WHERE id = ?`, flash, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return enroll.Errorf(enroll.ENOTFOUND, "Console session %s not found.", id)
		}
		return nil
	})
}

// TakeConsoleFlash implements enroll.ConsoleSessionStore. UPDATE ...
// RETURNING would return the cleared value; the read and the clear are
// instead one write transaction, which no other write interleaves with.
func (db *DB) TakeConsoleFlash(ctx context.Context, id string) (string, error) {
	var flash string
	err := db.write(ctx, func(tx *Tx) error {
		var f string
		err := tx.QueryRowContext(tx.ctx, `SELECT flash FROM console_sessions WHERE id = ?`, id).Scan(&f)
		if err != nil {
			return notFound(err, "Console session", id)
		}
		if f != "" {
			if _, err := tx.exec(`UPDATE console_sessions SET flash = '' WHERE id = ?`, id); err != nil {
				return err
			}
		}
		flash = f
		return nil
	})
	if err != nil {
		return "", err
	}
	return flash, nil
}

// SwapConsoleSecret implements enroll.ConsoleSessionStore. The compare
// and the write are one UPDATE in a write transaction, which no other
// write interleaves with.
func (db *DB) SwapConsoleSecret(ctx context.Context, id, from, to string) (bool, error) {
	var swapped bool
	err := db.write(ctx, func(tx *Tx) error {
		res, err := tx.exec(`UPDATE console_sessions SET secret = ? WHERE id = ? AND secret = ?`, to, id, from)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			swapped = true
			return nil
		}
		var one int
		err = tx.QueryRowContext(tx.ctx, `SELECT 1 FROM console_sessions WHERE id = ?`, id).Scan(&one)
		return notFound(err, "Console session", id)
	})
	if err != nil {
		return false, err
	}
	return swapped, nil
}

// DropConsoleSecrets implements enroll.ConsoleSessionStore.
func (db *DB) DropConsoleSecrets(ctx context.Context, keep []string) (int, error) {
	cond, args := `secret <> ''`, []any{}
	for _, k := range keep {
		cond += ` AND substr(secret, 1, length(?)) <> ?`
		args = append(args, k, k)
	}
	var n int64
	err := db.write(ctx, func(tx *Tx) error {
		return tx.zeroingFreedPages(func() error {
			res, err := tx.exec(`UPDATE console_sessions SET secret = '' WHERE `+cond, args...)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
	})
	return int(n), err
}

// DeleteConsoleSession implements enroll.ConsoleSessionStore.
func (db *DB) DeleteConsoleSession(ctx context.Context, id string) error {
	return db.write(ctx, func(tx *Tx) error {
		_, err := tx.exec(`DELETE FROM console_sessions WHERE id = ?`, id)
		return err
	})
}

// DeleteExpiredConsoleSessions implements enroll.ConsoleSessionStore.
func (db *DB) DeleteExpiredConsoleSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int, error) {
	var n int64
	err := db.write(ctx, func(tx *Tx) error {
		res, err := tx.exec(`DELETE FROM console_sessions WHERE last_seen_at < ? OR created_at < ?`,
			micros(idleBefore), micros(createdBefore))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, err
	}
	return int(n), nil
}
