package main

import (
	"bufio"
	"context"
	"strconv"
	"strings"
	"time"
)

// writerSample is a reading of an Enroll server's single-writer counters
// (enroll_db_writer_*), from its /metrics.
type writerSample struct {
	commits, writes float64
	busy            float64 // seconds
	ok              bool    // the server exports them (SQLite)
}

// readWriter scrapes the writer counters of the server at base; a server
// without them (a baseline, PostgreSQL) gives a sample that is not ok.
func readWriter(ctx context.Context, base string) writerSample {
	var s writerSample
	res, err := getOK(ctx, base+"/metrics")
	if err != nil {
		return s
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		var dst *float64
		switch name {
		case "enroll_db_writer_commits_total":
			dst = &s.commits
		case "enroll_db_writer_writes_total":
			dst = &s.writes
		case "enroll_db_writer_busy_seconds_total":
			dst = &s.busy
		default:
			continue
		}
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			*dst, s.ok = v, true
		}
	}
	return s
}

// writerFigures are the writer's figures over a measured run.
type writerFigures struct {
	// PerCommit is the mean number of writes sharing a commit.
	PerCommit float64
	// Busy is the share of the run's time the writer was running
	// transactions.
	Busy float64
	ok   bool
}

// since returns the figures between a and s, over elapsed.
func (s writerSample) since(a writerSample, elapsed time.Duration) writerFigures {
	if !s.ok || !a.ok || s.commits <= a.commits || elapsed <= 0 {
		return writerFigures{}
	}
	return writerFigures{PerCommit: (s.writes - a.writes) / (s.commits - a.commits),
		Busy: (s.busy - a.busy) / elapsed.Seconds(), ok: true}
}
