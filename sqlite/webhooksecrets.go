package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/enrollhq/enroll"
)

// sealChunk is how many endpoints one transaction of SealWebhookSecrets
// seals, so that the pass never holds the writer for long.
const sealChunk = 100

// SealWebhookSecrets implements enroll.WebhookStore: one query finds a
// sealed value that none of the sealer's keys sealed; then, with a
// sealer, endpoints with a secret not sealed under its sealing key are
// sealed again, sealChunk at a time, each chunk a write transaction.
func (db *DB) SealWebhookSecrets(ctx context.Context, lost []string) (int, error) {
	if err := db.checkSealedSecrets(ctx, lost); err != nil {
		return 0, err
	}
	if db.sealer == nil {
		return 0, nil
	}
	current := db.sealer.KeyPrefixes()[0]
	var total int
	lastWS, lastID := "", ""
	for {
		// The transaction may run again (a retry): where it ends moves
		// on only once it committed.
		var n, read int
		var endWS, endID string
		err := db.write(ctx, func(tx *Tx) error {
			return tx.zeroingFreedPages(func() error {
				n, read = 0, 0
				rows, err := tx.QueryContext(tx.ctx, `SELECT e.workspace_id, e.id, e.secrets FROM webhook_endpoints e
				WHERE (e.workspace_id, e.id) > (?1, ?2) AND EXISTS (SELECT 1 FROM json_each(e.secrets) s
					WHERE substr(json_extract(s.value, '$.secret'), 1, length(?3)) <> ?3)
				ORDER BY e.workspace_id, e.id LIMIT ?4`, lastWS, lastID, current, sealChunk)
				if err != nil {
					return fmt.Errorf("sqlite: seal secrets: %w", err)
				}
				type row struct{ ws, id, secrets string }
				var todo []row
				for rows.Next() {
					var r row
					if err := rows.Scan(&r.ws, &r.id, &r.secrets); err != nil {
						rows.Close()
						return fmt.Errorf("sqlite: seal secrets: %w", err)
					}
					todo = append(todo, r)
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return fmt.Errorf("sqlite: seal secrets: %w", err)
				}
				read = len(todo)
				for _, r := range todo {
					endWS, endID = r.ws, r.id
					var secrets []enroll.WebhookSecret
					if err := json.Unmarshal([]byte(r.secrets), &secrets); err != nil {
						return fmt.Errorf("sqlite: seal secrets: decode: %w", err)
					}
					sealed, err := enroll.SealWebhookSecrets(db.sealer, r.ws, r.id, secrets)
					if errors.Is(err, enroll.ErrSealBroken) || errors.Is(err, enroll.ErrSealKeyUnknown) {
						// Damaged, or under a key declared lost (the check
						// refused the others): left as it is, its deliveries
						// failing, saying why, until its secret is rotated.
						continue
					} else if err != nil {
						return fmt.Errorf("sqlite: %w", err)
					}
					doc, err := encode(sealed)
					if err != nil {
						return err
					}
					if _, err := tx.exec(`UPDATE webhook_endpoints SET secrets = ? WHERE workspace_id = ? AND id = ?`, doc, r.ws, r.id); err != nil {
						return err
					}
					n++
				}
				return nil
			})
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
	cond := `substr(v, 1, 6) <> 'whsec_'`
	args := []any{}
	for _, p := range prefixes {
		cond += ` AND substr(v, 1, length(?)) <> ?`
		args = append(args, p, p)
	}
	var id, value string
	err := db.r.QueryRowContext(ctx, `SELECT id, v FROM (SELECT e.id, json_extract(s.value, '$.secret') AS v
		FROM webhook_endpoints e, json_each(e.secrets) s) WHERE `+cond+` LIMIT 1`, args...).Scan(&id, &value)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("sqlite: check sealed secrets: %w", err)
	}
	return enroll.SealedSecretError(id, value, db.sealer != nil)
}
