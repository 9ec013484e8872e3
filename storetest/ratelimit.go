package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// testRateUsage checks enroll.RateUsageExchange: what one server
// publishes reaches the others whole (however many keys, in as many
// reports as the store needs), never the publisher itself, and the watch
// returns ctx's error when ctx ends.
func testRateUsage(t *testing.T, newStore Factory) {
	s := newStore(t)
	x, ok := s.(enroll.RateUsageExchange)
	if !ok {
		t.Skipf("%T does not implement enroll.RateUsageExchange", s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Each test's store may share a channel with others' (PostgreSQL
	// databases of one server do not), so origins are unique.
	me, other := "me-"+enroll.NewID(), "other-"+enroll.NewID()
	ready, used, done := make(chan struct{}, 1), make(chan map[string]int, 64), make(chan error, 1)
	go func() {
		done <- x.WatchRateUsage(ctx, me, func() { ready <- struct{}{} }, func(u map[string]int) { used <- u })
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("WatchRateUsage before ready: %v", err)
	case <-time.After(revocationWait):
		t.Fatal("WatchRateUsage never ready")
	}

	if err := x.PublishRateUsage(ctx, me, map[string]int{"own": 1}); err != nil {
		t.Fatal(err)
	}
	if err := x.PublishRateUsage(ctx, other, nil); err != nil {
		t.Fatal(err)
	}
	// More keys than one notification holds.
	want := map[string]int{}
	for i := range 1000 {
		want[fmt.Sprintf("key-%s-%d", other, i)] = i + 1
	}
	if err := x.PublishRateUsage(ctx, other, want); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	deadline := time.After(revocationWait)
	for len(got) < len(want) {
		select {
		case u := <-used:
			for k, n := range u {
				if _, ok := want[k]; !ok {
					if k == "own" {
						t.Fatal("the publisher's own usage reported to it")
					}
					continue // another test's
				}
				got[k] += n
			}
		case err := <-done:
			t.Fatalf("WatchRateUsage stopped: %v", err)
		case <-deadline:
			t.Fatalf("%d of %d keys' usage reported", len(got), len(want))
		}
	}
	if !maps.Equal(got, want) {
		t.Error("usage reported differs from usage published")
	}

	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("WatchRateUsage after cancel = %v, want context.Canceled", err)
		}
	case <-time.After(revocationWait):
		t.Fatal("WatchRateUsage did not return after its context ended")
	}
}
