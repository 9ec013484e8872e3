package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

var _ enroll.WebhookStore = (*DB)(nil)

// writeEndpoint stores an endpoint: its secrets in their own column,
// sealed when the store has a sealer (or as they were read, when they did
// not open: enroll.StoredWebhookSecrets), the rest (never the shown-once
// Secret, nor SecretError, computed on every read) in doc.
func (tx *tx) writeEndpoint(ep *enroll.WebhookEndpoint, insert bool) error {
	shown := *ep
	shown.Secret = ""
	doc, err := shown.MarshalDoc()
	if err != nil {
		return fmt.Errorf("postgres: encode: %w", err)
	}
	sealed, err := enroll.StoredWebhookSecrets(tx.db.sealer, ep)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	secrets, err := encode(sealed)
	if err != nil {
		return err
	}
	if insert {
		_, err = tx.exec(`INSERT INTO webhook_endpoints (id, workspace_id, enabled, secrets, doc, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			ep.ID, ep.WorkspaceID, ep.Enabled, secrets, doc, ep.CreatedAt, ep.UpdatedAt)
		return err
	}
	_, err = tx.exec(`UPDATE webhook_endpoints SET enabled = $1, secrets = $2, doc = $3, updated_at = $4 WHERE workspace_id = $5 AND id = $6`,
		ep.Enabled, secrets, doc, ep.UpdatedAt, ep.WorkspaceID, ep.ID)
	return err
}

// decodeEndpoint builds an endpoint from its doc and secrets columns,
// its secrets as stored (sealed, with a sealer): see openEndpoint.
func decodeEndpoint(wsID string, doc, secrets []byte) (*enroll.WebhookEndpoint, error) {
	ep, err := decode[enroll.WebhookEndpoint](doc)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(secrets, &ep.Secrets); err != nil {
		return nil, fmt.Errorf("postgres: decode secrets: %w", err)
	}
	ep.WorkspaceID = wsID
	ep.Prepare()
	return ep, nil
}

// openEndpoint is decodeEndpoint with the secrets opened with s (nil:
// none sealed): plain in memory, or, when they do not open, kept as read
// with the endpoint's SecretError saying why (enroll.OpenEndpointSecrets),
// so that every read and change of the endpoint works all the same.
func openEndpoint(s enroll.SecretSealer, wsID string, doc, secrets []byte) (*enroll.WebhookEndpoint, error) {
	ep, err := decodeEndpoint(wsID, doc, secrets)
	if err != nil {
		return nil, err
	}
	_ = enroll.OpenEndpointSecrets(s, ep) // its SecretError says why
	return ep, nil
}

// findEndpoint loads an endpoint, its secrets opened with s (see
// openEndpoint); lock is "" or a locking clause.
func findEndpoint(ctx context.Context, q querier, s enroll.SecretSealer, wsID, id, lock string) (*enroll.WebhookEndpoint, error) {
	var doc, secrets []byte
	err := q.QueryRow(ctx, `SELECT doc, secrets FROM webhook_endpoints WHERE workspace_id = $1 AND id = $2 `+lock, wsID, id).Scan(&doc, &secrets)
	if err != nil {
		return nil, notFound(err, "Webhook endpoint", id)
	}
	return openEndpoint(s, wsID, doc, secrets)
}

// CreateWebhookEndpoint implements enroll.WebhookStore.
func (db *DB) CreateWebhookEndpoint(ctx context.Context, a enroll.Actor, ep *enroll.WebhookEndpoint) error {
	ep.Prepare()
	if err := ep.Validate(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *tx) error {
		ep.ID, ep.WorkspaceID, ep.CreatedAt, ep.UpdatedAt = enroll.NewWebhookEndpointID(), a.WorkspaceID, tx.now, tx.now
		ep.Secrets = nil
		ep.Rotate(tx.now)
		ep.PreviousSecretExpiresAt = nil
		if err := tx.writeEndpoint(ep, true); err != nil {
			return err
		}
		tx.created(enroll.KindWebhookEndpoint, ep.ID)
		return nil
	})
}

// FindWebhookEndpoint implements enroll.WebhookStore.
func (db *DB) FindWebhookEndpoint(ctx context.Context, wsID, id string) (*enroll.WebhookEndpoint, error) {
	return findEndpoint(ctx, db.pool, db.sealer, wsID, id, "")
}

// ListWebhookEndpoints implements enroll.WebhookStore.
func (db *DB) ListWebhookEndpoints(ctx context.Context, wsID string, p enroll.ListParams) (*enroll.Page[*enroll.WebhookEndpoint], error) {
	c, err := p.Normalize([]string{enroll.SortCreatedDesc, enroll.SortCreatedAsc}, enroll.WebhookEndpointsFilter)
	if err != nil {
		return nil, err
	}
	var w where
	w.add("workspace_id = ?", wsID)
	var out *enroll.Page[*enroll.WebhookEndpoint]
	err = db.read(ctx, func(q pgx.Tx) error {
		var err error
		out, err = page[enroll.WebhookEndpoint](ctx, q, "webhook_endpoints", w, p, c, enroll.WebhookEndpointsFilter, func() (int, error) {
			return countRows(ctx, q, "webhook_endpoints", w)
		})
		if err != nil {
			return err
		}
		return openListed(ctx, q, db.sealer, wsID, out.Data)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// openListed gives the endpoints of a page, decoded from their docs,
// their secrets opened with s, so that each shows its SecretError as a
// read of it alone does.
func openListed(ctx context.Context, q querier, s enroll.SecretSealer, wsID string, eps []*enroll.WebhookEndpoint) error {
	if len(eps) == 0 {
		return nil
	}
	ids := make([]string, len(eps))
	for i, ep := range eps {
		ids[i] = ep.ID
	}
	rows, err := q.Query(ctx, `SELECT id, secrets FROM webhook_endpoints WHERE workspace_id = $1 AND id = ANY($2)`, wsID, ids)
	if err != nil {
		return wrap(err)
	}
	secrets := make(map[string][]byte, len(eps))
	for rows.Next() {
		var (
			id  string
			sec []byte
		)
		if err := rows.Scan(&id, &sec); err != nil {
			rows.Close()
			return wrap(err)
		}
		secrets[id] = sec
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return wrap(err)
	}
	for _, ep := range eps {
		ep.WorkspaceID = wsID
		ep.Prepare()
		if err := json.Unmarshal(secrets[ep.ID], &ep.Secrets); err != nil {
			return fmt.Errorf("postgres: decode secrets: %w", err)
		}
		_ = enroll.OpenEndpointSecrets(s, ep) // its SecretError says why
	}
	return nil
}

// UpdateWebhookEndpoint implements enroll.WebhookStore.
func (db *DB) UpdateWebhookEndpoint(ctx context.Context, a enroll.Actor, id string, fn func(*enroll.WebhookEndpoint) error) (*enroll.WebhookEndpoint, error) {
	var out *enroll.WebhookEndpoint
	err := db.write(ctx, func(tx *tx) error {
		old, err := findEndpoint(ctx, tx, db.sealer, a.WorkspaceID, id, "FOR UPDATE")
		if err != nil {
			return err
		}
		tx.lockedAt(old.UpdatedAt)
		ep, err := enroll.UpdateWebhookEndpoint(old, fn, tx.now)
		if err != nil {
			return err
		}
		out = ep
		return tx.writeEndpoint(ep, false)
	})
	return out, err
}
