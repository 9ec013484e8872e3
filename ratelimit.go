package enroll

import "context"

// RateUsageExchange is implemented by stores that several servers share
// (PostgreSQL). Through it each server tells the others how many requests
// of each API key it admitted, so that a key's rate limit holds for the
// service as a whole rather than for each replica.
type RateUsageExchange interface {
	// PublishRateUsage tells the servers watching that server origin
	// admitted used[keyID] requests of each key since it last published.
	// Best effort: usage whose publication fails is not sent again.
	PublishRateUsage(ctx context.Context, origin string, used map[string]int) error
	// WatchRateUsage calls used with the usage other servers publish
	// (never origin's own), until ctx is done or the watch fails. Once it
	// watches it calls ready; usage published before that, or between a
	// failure and the next call's ready, is not reported. It returns
	// ctx's error once ctx is done, otherwise the error that stopped it;
	// it may be called again.
	WatchRateUsage(ctx context.Context, origin string, ready func(), used func(map[string]int)) error
}
