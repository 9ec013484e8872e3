// Command webhook benchmarks webhook delivery (issue 5): events committed
// through the store at a fixed rate reach a local receiver through the
// Deliverer, and it reports the commit-to-delivery latency (p50, p99, max)
// and the delivery rate; then a backlog of events is drained as fast as the
// Deliverer goes, next to a baseline measured in the same run: bare signed
// POSTs of the same bodies to the same receiver, with the same concurrency
// and no database. Every figure is for SQLite, and for PostgreSQL when
// ENROLL_TEST_POSTGRES_URL (or ENROLL_TEST_POSTGRES) names a server.
//
//	go run ./bench/webhook                 # 500 events/s for 10 s, a 5,000-event backlog
//	go run ./bench/webhook -fairness       # also: one workspace's backlog over 10 slow endpoints, another's events meanwhile
//	go run ./bench/webhook -smoke          # a second or two: CI keeps it alive
//
// Loopback only; bounded in time.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"
)

// options are the command's flags.
type options struct {
	rate     int
	duration time.Duration
	backlog  int
	pgURL    string
	smoke    bool
	// The fairness run (see fairness), when fairness is set.
	fairness      bool
	fairOnly      bool
	fairBacklog   int
	fairEndpoints int
	fairDelay     time.Duration
}

func main() {
	var o options
	flag.IntVar(&o.rate, "rate", 500, "events committed per second in the latency run")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of the latency run")
	flag.IntVar(&o.backlog, "backlog", 5000, "events in the drain run")
	flag.StringVar(&o.pgURL, "postgres", firstEnv("ENROLL_TEST_POSTGRES_URL", "ENROLL_TEST_POSTGRES"), "PostgreSQL server to also measure on (\"\": SQLite only)")
	flag.BoolVar(&o.smoke, "smoke", false, "a short run with tiny sizes")
	flag.BoolVar(&o.fairness, "fairness", false, "also run the fairness run: a busy workspace's backlog, another workspace's events meanwhile")
	flag.BoolVar(&o.fairOnly, "fairness-only", false, "run the fairness run alone")
	flag.IntVar(&o.fairBacklog, "fair-backlog", 2000, "events the busy workspace commits in the fairness run")
	flag.IntVar(&o.fairEndpoints, "fair-endpoints", 10, "endpoints of the busy workspace, each receiving every event")
	flag.DurationVar(&o.fairDelay, "fair-delay", 50*time.Millisecond, "how long the busy workspace's receiver takes to answer")
	flag.Parse()
	o.fairness = o.fairness || o.fairOnly
	if o.smoke {
		o.rate, o.duration, o.backlog = 100, time.Second, 200
		o.fairBacklog, o.fairEndpoints, o.fairDelay = 50, 3, 0
	}
	if err := run(context.Background(), o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "webhook:", err)
		os.Exit(1)
	}
}

func firstEnv(keys ...string) string {
	for _, k := range keys {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return ""
}

// run measures every backend and prints the table.
func run(ctx context.Context, o options, out io.Writer) error {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	var fair []fairResult
	if o.fairness {
		for _, b := range backends(o) {
			r, err := fairness(ctx, b, o, logger)
			if err != nil {
				return fmt.Errorf("%s: fairness: %w", b.name, err)
			}
			fair = append(fair, r)
		}
		printFairness(out, o, fair)
		for _, r := range fair {
			if r.lost > 0 {
				return fmt.Errorf("%s: fairness: %d deliveries never made", r.backend, r.lost)
			}
		}
		if o.fairOnly {
			return nil
		}
	}
	var results []result
	base, err := baseline(ctx, o.backlog)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	for _, b := range backends(o) {
		r, err := measure(ctx, b, o, logger)
		if err != nil {
			return fmt.Errorf("%s: %w", b.name, err)
		}
		results = append(results, r)
	}
	printTable(out, o, base, results)
	for _, r := range results {
		if r.lost > 0 {
			return fmt.Errorf("%s: %d events never delivered", r.backend, r.lost)
		}
	}
	return nil
}
