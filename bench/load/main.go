// Command load benchmarks Enroll end to end: it starts the service on a fresh
// database, loads enrollments, drives HTTP load at fixed concurrency with
// vegeta, and prints every figure next to a baseline measured in the same
// run — a bare net/http server that only decodes and encodes the JSON, and a
// bare SQLite server that stores and reads the same document — with the
// ratio Enroll ÷ baseline, so results stay comparable on a noisy machine.
//
//	go run ./bench/load                 # full run: 10,000 and 1,000,000 enrollments
//	go run ./bench/load -smoke          # a few seconds, tiny sizes: CI keeps the harness alive
//	go run ./bench/load -out docs/x.md  # also write the table as markdown
//
// Each server runs as a child process of this command (the same binary,
// re-executed with ENROLL_BENCH_ROLE set), so its peak RSS and CPU time are
// its own, not the load generator's. See docs/benchmarks.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if role := os.Getenv(roleEnv); role != "" {
		os.Exit(childMain(role, os.Args[1:]))
	}
	o, err := parseOptions(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := run(ctx, o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}
