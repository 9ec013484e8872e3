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

// TestImportFollowSaysServerUnreachable: while the server is out of reach
// the command rides it out for up to the client's RetryFor, and says so
// as it waits: it printed nothing for those two minutes, its last line
// (or a terminal's bar, frozen) promising the job's end in seconds, so
// that a server gone looked like a job stalled.
func TestImportFollowSaysServerUnreachable(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	job := s.newJob(t)
	s.close(t)
	c := client.New(s.url, s.secret)
	c.RetryFor = 600 * time.Millisecond
	m := NewMain()
	var stderr, stdout bytes.Buffer
	m.Stdout, m.Stderr = &stdout, &stderr
	o := importRun{errorsPath: "e.csv", poll: 20 * time.Millisecond, lines: 50 * time.Millisecond}
	err := m.follow(context.Background(), c, job, o, rateMeter{start: time.Now()}, func(*enroll.Import) time.Duration { return 0 })
	if err == nil || !client.IsTransient(err) {
		t.Fatalf("follow with the server gone: %v", err)
	}
	if got := stderr.String(); !strings.Contains(got, "no answer from the server") || !strings.Contains(got, "connection refused") ||
		!strings.Contains(got, "trying again") {
		t.Fatalf("while the server was out of reach, standard error held:\n%s", got)
	}
}
