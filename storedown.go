package enroll

import (
	"context"
	"time"
)

// StoreDown reports whether err, returned by store, came from a database
// that could not serve the call: a connection the store says was lost
// (OutageReporter), which a ping on a new one may not see, or a ping, as
// /readyz makes it, that fails within timeout. Such a request is told to
// retry (a 503 with Retry-After), where a 500 says the request broke
// something and is not retried. The ping outlives ctx: a request ended
// by the outage must still be told so.
func StoreDown(ctx context.Context, store Store, err error, timeout time.Duration) bool {
	if r, ok := store.(OutageReporter); ok && err != nil && r.Outage(err) {
		return true
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	return store.Ping(ctx) != nil
}
