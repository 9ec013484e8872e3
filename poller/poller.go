// Package poller runs the loop the webhook deliverer and the notification
// sender share: claim due jobs from a durable queue as fast as there is
// work and free workers, poll when idle, wake early when told, and stop
// after the jobs under way finish. The queue (a store's leased rows) holds
// all the state; the loop holds none a crash could lose.
package poller

import (
	"context"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// Config configures a Loop of jobs of type J.
type Config[J any] struct {
	// Concurrency is how many jobs run at once; it must be at least 1.
	Concurrency int
	// PollInterval is how long an idle loop waits before claiming again.
	PollInterval time.Duration
	// Claim returns up to free due jobs (free may be 0: Claim may still do
	// work that needs no worker, such as dispatching). more reports work
	// beyond what it returned, so the loop goes again at once.
	Claim func(ctx context.Context, free int) (jobs []J, more bool)
	// Work runs one job on a goroutine of its own. It may call release
	// once its worker can take the next job before Work returns; release
	// is also called when Work returns, and only the first call counts.
	Work func(job J, release func())
	// Logger receives a panic in Claim or Work, with its stack; nil means
	// slog.Default(). The loop goes on: a panicking job keeps its lease
	// in the queue and is claimed again once the lease runs out.
	Logger *slog.Logger
}

// Loop claims and runs jobs until Stop.
type Loop[J any] struct {
	cfg    Config[J]
	wake   chan struct{}
	slots  chan struct{}
	cancel context.CancelFunc
	loop   sync.WaitGroup
	work   sync.WaitGroup
}

// New returns a Loop; it claims nothing until Start.
func New[J any](cfg Config[J]) *Loop[J] {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Loop[J]{cfg: cfg, wake: make(chan struct{}, 1), slots: make(chan struct{}, max(cfg.Concurrency, 1))}
}

// Start runs the loop in the background until Stop.
func (l *Loop[J]) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	l.loop.Add(1)
	go func() {
		defer l.loop.Done()
		l.run(ctx)
	}()
}

// Wake makes the loop claim now rather than at its next poll.
func (l *Loop[J]) Wake() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Stop stops claiming and waits for the jobs under way. It reports
// whether the loop had been started.
func (l *Loop[J]) Stop() bool {
	if l.cancel == nil {
		return false
	}
	l.cancel()
	l.loop.Wait()
	l.work.Wait()
	return true
}

func (l *Loop[J]) run(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-l.wake:
		}
		// Since Go 1.23 Reset needs no draining of a fired timer.
		if l.tick(ctx) {
			timer.Reset(0)
		} else {
			timer.Reset(l.cfg.PollInterval)
		}
	}
}

// tick claims for the free workers, starts the jobs, and reports whether
// there may be more work now.
func (l *Loop[J]) tick(ctx context.Context) bool {
	free := cap(l.slots) - len(l.slots)
	jobs, more := l.claim(ctx, free)
	for _, j := range jobs[:min(len(jobs), free)] {
		l.slots <- struct{}{} // never blocks: only this goroutine takes slots
		l.work.Add(1)
		go func() {
			defer l.work.Done()
			var once sync.Once
			release := func() {
				once.Do(func() {
					<-l.slots
					l.Wake() // a free worker: claim again
				})
			}
			defer release()
			defer l.recover("work")
			l.cfg.Work(j, release)
		}()
	}
	return more || (free > 0 && len(jobs) == free)
}

// claim calls Config.Claim; a panic claims nothing this time, and the
// loop polls again after its interval rather than spinning on it.
func (l *Loop[J]) claim(ctx context.Context, free int) (jobs []J, more bool) {
	defer l.recover("claim")
	return l.cfg.Claim(ctx, free)
}

// recover logs a panic of the calling goroutine and stops it there, so
// that one bad job or claim does not end the process and every other
// job under way with it.
func (l *Loop[J]) recover(what string) {
	if v := recover(); v != nil {
		l.cfg.Logger.Error("poller: panic in "+what, "panic", v, "stack", string(debug.Stack()))
	}
}
