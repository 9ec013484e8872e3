package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/enrollhq/enroll"
)

var _ enroll.IdempotencyStore = (*DB)(nil)

// objectTables maps the kinds of object a keyed request creates to their
// tables, for commitClaim.
var objectTables = map[enroll.ObjectKind]string{
	enroll.KindProgram:    "programs",
	enroll.KindInstance:   "program_instances",
	enroll.KindCustomer:   "customers",
	enroll.KindLead:       "leads",
	enroll.KindEnrollment: "enrollments",
	enroll.KindAPIKey:     "api_keys",
}

// commitClaim marks claim c committed in the write transaction tx, just
// before it commits, with the id of the object the transaction created: the
// work and the record of its completion become durable together. It fails
// with ECONFLICT, rolling the work back, when the claim is no longer held.
func (tx *Tx) commitClaim(c *enroll.IdempotencyClaim) error {
	var objectID any
	if c.Creates != "" {
		table, ok := objectTables[c.Creates]
		if !ok {
			return fmt.Errorf("sqlite: idempotency: unknown object kind %q", c.Creates)
		}
		// SQLite has one writer, and a new row's rowid is one more than the
		// largest: the newest row of the table is the one this transaction
		// inserted, if it inserted one, and then carries the transaction's
		// time. This finds it without every create path reporting its id.
		var id string
		err := tx.QueryRowContext(tx.ctx, `SELECT id FROM `+table+` WHERE rowid = (SELECT max(rowid) FROM `+table+`)
			AND workspace_id = ? AND created_at = ?`, c.WorkspaceID, micros(tx.now)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sqlite: idempotency: the write created no %s", c.Creates)
		} else if err != nil {
			return fmt.Errorf("sqlite: idempotency: %w", err)
		}
		objectID = id
	}
	res, err := tx.exec(`UPDATE idempotency_keys SET state = 'committed', object_id = ?
		WHERE workspace_id = ? AND idem_key = ? AND token = ? AND state = 'in_progress'`,
		objectID, c.WorkspaceID, c.Key, c.Token)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return enroll.Errorf(enroll.ECONFLICT, "Another request with this Idempotency-Key took over; this one changed nothing.")
	}
	return nil
}

// withoutClaim hides the claim ctx may carry, for the transactions that
// manage claims themselves.
func withoutClaim(ctx context.Context) context.Context {
	return enroll.NewContextWithIdempotencyClaim(ctx, nil)
}

const idempotencyColumns = `workspace_id, idem_key, request_hash, state, token, object_id, status, header, body, created_at, locked_at`

func findIdempotencyRecord(ctx context.Context, q querier, wsID, key string) (*enroll.IdempotencyRecord, error) {
	var (
		r                enroll.IdempotencyRecord
		object, header   sql.NullString
		status           sql.NullInt64
		body             []byte
		created, claimed int64
	)
	err := q.QueryRowContext(ctx, `SELECT `+idempotencyColumns+` FROM idempotency_keys WHERE workspace_id = ? AND idem_key = ?`, wsID, key).
		Scan(&r.WorkspaceID, &r.Key, &r.RequestHash, &r.State, &r.Token, &object, &status, &header, &body, &created, &claimed)
	if err != nil {
		return nil, notFound(err, "Idempotency key", key)
	}
	r.ObjectID = object.String
	r.CreatedAt, r.LockedAt = time.UnixMicro(created).UTC(), time.UnixMicro(claimed).UTC()
	if r.State == enroll.IdempotencyCompleted {
		r.Response = &enroll.IdempotentResponse{Status: int(status.Int64), Body: body}
		if header.Valid {
			if err := json.Unmarshal([]byte(header.String), &r.Response.Header); err != nil {
				return nil, fmt.Errorf("sqlite: idempotency header: %w", err)
			}
		}
		if r.Response.Body == nil {
			r.Response.Body = []byte{}
		}
	}
	return &r, nil
}

