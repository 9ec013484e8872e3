package http

import (
	"context"
	"time"

	"github.com/enrollhq/enroll"
)

// retentionSweepEvery is how often a server deletes what its event
// retention lets go; a shorter retention sweeps as often as it is long,
// though not more than once a second. Each replica sweeps: the deletes
// are conditional, so replicas share the work rather than repeat it.
const retentionSweepEvery = 10 * time.Minute

// retentionSweep is the time between two sweeps for retention.
func retentionSweep(retention time.Duration) time.Duration {
	return max(min(retention, retentionSweepEvery), time.Second)
}

// deleteExpiredEvents deletes, at once and then every retentionSweep,
// the events, finished deliveries and finished notifications older than
// retention, until ctx ends. The store deletes in short batches, so the
// sweep holds no write for long however much it deletes.
func (s *Server) deleteExpiredEvents(ctx context.Context, ws enroll.WebhookStore, retention time.Duration) {
	tick := time.NewTicker(retentionSweep(retention))
	defer tick.Stop()
	for {
		n, err := ws.DeleteExpiredEvents(ctx, retention)
		if err != nil && ctx.Err() == nil {
			s.logger.Warn("cannot delete expired events", "err", err)
		} else if n.Total() > 0 {
			s.logger.Info("deleted expired events", "events", n.Events, "deliveries", n.Deliveries, "notifications", n.Notifications)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
