package enroll

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// DefaultImportBatch is how many rows RunImport writes per transaction:
// enough that one commit (one fsync, and the checkpoint it may start)
// serves many rows — a batch of 1,000 costs about a tenth less CPU per row
// than one of 500 (docs/import.md) — and few enough that a batch holds
// SQLite's single writer for a fraction of a second (about a third of a
// second on two slow cores), so other writes are not held up long.
const DefaultImportBatch = 1000

// RunImport runs a job stored by CreateImport: it reads dec's rows, gives
// CSV parameter values their declared types, writes them in batches of
// batchSize (0: DefaultImportBatch) with ImportEnrollments, and finishes the
// job: succeeded once every row is read, failed with a message when the
// file cannot be read further or a batch fails. It returns the finished
// job, and the error that failed it, if any.
//
// Cancelling ctx stops the import at the next batch boundary (a batch in
// flight completes): the job fails with a message saying that running the
// same file again finishes it, which re-running does, since rows already
// imported are skipped; a dry run's says to run it again (RunAgain).
func RunImport(ctx context.Context, s ImportStore, a Actor, im *Import, dec RowDecoder, batchSize int) (*Import, error) {
	if batchSize <= 0 {
		batchSize = DefaultImportBatch
	}
	// Writes outlive ctx: a batch is never cut in the middle, and the job
	// is always finished.
	wctx := context.WithoutCancel(ctx)
	fail := func(cur *Import, err error, format string, args ...any) (*Import, error) {
		msg := fmt.Sprintf(format, args...)
		done, ferr := finishImport(ctx, wctx, s, a, im.ID, ImportFailed, msg)
		if ferr != nil {
			if cur == nil {
				cur = im
			}
			return cur, errors.Join(err, ferr)
		}
		return done, err
	}
	inst, err := s.FindInstance(wctx, a.WorkspaceID, im.ProgramInstanceID)
	if err != nil {
		return fail(nil, err, "The import cannot start: %s", storeErrorMessage(s, err))
	}
	cur, err := s.ImportEnrollments(wctx, a, im.ID, nil)
	if err != nil {
		return fail(nil, err, "The import cannot start: %s", storeErrorMessage(s, err))
	}
	// Batches are read (and, with an ImportPreparer, planned ahead) by a
	// goroutine of their own, one batch ahead of the writes; it is stopped
	// and waited for before RunImport returns, as dec may not outlive it.
	batches := make(chan importBatch, 1)
	stop, stopped := make(chan struct{}), make(chan struct{})
	defer func() { close(stop); <-stopped }()
	go readImportBatches(wctx, s, a, im, inst, dec, batchSize, batches, stop, stopped)
	for b := range batches {
		if ctx.Err() != nil {
			return fail(cur, nil, "The %s was stopped after %s because the server shut down. %s",
				im.kind(), Quantity(cur.ProcessedRows, "row", "rows"), im.RunAgain())
		}
		if len(b.rows) > 0 {
			var next *Import
			var err error
			if pp, ok := s.(ImportPreparer); ok { // b.prep is nil otherwise
				next, err = pp.ImportPrepared(wctx, a, im.ID, b.rows, b.prep)
			} else {
				next, err = s.ImportEnrollments(wctx, a, im.ID, b.rows)
			}
			if err != nil {
				return fail(cur, err, "The %s stopped: %s %s", im.kind(), storeErrorMessage(s, err), im.RunAgain())
			}
			cur = next
		}
		switch {
		case errors.Is(b.readErr, io.EOF):
			return finishImport(ctx, wctx, s, a, im.ID, ImportSucceeded, "")
		case b.readErr != nil:
			msg := b.readErr.Error()
			var de *Error
			if errors.As(b.readErr, &de) {
				msg = de.Message
			}
			if im.DryRun {
				// A cut in a CSV file says to run it again once fixed;
				// a dry run skips nothing then.
				msg = strings.Replace(msg, "; "+rowsSkipped+".", ".", 1)
			}
			return fail(cur, b.readErr, "The file cannot be read after %s: %s", Quantity(cur.ProcessedRows, "row", "rows"), msg)
		}
	}
	// The reader stops only after a read error, which the loop returns on.
	return fail(cur, nil, "The %s stopped unexpectedly after %s. %s", im.kind(), Quantity(cur.ProcessedRows, "row", "rows"), im.RunAgain())
}

// finishImport finishes job id, trying again while the store fails: a
// batch fails when the database goes away, and so does recording that at
// once, which left the job reading as running, with no one running it,
// until it went stale and read as failed by a stopped server
// (TestImportEndsWhenDatabaseReturns). It stops trying once ctx is done
// (the server is shutting down) or the job would have gone stale anyway.
func finishImport(ctx, wctx context.Context, s ImportStore, a Actor, id string, status ImportStatus, msg string) (*Import, error) {
	deadline := time.Now().Add(ImportStaleAfter)
	for delay := 250 * time.Millisecond; ; delay = min(2*delay, 5*time.Second) {
		done, err := s.FinishImport(wctx, a, id, status, msg)
		if err == nil || ErrorCode(err) != EINTERNAL || time.Now().Add(delay).After(deadline) {
			return done, err
		}
		select {
		case <-ctx.Done():
			return done, err
		case <-time.After(delay):
		}
	}
}

// importBatch is a batch of rows read from an import file, planned ahead
// when the store can (prep), and the error that ended the reading, if any
// (io.EOF at the end of the file).
type importBatch struct {
	rows    []*ImportRow
	prep    *PreparedImport
	readErr error
}

// readImportBatches reads dec's rows in batches of batchSize, gives CSV
// parameter values their declared types, plans each batch ahead when s is
// an ImportPreparer, and sends the batches to out until a read error
// (sent with the last batch) or stop; it closes out and then stopped.
func readImportBatches(ctx context.Context, s ImportStore, a Actor, im *Import, inst *ProgramInstance, dec RowDecoder,
	batchSize int, out chan<- importBatch, stop <-chan struct{}, stopped chan<- struct{}) {
	defer close(stopped)
	defer close(out)
	pp, prepares := s.(ImportPreparer)
	for {
		b := importBatch{rows: make([]*ImportRow, 0, batchSize)}
		for len(b.rows) < batchSize {
			row, err := dec.Next()
			if err != nil {
				b.readErr = err
				break
			}
			if row.Create != nil && im.Format == FormatCSV {
				inst.CoerceParameters(row.Create.Parameters)
			}
			b.rows = append(b.rows, row)
		}
		if prepares && len(b.rows) > 0 {
			// A batch that cannot be planned ahead is planned when it is
			// written, where any error it meets is reported.
			b.prep, _ = pp.PrepareImport(ctx, a, im.ID, b.rows)
		}
		select {
		case out <- b:
		case <-stop:
			return
		}
		if b.readErr != nil {
			return
		}
	}
}