// ClaimIdempotencyKey implements enroll.IdempotencyStore.
func (db *DB) ClaimIdempotencyKey(ctx context.Context, wsID, key, hash string, lease time.Duration) (*enroll.IdempotencyRecord, bool, error) {
	if !enroll.ValidIdempotencyKey(key) || hash == "" || lease <= 0 {
		return nil, false, enroll.Errorf(enroll.EINVALID, "Invalid idempotency claim.")
	}
	// Replays and waits for a running request only read: answer them from
	// the read pool without taking the writer.
	now := db.clock.Now()
	if r, err := findIdempotencyRecord(ctx, db.r, wsID, key); err == nil && !r.CreatedAt.Before(now.Add(-enroll.IdempotencyTTL)) &&
		(r.State != enroll.IdempotencyInProgress || r.RequestHash != hash || !r.LockedAt.Before(now.Add(-lease))) {
		return r, false, nil
	}
	var (
		rec     *enroll.IdempotencyRecord
		claimed bool
	)
	err := db.write(withoutClaim(ctx), func(tx *Tx) error {
		// Lazy expiry: an expired record of this key is as good as none.
		if _, err := tx.exec(`DELETE FROM idempotency_keys WHERE workspace_id = ? AND idem_key = ? AND created_at < ?`,
			wsID, key, micros(tx.now.Add(-enroll.IdempotencyTTL))); err != nil {
			return err
		}
		r, err := findIdempotencyRecord(tx.ctx, tx, wsID, key)
		switch {
		case enroll.ErrorCode(err) == enroll.ENOTFOUND:
			r = &enroll.IdempotencyRecord{WorkspaceID: wsID, Key: key, RequestHash: hash, State: enroll.IdempotencyInProgress,
				Token: "idt_" + enroll.NewID(), CreatedAt: tx.now, LockedAt: tx.now}
			_, err := tx.exec(`INSERT INTO idempotency_keys (workspace_id, idem_key, request_hash, state, token, created_at, locked_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, wsID, key, hash, string(r.State), r.Token, micros(tx.now), micros(tx.now))
			if isForeignKey(err) {
				return enroll.Errorf(enroll.ENOTFOUND, "Workspace %s not found.", wsID)
			} else if err != nil {
				return err
			}
			rec, claimed = r, true
		case err != nil:
			return err
		case r.State == enroll.IdempotencyInProgress && r.RequestHash == hash && r.LockedAt.Before(tx.now.Add(-lease)):
			// The holder outlived its lease (it crashed, most likely): take
			// over. A new token fences the old holder's work out.
			old := r.Token
			r.Token, r.LockedAt = "idt_"+enroll.NewID(), tx.now
			if _, err := tx.exec(`UPDATE idempotency_keys SET token = ?, locked_at = ? WHERE workspace_id = ? AND idem_key = ? AND token = ?`,
				r.Token, micros(tx.now), wsID, key, old); err != nil {
				return err
			}
			rec, claimed = r, true
		default:
			rec = r
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return rec, claimed, nil
}

// CompleteIdempotencyKey implements enroll.IdempotencyStore.
func (db *DB) CompleteIdempotencyKey(ctx context.Context, wsID, key, token string, resp *enroll.IdempotentResponse) error {
	header, err := json.Marshal(resp.Header)
	if err != nil {
		return fmt.Errorf("sqlite: idempotency header: %w", err)
	}
	body := resp.Body
	if body == nil {
		body = []byte{}
	}
	return db.write(withoutClaim(ctx), func(tx *Tx) error {
		res, err := tx.exec(`UPDATE idempotency_keys SET state = 'completed', status = ?, header = ?, body = ?
			WHERE workspace_id = ? AND idem_key = ? AND token = ? AND state IN ('in_progress', 'committed')`,
			resp.Status, string(header), body, wsID, key, token)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		if _, err := findIdempotencyRecord(tx.ctx, tx, wsID, key); err != nil {
			return err
		}
		return enroll.Errorf(enroll.ECONFLICT, "The Idempotency-Key is held by another request or already completed.")
	})
}

// ReleaseIdempotencyKey implements enroll.IdempotencyStore.
func (db *DB) ReleaseIdempotencyKey(ctx context.Context, wsID, key, token string) error {
	return db.write(withoutClaim(ctx), func(tx *Tx) error {
		_, err := tx.exec(`DELETE FROM idempotency_keys WHERE workspace_id = ? AND idem_key = ? AND token = ? AND state = 'in_progress'`,
			wsID, key, token)
		return err
	})
}

// DeleteExpiredIdempotencyKeys implements enroll.IdempotencyStore.
func (db *DB) DeleteExpiredIdempotencyKeys(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := db.write(withoutClaim(ctx), func(tx *Tx) error {
		res, err := tx.exec(`DELETE FROM idempotency_keys WHERE created_at < ?`, micros(before))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}
