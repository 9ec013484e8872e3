package enroll

import "context"

// KeyRevocationWatcher is implemented by stores that can tell a server
// which API keys are revoked by other processes on the same database
// (another replica, `enroll key revoke`), so that it drops them from its
// key cache at once instead of when their cache entries expire.
type KeyRevocationWatcher interface {
	// WatchKeyRevocations watches until ctx is done or the watch fails.
	// Once it watches it calls ready; from then on it calls revoked, at
	// least once, with the id of each key any process revokes, soon after
	// the revocation commits. Revocations made before ready, or between a
	// failure and the ready of the next call, are not reported: a caller
	// that caches keys must forget them all at each ready. It returns
	// ctx's error once ctx is done, otherwise the error that stopped it;
	// it may be called again.
	WatchKeyRevocations(ctx context.Context, ready func(), revoked func(id string)) error
}
