package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/enrollhq/enroll"
)

var _ enroll.IdempotencyStore = (*DB)(nil)

// created records that the transaction inserted the object id of kind k,
// so that commitClaim can name it.
func (tx *tx) created(k enroll.ObjectKind, id string) {
	if tx.objects == nil {
		tx.objects = map[enroll.ObjectKind]string{}
	}
	tx.objects[k] = id
}

// commitClaim marks claim c committed in the write transaction, just before
// it commits, with the id of the object the transaction created: the work
// and the record of its completion become durable together. The update is
// conditional on the token, and a takeover changes the token under the
// record's row lock, so on any replica either the takeover or this work
// wins, never both. It fails with ECONFLICT, rolling the work back, when the
// claim is no longer held.
func (tx *tx) commitClaim(c *enroll.IdempotencyClaim) error {
	var objectID any
	if c.Creates != "" {
		id, ok := tx.objects[c.Creates]
		if !ok {
			return fmt.Errorf("postgres: idempotency: the write created no %s", c.Creates)
		}
		objectID = id
	}
	tag, err := tx.exec(`UPDATE idempotency_keys SET state = 'committed', object_id = $1
		WHERE workspace_id = $2 AND idem_key = $3 AND token = $4 AND state = 'in_progress'`,
		objectID, c.WorkspaceID, c.Key, c.Token)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
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

// findIdempotencyRecord loads a record; lock is "" or a locking clause.
func findIdempotencyRecord(ctx context.Context, q querier, wsID, key, lock string) (*enroll.IdempotencyRecord, error) {
	var (
		r      enroll.IdempotencyRecord
		object *string
		status *int
		header []byte
		body   []byte
	)
	err := q.QueryRow(ctx, `SELECT `+idempotencyColumns+` FROM idempotency_keys WHERE workspace_id = $1 AND idem_key = $2 `+lock, wsID, key).
		Scan(&r.WorkspaceID, &r.Key, &r.RequestHash, &r.State, &r.Token, &object, &status, &header, &body, &r.CreatedAt, &r.LockedAt)
	if err != nil {
		return nil, notFound(err, "Idempotency key", key)
	}
	if object != nil {
		r.ObjectID = *object
	}
	r.CreatedAt, r.LockedAt = r.CreatedAt.UTC(), r.LockedAt.UTC()
	if r.State == enroll.IdempotencyCompleted {
		r.Response = &enroll.IdempotentResponse{Body: body}
		if status != nil {
			r.Response.Status = *status
		}
		if header != nil {
			if err := json.Unmarshal(header, &r.Response.Header); err != nil {
				return nil, fmt.Errorf("postgres: idempotency header: %w", err)
			}
		}
		if r.Response.Body == nil {
			r.Response.Body = []byte{}
		}
	}
	return &r, nil
}

// ClaimIdempotencyKey implements enroll.IdempotencyStore. Concurrent claims
// of a new key, on any replica, insert with ON CONFLICT DO NOTHING: one
// inserts, the others wait for it to commit and then read its record under
// a row lock, which also serialises takeovers of an expired lease.
func (db *DB) ClaimIdempotencyKey(ctx context.Context, wsID, key, hash string, lease time.Duration) (*enroll.IdempotencyRecord, bool, error) {
	if !enroll.ValidIdempotencyKey(key) || hash == "" || lease <= 0 {
		return nil, false, enroll.Errorf(enroll.EINVALID, "Invalid idempotency claim.")
	}
	var (
		rec     *enroll.IdempotencyRecord
		claimed bool
	)
	err := db.write(withoutClaim(ctx), func(tx *tx) error {
		rec, claimed = nil, false
		// Lazy expiry: an expired record of this key is as good as none.
		if _, err := tx.exec(`DELETE FROM idempotency_keys WHERE workspace_id = $1 AND idem_key = $2 AND created_at < $3`,
			wsID, key, tx.now.Add(-enroll.IdempotencyTTL)); err != nil {
			return err
		}
		r, inserted, err := tx.claimOrFind(wsID, key, hash)
		if err != nil {
			return err
		}
		if inserted {
			rec, claimed = r, true
			return nil
		}
		if r.State == enroll.IdempotencyInProgress && r.RequestHash == hash && r.LockedAt.Before(tx.now.Add(-lease)) {
			// The holder outlived its lease (it crashed, most likely): take
			// over. A new token fences the old holder's work out.
			old := r.Token
			r.Token, r.LockedAt = "idt_"+enroll.NewID(), tx.now
			if _, err := tx.exec(`UPDATE idempotency_keys SET token = $1, locked_at = $2 WHERE workspace_id = $3 AND idem_key = $4 AND token = $5`,
				r.Token, tx.now, wsID, key, old); err != nil {
				return err
			}
			claimed = true
		}
		rec = r
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return rec, claimed, nil
}

// claimOrFind inserts an in_progress record for key and reports true, or,
// when a record exists, returns it locked FOR UPDATE. A record that goes
// away between the conflict and the read (released, expired) is simply
// claimed again.
func (tx *tx) claimOrFind(wsID, key, hash string) (*enroll.IdempotencyRecord, bool, error) {
	for range 3 {
		r := &enroll.IdempotencyRecord{WorkspaceID: wsID, Key: key, RequestHash: hash, State: enroll.IdempotencyInProgress,
			Token: "idt_" + enroll.NewID(), CreatedAt: tx.now, LockedAt: tx.now}
		tag, err := tx.exec(`INSERT INTO idempotency_keys (workspace_id, idem_key, request_hash, state, token, created_at, locked_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (workspace_id, idem_key) DO NOTHING`,
			wsID, key, hash, string(r.State), r.Token, tx.now)
		if foreignKey(err) != "" {
			return nil, false, enroll.Errorf(enroll.ENOTFOUND, "Workspace %s not found.", wsID)
		} else if err != nil {
			return nil, false, err
		}
		if tag.RowsAffected() == 1 {
			return r, true, nil
		}
		r, err = findIdempotencyRecord(tx.ctx, tx, wsID, key, "FOR UPDATE")
		if enroll.ErrorCode(err) == enroll.ENOTFOUND {
			continue
		}
		return r, false, err
	}
	return nil, false, enroll.Errorf(enroll.ECONFLICT, "The Idempotency-Key is being claimed and released concurrently; retry.")
}

// CompleteIdempotencyKey implements enroll.IdempotencyStore.
func (db *DB) CompleteIdempotencyKey(ctx context.Context, wsID, key, token string, resp *enroll.IdempotentResponse) error {
	header, err := json.Marshal(resp.Header)
	if err != nil {
		return fmt.Errorf("postgres: idempotency header: %w", err)
	}
	body := resp.Body
	if body == nil {
		body = []byte{}
	}
	return db.write(withoutClaim(ctx), func(tx *tx) error {
		tag, err := tx.exec(`UPDATE idempotency_keys SET state = 'completed', status = $1, header = $2, body = $3
			WHERE workspace_id = $4 AND idem_key = $5 AND token = $6 AND state IN ('in_progress', 'committed')`,
			resp.Status, header, body, wsID, key, token)
		if err != nil {
			return err
		}
		if tag.RowsAffected() > 0 {
			return nil
		}
		if _, err := findIdempotencyRecord(tx.ctx, tx, wsID, key, ""); err != nil {
			return err
		}
		return enroll.Errorf(enroll.ECONFLICT, "The Idempotency-Key is held by another request or already completed.")
	})
}

// ReleaseIdempotencyKey implements enroll.IdempotencyStore.
func (db *DB) ReleaseIdempotencyKey(ctx context.Context, wsID, key, token string) error {
	return db.write(withoutClaim(ctx), func(tx *tx) error {
		_, err := tx.exec(`DELETE FROM idempotency_keys WHERE workspace_id = $1 AND idem_key = $2 AND token = $3 AND state = 'in_progress'`,
			wsID, key, token)
		return err
	})
}

// DeleteExpiredIdempotencyKeys implements enroll.IdempotencyStore. It is
// the one delete across workspaces: expiry is a property of age alone.
func (db *DB) DeleteExpiredIdempotencyKeys(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := db.write(withoutClaim(ctx), func(tx *tx) error {
		tag, err := tx.exec(`DELETE FROM idempotency_keys WHERE created_at < $1`, before)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		return nil
	})
	return int(n), err
}
