package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestImportProgressQueuedIsNotStalled: the time a job waited queued (behind
// another import) is not time a running job made no progress: a job that
// has just started running, its rows not yet moved, was shown as
// "no progress for" the whole wait at its first running line.
func TestImportProgressQueuedIsNotStalled(t *testing.T) {
	t.Parallel()
	var w bytes.Buffer
	every := 40 * time.Millisecond
	p := newRowProgress(&w, false, 100, every, rateMeter{start: time.Now()})
	p.show(&enroll.Import{Status: enroll.ImportQueued, TotalRows: 100})
	time.Sleep(4 * every)
	p.show(&enroll.Import{Status: enroll.ImportQueued, TotalRows: 100})
	time.Sleep(2 * every)
	// The job starts now: its first running poll.
	p.show(&enroll.Import{Status: enroll.ImportRunning, TotalRows: 100})
	lines := strings.Split(strings.TrimSpace(w.String()), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "running: ") || strings.Contains(last, "no progress") {
		t.Fatalf("the first line of a job that has just started running after waiting queued is %q, want no stall; all:\n%s", last, w.String())
	}
}
