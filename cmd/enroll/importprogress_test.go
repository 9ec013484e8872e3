package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// lastFrame is the last line a progress bar drew on w: what the terminal
// shows once the bar has been drawn over and over.
func lastFrame(w *bytes.Buffer) string {
	frames := strings.Split(w.String(), "\r")
	for i := len(frames) - 1; i >= 0; i-- {
		if f := strings.TrimSpace(frames[i]); f != "" {
			return f
		}
	}
	return ""
}

// TestRowProgressSamePoll: the bar shows the row count and the
// created/skipped/failed counts of one poll, however soon after the last
// one it comes; a dry run's bar and lines say what would be done.
func TestRowProgressSamePoll(t *testing.T) {
	t.Parallel()
	var w bytes.Buffer
	p := newRowProgress(&w, true, 100, 0, rateMeter{start: time.Now()})
	for i, n := range []int{10, 20, 30} {
		p.show(&enroll.Import{Status: enroll.ImportRunning, TotalRows: 100, ProcessedRows: n, CreatedCount: n})
		want := regexp.MustCompile(`\b` + strconv.Itoa(n) + `/100\b.*\b` + strconv.Itoa(n) + ` created, 0 skipped, 0 failed`)
		if f := lastFrame(&w); !want.MatchString(f) {
			t.Fatalf("poll %d: the bar shows %q, want %d rows and %d created", i, f, n, n)
		}
		// Polls both within and beyond the library's usual throttle.
		time.Sleep(time.Duration(i) * 80 * time.Millisecond)
	}

	w.Reset()
	dry := newRowProgress(&w, true, 100, 0, rateMeter{start: time.Now()})
	dry.show(&enroll.Import{Status: enroll.ImportRunning, DryRun: true, TotalRows: 100, ProcessedRows: 7, CreatedCount: 5, SkippedCount: 2})
	if f := lastFrame(&w); !strings.Contains(f, "5 would be created, 2 would be skipped, 0 failed") {
		t.Fatalf("dry run bar: %q", f)
	}
	w.Reset()
	lines := newRowProgress(&w, false, 100, 0, rateMeter{start: time.Now()})
	lines.show(&enroll.Import{Status: enroll.ImportRunning, DryRun: true, TotalRows: 100, ProcessedRows: 7, CreatedCount: 5, SkippedCount: 2})
	if got := w.String(); !strings.HasPrefix(got, "running: 7/100 rows (5 would be created, 2 would be skipped, 0 failed)") {
		t.Fatalf("dry run line: %q", got)
	}
	w.Reset()
	one := newRowProgress(&w, false, 1, 0, rateMeter{start: time.Now()})
	one.show(&enroll.Import{Status: enroll.ImportRunning, TotalRows: 1})
	if got := w.String(); !strings.HasPrefix(got, "running: 0/1 row (0 created, 0 skipped, 0 failed)") {
		t.Fatalf("line of a job of one row: %q", got)
	}
}
