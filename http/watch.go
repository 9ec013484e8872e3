package http

import (
	"context"
	"time"
)

// Backoff between attempts to watch the store after one failed.
const (
	watchRetryMin = 100 * time.Millisecond
	watchRetryMax = 5 * time.Second
)

// keepWatching runs watch until ctx is done, again after each failure,
// waiting longer after each (up to watchRetryMax) until a watch is ready
// again. watch calls ready once it watches. what names the watch in logs,
// label in the enroll_watch_up metric, which says whether it is ready: a
// replica that cannot hear the others is worth an alert, and tests wait
// for it before they count on what replicas hear of each other.
func (s *Server) keepWatching(ctx context.Context, what, label string, watch func(ctx context.Context, ready func()) error) {
	up := s.metrics.watchUp.WithLabelValues(label)
	wait := watchRetryMin
	for {
		err := watch(ctx, func() { wait = watchRetryMin; up.Set(1) })
		up.Set(0)
		if ctx.Err() != nil {
			return
		}
		s.logger.Warn("cannot watch "+what+" of other processes; trying again", "err", err, "retryIn", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, watchRetryMax)
	}
}
