package http

import (
	"context"
	"time"

	"github.com/enrollhq/enroll"
)

// orphanSweepEvery is how often a server deletes the deliveries of
// deleted webhook endpoints that a deletion left behind: stopped between
// its transactions (a crash, a shutdown, on any replica) or by a failed
// batch (enroll.ErrDeliveriesLeft). They are inert meanwhile, never
// claimed, found nor listed, since their endpoint is gone; a sweep costs
// one index seek per endpoint that has deliveries, on a reader, and
// deletes nothing when nothing was left. Each replica sweeps: the
// deletes are conditional, so replicas share the work.
const orphanSweepEvery = 10 * time.Minute

// orphanRetryFirst is the wait before a sweep that failed is tried
// again, doubling up to orphanSweepEvery.
const orphanRetryFirst = time.Second

// deleteOrphanedDeliveries sweeps the deliveries of deleted endpoints at
// start, then every orphanSweepEvery, and at once when a deletion left
// some (SweepOrphanedDeliveries), until ctx ends; a sweep that fails is
// tried again after orphanRetryFirst, doubling.
func (s *Server) deleteOrphanedDeliveries(ctx context.Context, ws enroll.WebhookStore) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	var retry time.Duration
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-s.orphans:
		}
		n, err := ws.DeleteOrphanedDeliveries(ctx)
		next := orphanSweepEvery
		if err != nil && ctx.Err() == nil {
			retry = min(max(2*retry, orphanRetryFirst), orphanSweepEvery)
			next = retry
			s.logger.Warn("cannot delete the deliveries of deleted webhook endpoints", "err", err, "retryIn", retry)
		} else {
			retry = 0
		}
		if n > 0 {
			s.logger.Info("deleted the deliveries of deleted webhook endpoints", "deliveries", n)
		}
		timer.Reset(next)
	}
}

// SweepOrphanedDeliveries wakes the sweep of deleteOrphanedDeliveries,
// for a deletion that left deliveries behind: the API's, and the
// console's (console.Console.WithSweepOrphanedDeliveries). It never
// blocks; a wake already pending covers this one.
func (s *Server) SweepOrphanedDeliveries() {
	select {
	case s.orphans <- struct{}{}:
	default:
	}
}
