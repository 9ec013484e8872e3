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
// sealed when the store has a sealer (or as they were read, when they did
// not open: enroll.StoredWebhookSecrets), the rest (never the shown-once
// Secret, nor SecretError, computed on every read) in doc.
func (tx *Tx) writeEndpoint(ep *enroll.WebhookEndpoint, insert bool) error {
	shown := *ep
	shown.Secret = ""
	b, err := shown.MarshalDoc()
	if err != nil {
		return fmt.Errorf("sqlite: encode: %w", err)
	}
	doc := string(b) // TEXT, as encode writes documents
	sealed, err := enroll.StoredWebhookSecrets(tx.db.sealer, ep)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
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

// openEndpoint is decodeEndpoint with the secrets opened with s (nil:
// none sealed): plain in memory, or, when they do not open, kept as read
// with the endpoint's SecretError saying why (enroll.OpenEndpointSecrets),
// so that every read and change of the endpoint works all the same.
func openEndpoint(s enroll.SecretSealer, wsID, doc, secrets string) (*enroll.WebhookEndpoint, error) {
	ep, err := decodeEndpoint(wsID, doc, secrets)
	if err != nil {
		return nil, err
	}
	_ = enroll.OpenEndpointSecrets(s, ep) // its SecretError says why
	return ep, nil
}

// findEndpoint reads an endpoint, its secrets opened with s (see
// openEndpoint).
func findEndpoint(ctx context.Context, q querier, s enroll.SecretSealer, wsID, id string) (*enroll.WebhookEndpoint, error) {
	var doc, secrets string
	err := q.QueryRowContext(ctx, `SELECT doc, secrets FROM webhook_endpoints WHERE workspace_id = ? AND id = ?`, wsID, id).Scan(&doc, &secrets)
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
	return findEndpoint(ctx, db.r, db.sealer, wsID, id)
}

// ListWebhookEndpoints implements enroll.WebhookStore.
func (db *DB) ListWebhookEndpoints(ctx context.Context, wsID string, p enroll.ListParams) (*enroll.Page[*enroll.WebhookEndpoint], error) {
	c, err := p.Normalize([]string{enroll.SortCreatedDesc, enroll.SortCreatedAsc}, enroll.WebhookEndpointsFilter)
	if err != nil {
		return nil, err
	}
	// One snapshot for the page and its secrets.
	rtx, err := db.r.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list webhook endpoints: %w", err)
	}
	defer rtx.Rollback()
	var w where
	w.add("workspace_id = ?", wsID)
	pg, err := page[enroll.WebhookEndpoint](ctx, rtx, "webhook_endpoints", w, p, c, enroll.WebhookEndpointsFilter, func() (int, error) {
		return countRows(ctx, rtx, "webhook_endpoints", w)
	})
	if err != nil {
		return nil, err
	}
	if err := openListed(ctx, rtx, db.sealer, wsID, pg.Data); err != nil {
		return nil, err
	}
	return pg, nil
}

// openListed gives the endpoints of a page, decoded from their docs,
// their secrets opened with s, so that each shows its SecretError as a
// read of it alone does.
func openListed(ctx context.Context, q querier, s enroll.SecretSealer, wsID string, eps []*enroll.WebhookEndpoint) error {
	if len(eps) == 0 {
		return nil
	}
	args := []any{wsID}
	for _, ep := range eps {
		args = append(args, ep.ID)
	}
	rows, err := q.QueryContext(ctx, `SELECT id, secrets FROM webhook_endpoints WHERE workspace_id = ? AND id IN (`+placeholders(len(eps))+`)`, args...)
	if err != nil {
		return fmt.Errorf("sqlite: list webhook endpoints: %w", err)
	}
	defer rows.Close()
	secrets := make(map[string]string, len(eps))
	for rows.Next() {
		var id, sec string
		if err := rows.Scan(&id, &sec); err != nil {
			return fmt.Errorf("sqlite: list webhook endpoints: %w", err)
		}
		secrets[id] = sec
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: list webhook endpoints: %w", err)
	}
	for _, ep := range eps {
		ep.WorkspaceID = wsID
		ep.Prepare()
		if err := json.Unmarshal([]byte(secrets[ep.ID]), &ep.Secrets); err != nil {
			return fmt.Errorf("sqlite: decode secrets: %w", err)
		}
		_ = enroll.OpenEndpointSecrets(s, ep) // its SecretError says why
	}
	return nil
}

// UpdateWebhookEndpoint implements enroll.WebhookStore.
func (db *DB) UpdateWebhookEndpoint(ctx context.Context, a enroll.Actor, id string, fn func(*enroll.WebhookEndpoint) error) (*enroll.WebhookEndpoint, error) {
	var out *enroll.WebhookEndpoint
	err := db.write(ctx, func(tx *Tx) error {
		old, err := findEndpoint(ctx, tx, db.sealer, a.WorkspaceID, id)
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
