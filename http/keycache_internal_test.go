package http

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/enrollhq/enroll"
)

func TestKeyCacheExpiry(t *testing.T) {
	t.Parallel()
	var c keyCache
	now := time.Now()
	k := &enroll.APIKey{ID: "k1"}
	if got, _ := c.get("h1", now); got != nil {
		t.Fatal("empty cache returned a key")
	}
	_, gen := c.get("h1", now)
	c.put("h1", k, gen, now)
	if got, _ := c.get("h1", now.Add(keyCacheTTL-time.Millisecond)); got != k {
		t.Error("key not cached within its TTL")
	}
	if got, _ := c.get("h1", now.Add(keyCacheTTL)); got != nil {
		t.Error("key cached past its TTL")
	}
}

// TestKeyCacheForget checks that forgetting a key drops it, and that a
// look-up which began before the forget (and may have read the key
// before its revocation) does not cache it.
func TestKeyCacheForget(t *testing.T) {
	t.Parallel()
	var c keyCache
	now := time.Now()
	k := &enroll.APIKey{ID: "k1"}
	_, gen := c.get("h1", now)
	c.put("h1", k, gen, now)
	_, stale := c.get("h2", now) // a look-up of k under way
	c.forget("k1")
	if got, _ := c.get("h1", now); got != nil {
		t.Error("forgotten key still cached")
	}
	c.put("h1", k, stale, now)
	if got, _ := c.get("h1", now); got != nil {
		t.Error("a look-up older than the forget cached the key")
	}
	_, gen = c.get("h1", now)
	c.put("h1", k, gen, now)
	if got, _ := c.get("h1", now); got != k {
		t.Error("a look-up after the forget did not cache the key")
	}
}

func TestKeyCacheBounded(t *testing.T) {
	t.Parallel()
	var c keyCache
	now := time.Now()
	for i := range keyCacheSize + 100 {
		_, gen := c.get("", now)
		c.put(fmt.Sprint("h", i), &enroll.APIKey{ID: fmt.Sprint("k", i)}, gen, now)
	}
	if n := len(c.entries); n > keyCacheSize {
		t.Errorf("%d keys cached, at most %d", n, keyCacheSize)
	}
	if got, _ := c.get(fmt.Sprint("h", keyCacheSize+99), now); got == nil {
		t.Error("the newest key was not cached")
	}
}

// flakyWatcher fails its first calls, as a watch does while the database
// is unreachable, then calls ready and reports "k1".
type flakyWatcher struct {
	failures int
	calls    int
	reported chan struct{}
}

func (w *flakyWatcher) WatchKeyRevocations(ctx context.Context, ready func(), revoked func(string)) error {
	w.calls++
	if w.calls <= w.failures {
		return errors.New("connection refused")
	}
	ready()
	revoked("k1")
	close(w.reported)
	<-ctx.Done()
	return ctx.Err()
}

// TestWatchRevocations checks the server's side of the watch: it tries
// again after failures, empties the cache when the watch is ready (it may
// have missed revocations meanwhile, so a look-up under way must not cache
// what it read either), forgets the keys reported, and stops with ctx.
func TestWatchRevocations(t *testing.T) {
	t.Parallel()
	s := &Server{touches: newToucher(nil, slog.New(slog.DiscardHandler)), logger: slog.New(slog.DiscardHandler), metrics: newMetrics()}
	up := s.metrics.watchUp.WithLabelValues("key_revocations")
	c := &s.touches.keys
	now := time.Now()
	_, gen := c.get("h1", now)
	c.put("h1", &enroll.APIKey{ID: "k1"}, gen, now)
	c.put("h2", &enroll.APIKey{ID: "k2"}, gen, now)

	w := &flakyWatcher{failures: 2, reported: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { s.watchRevocations(ctx, w); close(stopped) }()
	select {
	case <-w.reported:
	case <-time.After(10 * time.Second):
		t.Fatal("the watch was not tried again after its failures")
	}
	if v := gaugeValue(up); v != 1 {
		t.Errorf("enroll_watch_up = %v while watching, want 1", v)
	}
	for _, h := range []string{"h1", "h2"} {
		if got, _ := c.get(h, now); got != nil {
			t.Errorf("key %s still cached after the watch started again", got.ID)
		}
	}
	c.put("h2", &enroll.APIKey{ID: "k2"}, gen, now)
	if got, _ := c.get("h2", now); got != nil {
		t.Error("a look-up begun before the watch was ready cached its key")
	}
	cancel()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("watchRevocations did not stop with its context")
	}
	if v := gaugeValue(up); v != 0 {
		t.Errorf("enroll_watch_up = %v once stopped, want 0", v)
	}
	if w.calls != w.failures+1 {
		t.Errorf("%d calls, want %d", w.calls, w.failures+1)
	}
}

// gaugeValue reads a gauge's value.
func gaugeValue(g prometheus.Gauge) float64 {
	var m dto.Metric
	if err := g.Write(&m); err != nil {
		return -1
	}
	return m.GetGauge().GetValue()
}
