package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/enrollhq/enroll"
)

// queuedNextAttempt reads, for each pending delivery of endpoint $2 of
// workspace $1 among the ids $3, its due time in the index (moved to its
// stream head's retry when that head failed: holdBack) and the due time
// of the earliest pending delivery of its stream before it, if any,
// through webhook_deliveries_stream.
const queuedNextAttempt = `SELECT x.id, x.next_attempt_at, (SELECT p.next_attempt_at FROM webhook_deliveries p
		WHERE p.workspace_id = x.workspace_id AND p.endpoint_id = x.endpoint_id AND p.stream = x.stream AND p.status = 'pending' AND p.event_seq < x.event_seq
		ORDER BY p.event_seq LIMIT 1)
	FROM webhook_deliveries x WHERE x.workspace_id = $1 AND x.endpoint_id = $2 AND x.status = 'pending' AND x.id = ANY ($3)`

// showNextAttempts sets the NextAttemptAt of the pending deliveries of
// ds, all of endpoint endpointID, to the earliest time each can be
// attempted (WebhookDelivery.NotBefore): a delivery queued behind an
// earlier one of its stream waits for that one's next attempt, while
// its document keeps its creation as its due time.
func showNextAttempts(ctx context.Context, q querier, wsID, endpointID string, ds []*enroll.WebhookDelivery) error {
	var ids []string
	byID := map[string]*enroll.WebhookDelivery{}
	for _, d := range ds {
		if d.Status == enroll.DeliveryPending {
			ids = append(ids, d.ID)
			byID[d.ID] = d
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := q.Query(ctx, queuedNextAttempt, wsID, endpointID, ids)
	if err != nil {
		return fmt.Errorf("postgres: next attempts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id         string
			due, ahead *time.Time
		)
		if err := rows.Scan(&id, &due, &ahead); err != nil {
			return fmt.Errorf("postgres: next attempts: %w", err)
		}
		for _, at := range []*time.Time{due, ahead} {
			if at != nil && byID[id] != nil {
				byID[id].NotBefore(at.UTC())
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: next attempts: %w", err)
	}
	return nil
}
