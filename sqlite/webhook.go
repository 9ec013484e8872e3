package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/enrollhq/enroll"
)

var _ enroll.WebhookStore = (*DB)(nil)

func init() {
	// An Idempotency-Key on POST /v1/webhookEndpoints records the endpoint.
	objectTables[enroll.KindWebhookEndpoint] = "webhook_endpoints"
	objectTables[enroll.KindWebhookDelivery] = "webhook_deliveries"
}

// writeEndpoint stores an endpoint: its secrets in their own column,
// sealed when the store has a sealer, the rest (never the shown-once
// Secret) in doc.
func (tx *Tx) writeEndpoint(ep *enroll.WebhookEndpoint, insert bool) error {
	shown := *ep
	shown.Secret = ""
	doc, err := encode(&shown)
	if err != nil {
		return err
	}
	sealed, err := enroll.SealWebhookSecrets(tx.db.sealer, ep.WorkspaceID, ep.ID, ep.Secrets)
	if err != nil {
		return err
	}
	secrets, err := encode(sealed)
	if err != nil {
		return err
	}
	if insert {
		_, err = tx.exec(`INSERT INTO webhook_endpoints (id, workspace_id, enabled, secrets, doc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			ep.ID, ep.WorkspaceID, ep.Enabled, secrets, doc, micros(ep.CreatedAt), micros(ep.UpdatedAt))
		return err
	}
	_, err = tx.exec(`UPDATE webhook_endpoints SET enabled = ?, secrets = ?, doc = ?, updated_at = ? WHERE workspace_id = ? AND id = ?`,
		ep.Enabled, secrets, doc, micros(ep.UpdatedAt), ep.WorkspaceID, ep.ID)
	return err
}

// decodeEndpoint builds an endpoint from its doc and secrets columns,
// its secrets as stored (sealed, with a sealer): see openEndpoint.
func decodeEndpoint(wsID, doc, secrets string) (*enroll.WebhookEndpoint, error) {
	ep, err := decode[enroll.WebhookEndpoint](doc)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(secrets), &ep.Secrets); err != nil {
		return nil, fmt.Errorf("sqlite: decode secrets: %w", err)
	}
	ep.WorkspaceID = wsID
	if ep.EventTypes == nil {
		ep.EventTypes = []enroll.EventType{}
	}
	return ep, nil
}

// openEndpoint opens the secrets of ep, decoded, with s (nil: none
// sealed), so that they are plain in memory.
func openEndpoint(s enroll.SecretSealer, ep *enroll.WebhookEndpoint) error {
	secrets, err := enroll.OpenWebhookSecrets(s, ep.WorkspaceID, ep.ID, ep.Secrets)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	ep.Secrets = secrets
	return nil
}

// findEndpoint reads an endpoint, its secrets as stored: for what does
// not need them, and works on an endpoint whose secrets cannot be opened.
func findEndpoint(ctx context.Context, q querier, wsID, id string) (*enroll.WebhookEndpoint, error) {
	var doc, secrets string
	err := q.QueryRowContext(ctx, `SELECT doc, secrets FROM webhook_endpoints WHERE workspace_id = ? AND id = ?`, wsID, id).Scan(&doc, &secrets)
	if err != nil {
		return nil, notFound(err, "Webhook endpoint", id)
	}
	return decodeEndpoint(wsID, doc, secrets)
}

// findOpenEndpoint reads an endpoint, its secrets opened with s.
func findOpenEndpoint(ctx context.Context, q querier, s enroll.SecretSealer, wsID, id string) (*enroll.WebhookEndpoint, error) {
	ep, err := findEndpoint(ctx, q, wsID, id)
	if err != nil {
		return nil, err
	}
	return ep, openEndpoint(s, ep)
}

// CreateWebhookEndpoint implements enroll.WebhookStore.
func (db *DB) CreateWebhookEndpoint(ctx context.Context, a enroll.Actor, ep *enroll.WebhookEndpoint) error {
	ep.Prepare()
	if err := ep.Validate(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *Tx) error {
		ep.ID, ep.WorkspaceID, ep.CreatedAt, ep.UpdatedAt = enroll.NewWebhookEndpointID(), a.WorkspaceID, tx.now, tx.now
		ep.Secrets, ep.PreviousSecretExpiresAt = nil, nil
		ep.Rotate(tx.now)
		ep.PreviousSecretExpiresAt = nil
		return tx.writeEndpoint(ep, true)
	})
}

// FindWebhookEndpoint implements enroll.WebhookStore.
func (db *DB) FindWebhookEndpoint(ctx context.Context, wsID, id string) (*enroll.WebhookEndpoint, error) {
	return findOpenEndpoint(ctx, db.r, db.sealer, wsID, id)
}

// ListWebhookEndpoints implements enroll.WebhookStore.
func (db *DB) ListWebhookEndpoints(ctx context.Context, wsID string, p enroll.ListParams) (*enroll.Page[*enroll.WebhookEndpoint], error) {
	c, err := p.Normalize([]string{enroll.SortCreatedDesc, enroll.SortCreatedAsc}, 0)
	if err != nil {
		return nil, err
	}
	var w where
	w.add("workspace_id = ?", wsID)
	pg, err := page[enroll.WebhookEndpoint](ctx, db.r, "webhook_endpoints", w, p, c, 0, func() (int, error) {
		return countRows(ctx, db.r, "webhook_endpoints", w)
	})
	if err != nil {
		return nil, err
	}
	for _, ep := range pg.Data {
		ep.Prepare()
	}
	return pg, nil
}

// UpdateWebhookEndpoint implements enroll.WebhookStore.
func (db *DB) UpdateWebhookEndpoint(ctx context.Context, a enroll.Actor, id string, fn func(*enroll.WebhookEndpoint) error) (*enroll.WebhookEndpoint, error) {
	var out *enroll.WebhookEndpoint
	err := db.write(ctx, func(tx *Tx) error {
		old, err := findOpenEndpoint(ctx, tx, db.sealer, a.WorkspaceID, id)
		if err != nil {
			return err
		}
		ep, err := enroll.UpdateWebhookEndpoint(old, fn, tx.now)
		if err != nil {
			return err
		}
		out = ep
		return tx.writeEndpoint(ep, false)
	})
	return out, err
}

// DeleteWebhookEndpoint implements enroll.WebhookStore.
func (db *DB) DeleteWebhookEndpoint(ctx context.Context, a enroll.Actor, id string, check func(*enroll.WebhookEndpoint) error) error {
	return db.write(ctx, func(tx *Tx) error {
		if check != nil {
			ep, err := findEndpoint(ctx, tx, a.WorkspaceID, id)
			if err != nil {
				return err
			}
			if err := check(ep); err != nil {
				return err
			}
		}
		res, err := tx.exec(`DELETE FROM webhook_endpoints WHERE workspace_id = ? AND id = ?`, a.WorkspaceID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return enroll.Errorf(enroll.ENOTFOUND, "Webhook endpoint %s not found.", id)
		}
		_, err = tx.exec(`DELETE FROM webhook_deliveries WHERE workspace_id = ? AND endpoint_id = ?`, a.WorkspaceID, id)
		return err
	})
}
