package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
)

// TestImportFollowSaysJobStalled: a running job that makes no progress (its
// server killed, the job read as running until it goes stale two minutes
// on) is shown as making none: its lines went on giving a rate falling
// from the last one measured and a time left growing by the poll ("684
// rows/s, 1m10s left" ... "98 rows/s, 8m8s left"), which read as an
// import going on, slowly. Two --progress-every without progress make a
// job stalled.
func TestImportFollowSaysJobStalled(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	job := s.newJob(t)
	var rows []*enroll.ImportRow
	for i := range 4 {
		rows = append(rows, &enroll.ImportRow{Row: i + 2, Errors: []enroll.ImportError{{Row: i + 2, Field: "email", Message: "must be an email address"}}})
	}
	if _, err := s.jobs.ImportEnrollments(ctx, s.actor, job.ID, rows); err != nil {
		t.Fatal(err)
	}
	c := client.New(s.url, s.secret)
	m := NewMain()
	var stderr, stdout bytes.Buffer
	m.Stdout, m.Stderr = &stdout, &stderr
	o := importRun{errorsPath: "e.csv", poll: 20 * time.Millisecond, lines: 50 * time.Millisecond}
	fctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_ = m.follow(fctx, c, job, o, rateMeter{start: time.Now().Add(-time.Second)}, func(*enroll.Import) time.Duration { return 0 })
	got := stderr.String()
	lines := strings.Split(strings.TrimSpace(got), "\n")
	var last string
	for _, l := range lines {
		if strings.HasPrefix(l, "running: ") {
			last = l
		}
	}
	if !strings.Contains(last, "no progress for ") || strings.Contains(last, " left") {
		t.Fatalf("the last line of a job stalled for 1s (--progress-every 50ms) is %q, want it to say no progress and no time left; all:\n%s", last, got)
	}
}
