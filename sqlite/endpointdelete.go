package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/enrollhq/enroll"
)

// endpointDeleteBatch is how many deliveries one write transaction of
// DeleteWebhookEndpoint or DeleteOrphanedDeliveries deletes at most
// (enroll.EndpointDeleteBatch); tests lower it.
var endpointDeleteBatch = enroll.EndpointDeleteBatch

// DeleteWebhookEndpoint implements enroll.WebhookStore. The endpoint and
// its first batch of deliveries go in one write transaction, the rest in
// further ones, each a long write (writeLong) taking its own turn of the
// writer: the writes of every workspace wait for one batch at most, not
// for all of an endpoint's deliveries. Once the first has committed the
// rest are inert (claims and reads join webhook_endpoints), so they go on
// whatever ctx does, and a stop in between, or a batch that fails (the
// error then wraps enroll.ErrDeliveriesLeft), leaves them to
// DeleteOrphanedDeliveries.
func (db *DB) DeleteWebhookEndpoint(ctx context.Context, a enroll.Actor, id string, check func(*enroll.WebhookEndpoint) error) error {
	var more bool
	err := db.writeLong(ctx, func(tx *Tx) error {
		if check != nil {
			ep, err := findEndpoint(ctx, tx, db.sealer, a.WorkspaceID, id)
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
		n, err := tx.deleteEndpointDeliveries(a.WorkspaceID, id)
		more = n == endpointDeleteBatch
		return err
	})
	if err != nil || !more {
		return err
	}
	// The endpoint is gone: a client leaving, or the request's idempotency
	// claim (committed with the first transaction), must not stop the rest.
	rest := enroll.NewContextWithIdempotencyClaim(context.WithoutCancel(ctx), nil)
	_, err = db.deleteDeliveriesOf(rest, a.WorkspaceID, id)
	return enroll.DeliveriesLeft(id, err)
}

// deleteDeliveriesOf deletes the deliveries of the deleted endpoint id,
// a batch per write transaction, and returns how many it deleted.
func (db *DB) deleteDeliveriesOf(ctx context.Context, wsID, id string) (int, error) {
	total, err := enroll.DrainInBatches(endpointDeleteBatch, func() (int, error) {
		var n int
		err := db.writeLong(ctx, func(tx *Tx) error {
			var err error
			n, err = tx.deleteEndpointDeliveries(wsID, id)
			return err
		})
		return n, err
	})
	if err != nil {
		return total, fmt.Errorf("sqlite: delete deliveries of endpoint %s: %w", id, err)
	}
	return total, nil
}

// deleteEndpointDeliveries deletes up to endpointDeleteBatch deliveries
// of endpoint id, oldest first through webhook_deliveries_endpoint, and
// none while the endpoint exists: a delete of orphans racing a replica's
// or an endpoint's own deletion is harmless.
func (tx *Tx) deleteEndpointDeliveries(wsID, id string) (int, error) {
	return tx.deleteCount(deleteEndpointBatch, wsID, id, endpointDeleteBatch)
}

// deleteEndpointBatch deletes the first ?3 deliveries of endpoint ?2 of
// workspace ?1 when the endpoint is gone.
const deleteEndpointBatch = `DELETE FROM webhook_deliveries WHERE seq IN (SELECT seq FROM webhook_deliveries
		WHERE workspace_id = ?1 AND endpoint_id = ?2 ORDER BY seq LIMIT ?3)
	AND NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE workspace_id = ?1 AND id = ?2)`

// DeleteOrphanedDeliveries implements enroll.WebhookStore.
func (db *DB) DeleteOrphanedDeliveries(ctx context.Context) (int, error) {
	total := 0
	ws, ep := "", ""
	for {
		var gone bool
		// The next (workspace, endpoint) of webhook_deliveries_endpoint
		// after the last: one seek per endpoint with deliveries.
		err := db.r.QueryRowContext(ctx, nextDeliveryEndpoint, ws, ep).Scan(&ws, &ep, &gone)
		if errors.Is(err, sql.ErrNoRows) {
			return total, nil
		}
		if err != nil {
			return total, fmt.Errorf("sqlite: orphaned deliveries: %w", err)
		}
		if !gone {
			continue
		}
		n, err := db.deleteDeliveriesOf(ctx, ws, ep)
		total += n
		if err != nil {
			return total, err
		}
	}
}

// nextDeliveryEndpoint reads the first (workspace, endpoint) of
// webhook_deliveries_endpoint after (?1, ?2), and whether the endpoint
// is gone.
const nextDeliveryEndpoint = `SELECT d.workspace_id, d.endpoint_id,
		NOT EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.workspace_id = d.workspace_id AND e.id = d.endpoint_id)
	FROM webhook_deliveries d
	WHERE (d.workspace_id, d.endpoint_id) > (?1, ?2)
	ORDER BY d.workspace_id, d.endpoint_id LIMIT 1`
