package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestSmoke runs the benchmark briefly so that it never rots. It checks
// every event arrived, never a timing.
func TestSmoke(t *testing.T) {
	t.Parallel()
	o := options{rate: 100, duration: time.Second, backlog: 200, pgURL: firstEnv("ENROLL_TEST_POSTGRES_URL", "ENROLL_TEST_POSTGRES"),
		fairness: true, fairBacklog: 50, fairEndpoints: 3}
	if o.pgURL == "" && os.Getenv("CI") == "true" {
		t.Fatal("CI sets ENROLL_TEST_POSTGRES; PostgreSQL must be measured too")
	}
	var out bytes.Buffer
	if err := run(context.Background(), o, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if strings.Count(out.String(), "| SQLite |") != 2 {
		t.Fatalf("no SQLite row:\n%s", out.String())
	}
	t.Log("\n" + out.String())
}
