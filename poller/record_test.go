package poller_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/enrollhq/enroll/poller"
)

func TestRecordUntil(t *testing.T) {
	t.Parallel()
	busy := errors.New("busy")
	tests := []struct {
		name      string
		until     time.Duration // from now
		fails     int           // tries that fail before one succeeds; -1: all
		wantTries int           // 0: not checked
		wantErr   bool
		wantWaits []time.Duration
	}{
		{name: "recorded at once", until: time.Minute, fails: 0, wantTries: 1},
		{name: "recorded on the third try", until: time.Minute, fails: 2, wantTries: 3,
			wantWaits: []time.Duration{poller.RecordFirstWait, 2 * poller.RecordFirstWait}},
		{name: "lease already over: one try", until: -time.Second, fails: -1, wantTries: 1, wantErr: true},
		{name: "gives up before the lease ends", until: 250 * time.Millisecond, fails: -1, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			until := start.Add(tt.until)
			var starts []time.Time
			var waits []time.Duration
			tries, err := poller.RecordUntil(until, time.Second, func(ctx context.Context) error {
				if d, ok := ctx.Deadline(); !ok || time.Until(d) > time.Second {
					t.Errorf("a try's context has no deadline within the timeout")
				}
				starts = append(starts, time.Now())
				if tt.fails < 0 || len(starts) <= tt.fails {
					return busy
				}
				return nil
			}, func(_ int, wait time.Duration, err error) {
				if !errors.Is(err, busy) {
					t.Errorf("retrying heard %v", err)
				}
				waits = append(waits, wait)
			})
			if (err != nil) != tt.wantErr || tries != len(starts) || (tt.wantTries != 0 && tries != tt.wantTries) {
				t.Fatalf("tries %d (%d made), err %v; want %d, error %v", tries, len(starts), err, tt.wantTries, tt.wantErr)
			}
			if tt.wantWaits != nil && !slices.Equal(waits, tt.wantWaits) {
				t.Errorf("waits %v, want %v", waits, tt.wantWaits)
			}
			for i, s := range starts[1:] {
				if s.After(until) {
					t.Errorf("try %d began %v after the lease ended", i+2, s.Sub(until))
				}
			}
			if tt.wantErr && tt.until > 0 && len(starts) < 2 {
				t.Errorf("gave up after one try with %v of lease left", tt.until)
			}
		})
	}
}
