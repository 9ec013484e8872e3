package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// timeLeft finds the time left a progress frame or line states, as the
// bar's "[elapsed:left]" or as "left" in words, and parses it.
func timeLeft(t *testing.T, frame string) time.Duration {
	t.Helper()
	m := regexp.MustCompile(`:([0-9hms.]+)\]`).FindStringSubmatch(frame)
	if m == nil {
		m = regexp.MustCompile(`([0-9hms.]+) left`).FindStringSubmatch(frame)
	}
	if m == nil {
		t.Fatalf("%q states no time left", frame)
	}
	d, err := time.ParseDuration(m[1])
	if err != nil {
		t.Fatalf("%q: time left %q: %v", frame, m[1], err)
	}
	return d
}

// TestRowProgressETAOfJobFollowedAgain: `enroll import --job ID`, the way
// to follow an import again after Ctrl-C, finds the job half done; the
// rows done before it was first seen took an unknown time, so the time
// left must come from the rows done since, as the rows/s beside it does.
// The bar's own prediction counted the first poll's rows as done in an
// instant and said a few seconds were left of a job that had a minute to
// go.
func TestRowProgressETAOfJobFollowedAgain(t *testing.T) {
	t.Parallel()
	var w bytes.Buffer
	rate := rateMeter{start: time.Now(), base: 50000}
	p := newRowProgress(&w, true, 100000, 0, rate)
	p.show(&enroll.Import{Status: enroll.ImportRunning, TotalRows: 100000, ProcessedRows: 50000, CreatedCount: 50000})
	time.Sleep(700 * time.Millisecond)
	p.show(&enroll.Import{Status: enroll.ImportRunning, TotalRows: 100000, ProcessedRows: 51000, CreatedCount: 51000})
	// 1,000 rows in about 0.7 s: about 35 s for the 49,000 left.
	frame := lastFrame(&w)
	if left := timeLeft(t, frame); left < 15*time.Second || left > 80*time.Second {
		t.Fatalf("the bar shows %q: %v left, want about 35s (49,000 rows at about 1,400 rows/s)", frame, left)
	}
}

// TestRowProgressLinesETA: in a pipe or a log the progress lines say how
// long is left too, as the progress does (rows done, rows/s, ETA;
// plain lines when not on a terminal).
func TestRowProgressLinesETA(t *testing.T) {
	t.Parallel()
	var w bytes.Buffer
	p := newRowProgress(&w, false, 100000, 0, rateMeter{start: time.Now().Add(-10 * time.Second)})
	p.show(&enroll.Import{Status: enroll.ImportRunning, TotalRows: 100000, ProcessedRows: 20000, CreatedCount: 20000})
	// 20,000 rows in 10 s: 40 s for the 80,000 left.
	line := w.String()
	if left := timeLeft(t, line); left < 30*time.Second || left > 50*time.Second {
		t.Fatalf("line %q: %v left, want about 40s", line, left)
	}
}

// TestRowProgressLinesWhileStalled: in a pipe or a log, a job that makes
// no progress still gets its line every interval (docs/import.md: "a line
// every five seconds"), so a log shows that it is waiting rather than
// nothing at all; it used to print only when the rows done changed.
func TestRowProgressLinesWhileStalled(t *testing.T) {
	t.Parallel()
	var w bytes.Buffer
	p := newRowProgress(&w, false, 100, 0, rateMeter{start: time.Now().Add(-time.Second)})
	for range 3 {
		p.show(&enroll.Import{Status: enroll.ImportRunning, TotalRows: 100, ProcessedRows: 40, CreatedCount: 40})
	}
	if n := strings.Count(w.String(), "running: 40/100 rows"); n != 3 {
		t.Errorf("%d lines for 3 polls of a stalled job:\n%s", n, w.String())
	}
}
