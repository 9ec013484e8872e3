package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
)

// rowProgress shows the rows of an import job as it is followed: a bar
// with the row count, the created/skipped/failed counts and rows/s on a
// terminal, a line every so often elsewhere.
type rowProgress struct {
	bar   *progressbar.ProgressBar // nil: lines
	out   io.Writer
	every time.Duration
	last  time.Time
	rate  rateMeter
	// seen is the rows processed at the last poll, and moved when they
	// last changed: a running job whose count stays put for two
	// intervals (--progress-every) is shown as making no progress.
	seen  int
	moved time.Time
	// status is the job's at the last poll: a change (queued to running)
	// starts the still time again, since a wait in the queue is no
	// stall of the job's rows.
	status enroll.ImportStatus
}

// newRowProgress starts showing a job of total rows on out.
func newRowProgress(out io.Writer, tty bool, total int, every time.Duration, rate rateMeter) *rowProgress {
	p := &rowProgress{out: out, every: every, rate: rate}
	if tty {
		p.bar = progressbar.NewOptions(max(total, 1), progressbar.OptionSetWriter(out),
			// The library's own rate averages over its redraws and shows "0 rows/hr"
			// after a jump; the rate in the description is the job's own.
			progressbar.OptionShowCount(),
			// The library's time left divides by its own rate too, which
			// counts the rows of a job followed again (--job) as done in an
			// instant: the description states the time left, from the
			// job's rate, and the bracket the time elapsed.
			progressbar.OptionSetPredictTime(false), progressbar.OptionSetElapsedTime(true), progressbar.OptionSetWidth(30),
			// Unthrottled: show draws once a poll, and its second drawing must
			// not be skipped (see show).
			progressbar.OptionThrottle(0),
			progressbar.OptionShowDescriptionAtLineEnd(), progressbar.OptionClearOnFinish())
	}
	return p
}

// show shows one state of the job.
func (p *rowProgress) show(cur *enroll.Import) {
	rate := p.rateOf(cur)
	if p.bar != nil {
		if cur.TotalRows > p.bar.GetMax() {
			p.bar.ChangeMax(cur.TotalRows)
		}
		// The library has no way to set both the count and the description
		// before drawing: Set draws the new count beside the old
		// description, then Describe draws the line again with both of this
		// poll, and that line stays until the next poll. With a throttle,
		// the second drawing would be skipped and the line would pair the
		// counts of two polls.
		_ = p.bar.Set(cur.ProcessedRows)
		p.bar.Describe(counts(cur) + rate)
		return
	}
	// A stalled job gets its line too: a log shows it waiting, not nothing.
	if time.Since(p.last) >= p.every && !cur.Finished() {
		p.last = time.Now()
		fmt.Fprintf(p.out, "%s: %d/%s (%s)%s\n", cur.Status, cur.ProcessedRows, enroll.Quantity(cur.TotalRows, "row", "rows"), counts(cur), rate)
	}
}

// rateOf describes the job's speed, or, for a running job whose rows
// have not moved for two intervals, how long they have not: a job whose
// server was killed reads as running until it goes stale, minutes on,
// and a rate measured from the start would fall, and the time left grow,
// at every poll, as if the import went on slowly.
func (p *rowProgress) rateOf(cur *enroll.Import) string {
	now := time.Now()
	if p.moved.IsZero() || cur.ProcessedRows != p.seen || cur.Status != p.status {
		p.seen, p.moved, p.status = cur.ProcessedRows, now, cur.Status
	}
	if still := now.Sub(p.moved); cur.Status == enroll.ImportRunning && p.every > 0 && still >= 2*p.every {
		return fmt.Sprintf(" no progress for %v", still.Round(time.Second))
	}
	return p.rate.of(cur)
}

// retrying says that a poll failed in a way that may pass and when the
// next one goes: without it, a server out of reach left the last line
// (or the bar, frozen) promising the job's end, for minutes.
func (p *rowProgress) retrying(err error, wait time.Duration) {
	msg := fmt.Sprintf("no answer from the server (%s): trying again in %v", failure(err), wait.Round(100*time.Millisecond))
	var prob *client.Problem
	if errors.As(err, &prob) {
		msg = fmt.Sprintf("the server answered %d (%s): trying again in %v", prob.Status, failure(err), wait.Round(100*time.Millisecond))
	}
	if p.bar != nil {
		p.bar.Describe(msg)
		return
	}
	if time.Since(p.last) >= p.every {
		p.last = time.Now()
		fmt.Fprintln(p.out, msg)
	}
}

// failure is the gist of a failed request: the system's word for a
// connection that failed ("connect: connection refused"), the problem's
// detail for an answer, without the method, path and URL around them.
func failure(err error) string {
	var prob *client.Problem
	var op *net.OpError
	var ue *url.Error
	switch {
	case errors.As(err, &prob):
		return cmp.Or(prob.Detail, prob.Title)
	case errors.As(err, &op):
		return op.Err.Error()
	case errors.As(err, &ue):
		return ue.Err.Error()
	}
	return errorText(err)
}

// finish takes the bar off the terminal.
func (p *rowProgress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

// counts says what a job did with its rows so far, or, for a dry run,
// what a real run would do.
func counts(im *enroll.Import) string {
	if im.DryRun {
		return fmt.Sprintf("%d would be created, %d would be skipped, %d failed", im.CreatedCount, im.SkippedCount, im.FailedRows)
	}
	return fmt.Sprintf("%d created, %d skipped, %d failed", im.CreatedCount, im.SkippedCount, im.FailedRows)
}

// rateMeter measures a job's speed since it was first seen: from the
// upload for a job the command starts, from the first poll for one it
// follows again (whose rows before that took an unknown time).
type rateMeter struct {
	start time.Time
	// base is the rows processed when the job was first seen.
	base int
}

// of describes im's speed so far and the time left at that speed, or ""
// before there is one.
func (r rateMeter) of(im *enroll.Import) string {
	secs := time.Since(r.start).Seconds()
	n := im.ProcessedRows - r.base
	if n <= 0 || secs <= 0 {
		return ""
	}
	perSec := float64(n) / secs
	if im.TotalRows <= im.ProcessedRows {
		// No total beyond the rows done (still being counted, or the
		// last rows): no time left to state.
		return fmt.Sprintf(" %.0f rows/s", perSec)
	}
	left := time.Duration(float64(im.TotalRows-im.ProcessedRows) / perSec * float64(time.Second))
	return fmt.Sprintf(" %.0f rows/s, %v left", perSec, left.Round(time.Second))
}
