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
// again. watch calls ready once it watches. what names the watch in logs.
func (s *Server) keepWatching(ctx context.Context, what string, watch func(ctx context.Context, ready func()) error) {
	wait := watchRetryMin
	for {
		err := watch(ctx, func() { wait = watchRetryMin })
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
