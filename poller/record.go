package poller

import (
	"context"
	"time"
)

// Record waits between tries of RecordUntil: the first wait, doubled after
// each try up to the last.
const (
	RecordFirstWait = 100 * time.Millisecond
	RecordMaxWait   = 2 * time.Second
)

// RecordUntil records the outcome of jobs through record, each try bounded
// by timeout, and tries again after an error (a busy database's timeout
// above all) while waiting would not pass until, the end of the first of
// the jobs' leases to end: past it the jobs are claimed and run again, and
// recording would be too late. The store must record only under the lease
// a job was run under, so that a try after an error that hid a commit
// records nothing twice. retrying (may be nil) hears each failed try that
// is tried again. It returns how many tries it made and the last error, nil
// once recorded.
func RecordUntil(until time.Time, timeout time.Duration, record func(ctx context.Context) error,
	retrying func(tries int, wait time.Duration, err error)) (int, error) {
	wait := RecordFirstWait
	for tries := 1; ; tries++ {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		err := record(ctx)
		cancel()
		if err == nil || time.Now().Add(wait).After(until) {
			return tries, err
		}
		if retrying != nil {
			retrying(tries, wait, err)
		}
		time.Sleep(wait)
		wait = min(2*wait, RecordMaxWait)
	}
}
