package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
)

// errInterrupted ends a command stopped by SIGINT or SIGTERM, once it has
// said what it leaves behind.
var errInterrupted = errors.New("interrupted")

// followJob follows the import o.job, started earlier, as runImport
// follows the one it starts: `enroll import --job ID`.
func (m *Main) followJob(ctx context.Context, c *client.Client, o importRun) error {
	im, err := c.GetImport(ctx, o.job)
	if err != nil {
		return fmt.Errorf("import %s: %w", o.job, err)
	}
	if o.instance != "" && o.instance != im.ProgramInstanceID {
		return fmt.Errorf("import %s is of program instance %s, not %s (--instance)", im.ID, im.ProgramInstanceID, o.instance)
	}
	fmt.Fprintf(m.Stderr, "%s %s (program instance %s), %s: %d of %s done.\n", jobKind(im), im.ID, im.ProgramInstanceID, im.Status,
		im.ProcessedRows, enroll.Quantity(im.TotalRows, "row", "rows"))
	// The job ran before it was followed: its own times measure it.
	return m.follow(ctx, c, im, o, rateMeter{start: time.Now(), base: im.ProcessedRows}, jobTook)
}

// jobTook is how long a finished job ran, by its own times: from its
// creation to its end. A job without finishedAt (one that stopped with its
// server, read from a server that does not set it) ended at its last
// progress, updatedAt, which is also when any finished job was last
// written.
func jobTook(done *enroll.Import) time.Duration {
	end := done.UpdatedAt
	if done.FinishedAt != nil {
		end = *done.FinishedAt
	}
	return max(end.Sub(done.CreatedAt), 0)
}

// follow shows the progress of job im until it ends, then prints a
// summary and writes its errors to o.errorsPath. took measures the job
// for the summary. However it stops before the errors file is written
// (interrupted, the server out of reach for long, a key refused), it says
// that the job goes on, that the errors file was not written (and that one
// of its name there is an earlier run's), and how to follow it again.
func (m *Main) follow(ctx context.Context, c *client.Client, im *enroll.Import, o importRun, rate rateMeter, took func(*enroll.Import) time.Duration) error {
	progress := newRowProgress(m.Stderr, o.tty, im.TotalRows, o.lines, rate)
	// A copy, so that the caller's client reports nothing here.
	wait := *c
	wait.RetryNotify = progress.retrying
	done, err := wait.WaitImport(ctx, im.ID, o.poll, progress.show)
	progress.finish()
	switch {
	case err != nil && ctx.Err() != nil:
		return m.interrupted(im.ID, o)
	case err != nil && client.IsTransient(err):
		// WaitImport gave up: its error names the job and says it may
		// still be running on the server.
		return fmt.Errorf("%w\nIts %s.\nFollow it again with: %s", err, o.errorsNotWritten(), o.followCommand(im.ID))
	case err != nil:
		// A key revoked or narrowed meanwhile (401, 403) stops the
		// command, not the job.
		return fmt.Errorf("following import %[1]s: %[2]w\nImport %[1]s %[3]s", im.ID, err, o.goesOn(im.ID))
	}

	elapsed := took(done).Round(time.Millisecond)
	created, skipped := "created", "skipped"
	if done.DryRun {
		created, skipped = "would be created", "would be skipped"
	}
	summaryRate := ""
	if secs := elapsed.Seconds(); secs > 0 && done.ProcessedRows > 0 {
		summaryRate = fmt.Sprintf(" %.0f rows/s", float64(done.ProcessedRows)/secs)
	}
	// Standard output holds the errors when --errors is -: the summary
	// goes beside the progress then, so that the CSV stays whole.
	summary := m.Stdout
	if o.errorsPath == stdoutName {
		summary = m.Stderr
	}
	fmt.Fprintf(summary, "%s %s %s in %v: %s, %d %s, %d %s (already enrolled), %d failed (%s).%s\n",
		jobKind(done), done.ID, done.Status, elapsed, enroll.Quantity(done.ProcessedRows, "row", "rows"), done.CreatedCount, created, done.SkippedCount, skipped,
		done.FailedRows, enroll.Quantity(done.ErrorCount, "error", "errors"), summaryRate)
	// Written even when empty (the header alone), so that a file left by
	// an earlier run is never taken for this one's.
	if err := m.saveImportErrors(ctx, c, done.ID, o.errorsPath); err != nil {
		if ctx.Err() != nil {
			return m.interrupted(done.ID, o)
		}
		return fmt.Errorf("%w\nIts %s.\nWrite it again with: %s", err, o.errorsNotWritten(), o.followCommand(done.ID))
	}
	// Named always: the file was written, and replaced any an earlier
	// run left.
	where := o.errorsPath
	if where == stdoutName {
		where = "written to standard output"
	}
	if done.ErrorCount > 0 {
		fmt.Fprintf(summary, "Errors: %s\n", where)
	} else {
		fmt.Fprintf(summary, "Errors: %s (none: the header row alone)\n", where)
	}
	if done.Status == enroll.ImportFailed {
		why := shown(done.Message)
		if why == "" {
			why = "the server gave no reason"
		}
		return fmt.Errorf("import %s failed: %s", done.ID, why)
	}
	return nil
}

// interrupted says what an import command stopped by a signal leaves
// behind: the job, which goes on on the server, and no errors file.
func (m *Main) interrupted(id string, o importRun) error {
	fmt.Fprintf(m.Stderr, "Interrupted: import %s %s\n", id, o.goesOn(id))
	return errInterrupted
}

// goesOn says, after "import ID", what a command that stopped following
// job id leaves behind: the job, which goes on on the server, no errors
// file, and the command that follows it again.
func (o importRun) goesOn(id string) string {
	return fmt.Sprintf("goes on on the server; its %s.\nFollow it to its end again (progress, summary, errors file) with:\n  %s",
		o.errorsNotWritten(), o.followCommand(id))
}

// errorsNotWritten says that the errors were not written, and, when a
// file of the errors file's name is there, that it is an earlier run's:
// not to be taken for this one's.
func (o importRun) errorsNotWritten() string {
	if o.errorsPath == stdoutName {
		return "errors were not written to standard output, or only in part"
	}
	s := "errors file " + o.errorsPath + " was not written"
	if _, fi, err := outputTarget(o.errorsPath); err == nil && fi != nil && fi.Mode().IsRegular() {
		s += ": the " + o.errorsPath + " there is an earlier run's"
	}
	return s
}

// followCommand is the command that follows job id again, writing its
// errors where this one would have.
func (o importRun) followCommand(id string) string {
	cmd := "enroll import --job " + shellQuote(id) + " --errors " + shellQuote(o.errorsPath)
	if o.url != "" && o.url != defaultURL {
		cmd += " --url " + shellQuote(o.url)
	}
	return cmd
}

// shellQuote quotes s for a POSIX shell when it holds more than letters,
// digits and punctuation that shells take as it is.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.,/:@%+=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
