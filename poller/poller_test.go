package poller_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/enrollhq/enroll/poller"
)

// TestLoop runs 100 jobs through 3 workers: every job runs once, never
// more than 3 at a time, and Stop waits for the ones under way.
func TestLoop(t *testing.T) {
	t.Parallel()
	var (
		mu       sync.Mutex
		queue    = 100
		running  atomic.Int32
		peak     atomic.Int32
		done     atomic.Int32
		finished = make(chan struct{})
	)
	l := poller.New(poller.Config[int]{
		Concurrency:  3,
		PollInterval: time.Hour, // only wakes (a freed worker) drive it
		Claim: func(_ context.Context, free int) ([]int, bool) {
			mu.Lock()
			defer mu.Unlock()
			n := min(free, queue)
			queue -= n
			return make([]int, n), false
		},
		Work: func(int, func()) {
			if r := running.Add(1); r > peak.Load() {
				peak.Store(r)
			}
			time.Sleep(time.Millisecond)
			running.Add(-1)
			if done.Add(1) == 100 {
				close(finished)
			}
		},
	})
	l.Start()
	select {
	case <-finished:
	case <-time.After(10 * time.Second):
		t.Fatalf("%d of 100 jobs done", done.Load())
	}
	if !l.Stop() {
		t.Fatal("Stop of a started loop reported false")
	}
	if p := peak.Load(); p > 3 || p < 1 {
		t.Fatalf("peak concurrency %d, want 1..3", p)
	}
	if poller.New(poller.Config[int]{Concurrency: 1}).Stop() {
		t.Fatal("Stop of a loop never started reported true")
	}
}

// TestEarlyRelease checks that a job releasing its worker early lets the
// next job start while it still runs.
func TestEarlyRelease(t *testing.T) {
	t.Parallel()
	var claims atomic.Int32
	second := make(chan struct{})
	hold := make(chan struct{})
	l := poller.New(poller.Config[int]{
		Concurrency:  1,
		PollInterval: time.Hour,
		Claim: func(_ context.Context, free int) ([]int, bool) {
			if free == 0 || claims.Load() >= 2 {
				return nil, false
			}
			return []int{int(claims.Add(1))}, false
		},
		Work: func(j int, release func()) {
			if j == 2 {
				close(second)
				return
			}
			release()
			<-hold
		},
	})
	l.Start()
	defer l.Stop()
	defer close(hold)
	select {
	case <-second:
	case <-time.After(10 * time.Second):
		t.Fatal("the second job never started while the first held its released worker")
	}
}

// TestPanic checks that a panicking claim or job is logged and the loop
// goes on: the other jobs run, the panicking job's worker is freed, and
// Stop still returns.
func TestPanic(t *testing.T) {
	t.Parallel()
	var (
		mu     sync.Mutex
		claims int
		logs   bytes.Buffer
		done   = make(chan struct{})
		ran    atomic.Int32
	)
	l := poller.New(poller.Config[int]{
		Concurrency:  1,
		PollInterval: time.Millisecond,
		Claim: func(_ context.Context, free int) ([]int, bool) {
			mu.Lock()
			defer mu.Unlock()
			if free == 0 || claims == 4 {
				return nil, false
			}
			if claims++; claims == 1 {
				panic("claim")
			}
			return []int{claims}, false
		},
		Work: func(j int, _ func()) {
			if j == 2 {
				panic("job")
			}
			if ran.Add(1) == 2 {
				close(done)
			}
		},
		Logger: slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil)),
	})
	l.Start()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%d of 2 jobs ran after the panics", ran.Load())
	}
	l.Stop()
	mu.Lock()
	defer mu.Unlock()
	for _, want := range []string{"panic in claim", "panic in work", "panic=job"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}

// lockedWriter serializes a logger's writes with the test's reads.
type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}
