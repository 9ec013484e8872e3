package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

// sealChunk is how many endpoints one transaction of SealWebhookSecrets
// seals, so that the pass never holds many rows' locks for long.
const sealChunk = 100

// SealWebhookSecrets implements enroll.WebhookStore: one query finds a
// sealed value that none of the sealer's keys sealed; then, with a
// sealer, endpoints with a secret not sealed under its sealing key are
// sealed again, sealChunk at a time, each chunk a transaction that locks
// its rows. A first pass locks them FOR UPDATE SKIP LOCKED, so that
// replicas starting at once seal different endpoints; a second pass
// locks those still to seal FOR UPDATE, waiting for them: a row another
// transaction held as the first pass met it (a redelivery holds it FOR
// SHARE, an update FOR UPDATE) would otherwise stay plain until the next
// start. A row another transaction changed meanwhile (an update, which
// seals as it writes) is read again as it committed.
func (db *DB) SealWebhookSecrets(ctx context.Context, lost []string) (int, error) {
	if err := db.checkSealedSecrets(ctx, lost); err != nil {
		return 0, err
	}
	if db.sealer == nil {
		return 0, nil
	}
	var total int
	for _, lock := range []string{"FOR UPDATE OF e SKIP LOCKED", "FOR UPDATE OF e"} {
		n, err := db.sealPass(ctx, lock)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// sealPass seals again, sealChunk at a time in the order of their keys,
// the endpoints holding a secret not sealed under the sealing key, their
// rows locked with lock, and returns how many it sealed.
func (db *DB) sealPass(ctx context.Context, lock string) (int, error) {
	current := db.sealer.KeyPrefixes()[0]
	var total int
	lastWS, lastID := "", ""
	for {
		// The transaction may run again (a retry): where it ends moves
		// on only once it committed.
		var n, read int
		var endWS, endID string
		err := db.write(ctx, func(tx *tx) error {
			n, read = 0, 0
			rows, err := tx.Query(tx.ctx, `SELECT e.workspace_id, e.id, e.secrets FROM webhook_endpoints e
				WHERE (e.workspace_id, e.id) > ($1, $2) AND EXISTS (SELECT 1 FROM jsonb_array_elements(e.secrets) s
					WHERE NOT starts_with(s->>'secret', $3))
				ORDER BY e.workspace_id, e.id LIMIT $4 `+lock, lastWS, lastID, current, sealChunk)
			if err != nil {
				return wrap(err)
			}
			type row struct {
				ws, id  string
				secrets []byte
			}
			todo, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
				var x row
				return x, r.Scan(&x.ws, &x.id, &x.secrets)
			})
			if err != nil {
				return wrap(err)
			}
			read = len(todo)
			for _, r := range todo {
				endWS, endID = r.ws, r.id
				var secrets []enroll.WebhookSecret
				if err := json.Unmarshal(r.secrets, &secrets); err != nil {
					return fmt.Errorf("postgres: seal secrets: decode: %w", err)
				}
				sealed, err := enroll.SealWebhookSecrets(db.sealer, r.ws, r.id, secrets)
				if errors.Is(err, enroll.ErrSealBroken) || errors.Is(err, enroll.ErrSealKeyUnknown) {
					// Damaged, or under a key declared lost (the check
					// refused the others): left as it is, its deliveries
					// failing, saying why, until its secret is rotated.
					continue
				} else if err != nil {
					return fmt.Errorf("postgres: %w", err)
				}
				doc, err := encode(sealed)
				if err != nil {
					return err
				}
				if _, err := tx.exec(`UPDATE webhook_endpoints SET secrets = $1 WHERE workspace_id = $2 AND id = $3`, doc, r.ws, r.id); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		lastWS, lastID = endWS, endID
		if read < sealChunk {
			return total, nil
		}
	}
}

// checkSealedSecrets returns an error wrapping enroll.ErrSealKeyUnknown
// when an endpoint holds a sealed secret that none of the sealer's keys
// (no key, without a sealer) sealed, nor one of the lost ones: every
// delivery to it would fail. One query, which reads the endpoints'
// secrets and no other table.
func (db *DB) checkSealedSecrets(ctx context.Context, lost []string) error {
	prefixes := slices.Clone(lost)
	if db.sealer != nil {
		prefixes = append(prefixes, db.sealer.KeyPrefixes()...)
	}
	cond := `NOT starts_with(v, 'whsec_')`
	args := []any{}
	for _, p := range prefixes {
		args = append(args, p)
		cond += ` AND NOT starts_with(v, $` + strconv.Itoa(len(args)) + `)`
	}
	var id, value string
	err := db.pool.QueryRow(ctx, `SELECT id, v FROM (SELECT e.id, s->>'secret' AS v
		FROM webhook_endpoints e CROSS JOIN jsonb_array_elements(e.secrets) s) x WHERE `+cond+` LIMIT 1`, args...).Scan(&id, &value)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("postgres: check sealed secrets: %w", wrap(err))
	}
	return enroll.SealedSecretError(id, value, db.sealer != nil)
}
