package http

import (
	"context"
	"time"

	"github.com/enrollhq/enroll"
)

// rateShareEvery is how often a server publishes the requests it admitted
// per key to the other replicas. Between two publications the replicas
// together may admit up to a burst each before they hear of each other;
// the next requests then wait for the excess (rateLimiter.spend).
const rateShareEvery = 100 * time.Millisecond

// shareRateUsage publishes what this server's limiter admits and spends
// what the other replicas admit, until ctx is done.
func (s *Server) shareRateUsage(ctx context.Context, x enroll.RateUsageExchange) {
	s.background.Go(func() {
		s.keepWatching(ctx, "rate limit usage", "rate_limit_usage", func(ctx context.Context, ready func()) error {
			return x.WatchRateUsage(ctx, s.origin, ready, func(used map[string]int) {
				s.metrics.rateShared.Add(float64(s.limiter.spend(used)))
			})
		})
	})
	tick := time.NewTicker(rateShareEvery)
	defer tick.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		used := s.limiter.drain()
		if used == nil {
			continue
		}
		publish, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := x.PublishRateUsage(publish, s.origin, used)
		cancel()
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			s.logger.Warn("cannot publish rate limit usage to other replicas; each limits on its own meanwhile", "err", err)
			failing = true
		case err == nil && failing:
			s.logger.Info("publishing rate limit usage to other replicas again")
			failing = false
		}
	}
}
