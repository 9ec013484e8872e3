package enroll_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/enrollhq/enroll"
)

func TestImportSettle(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		status enroll.ImportStatus
		quiet  time.Duration
		want   enroll.ImportStatus
	}{
		{enroll.ImportRunning, time.Second, enroll.ImportRunning},
		{enroll.ImportRunning, enroll.ImportStaleAfter + time.Second, enroll.ImportFailed},
		{enroll.ImportQueued, enroll.ImportStaleAfter + time.Second, enroll.ImportFailed},
		{enroll.ImportSucceeded, 24 * time.Hour, enroll.ImportSucceeded},
	} {
		updated := now.Add(-c.quiet)
		im := &enroll.Import{Status: c.status, CreatedAt: updated.Add(-time.Minute), UpdatedAt: updated, ProcessedRows: 500}
		if c.status == enroll.ImportSucceeded {
			im.FinishedAt = &updated
		}
		im.Settle(now)
		if im.Status != c.want || (c.want == enroll.ImportFailed) != strings.Contains(im.Message, "Run the same file again (with a new Idempotency-Key, if the upload had one) to finish it") {
			t.Errorf("%s quiet for %v: %s %q", c.status, c.quiet, im.Status, im.Message)
		}
		// A finished job has its end: a stale one ended at its last
		// progress, which its time and rate are measured to.
		switch {
		case im.Finished() && (im.FinishedAt == nil || !im.FinishedAt.Equal(updated)):
			t.Errorf("%s quiet for %v: %s, finishedAt %v, want %v", c.status, c.quiet, im.Status, im.FinishedAt, updated)
		case !im.Finished() && im.FinishedAt != nil:
			t.Errorf("%s quiet for %v: unfinished, finishedAt %v", c.status, c.quiet, im.FinishedAt)
		}
	}
	// The message counts the rows imported in words that agree with them.
	for rows, want := range map[int]string{0: "after 0 rows:", 1: "after 1 row:", 2: "after 2 rows:"} {
		im := &enroll.Import{Status: enroll.ImportRunning, UpdatedAt: now.Add(-enroll.ImportStaleAfter - time.Second), ProcessedRows: rows}
		if im.Settle(now); !strings.Contains(im.Message, "The import was interrupted "+want) {
			t.Errorf("%d rows: %q, want %q", rows, im.Message, want)
		}
	}
	// A dry run wrote nothing: it has nothing to finish, no rows to skip.
	im := &enroll.Import{Status: enroll.ImportRunning, DryRun: true, UpdatedAt: now.Add(-enroll.ImportStaleAfter - time.Second), ProcessedRows: 3}
	im.Settle(now)
	if want := "The dry run was interrupted after 3 rows: the server running it stopped. " +
		"Run the dry run again (with a new Idempotency-Key, if the upload had one): it wrote nothing, so it checks the file from its first row."; im.Message != want {
		t.Errorf("dry run: %q, want %q", im.Message, want)
	}
}

// fakeImportStore is the store RunImport writes to, without a database:
// each batch's rows are counted as failed, and written, if set, is called
// after each batch of rows.
type fakeImportStore struct {
	enroll.ImportStore // nil: RunImport calls only the methods below
	im                 enroll.Import
	written            func()
}

func (s *fakeImportStore) FindInstance(context.Context, string, string) (*enroll.ProgramInstance, error) {
	return &enroll.ProgramInstance{}, nil
}

func (s *fakeImportStore) ImportEnrollments(_ context.Context, _ enroll.Actor, _ string, rows []*enroll.ImportRow) (*enroll.Import, error) {
	s.im.ProcessedRows += len(rows)
	s.im.FailedRows += len(rows)
	if len(rows) > 0 && s.written != nil {
		s.written()
	}
	im := s.im
	return &im, nil
}

func (s *fakeImportStore) FinishImport(_ context.Context, _ enroll.Actor, _ string, status enroll.ImportStatus, msg string) (*enroll.Import, error) {
	s.im.Status, s.im.Message = status, msg
	im := s.im
	return &im, nil
}

// rowsThen yields n rows (each with an error), then err.
type rowsThen struct {
	n, read int
	err     error
}

func (d *rowsThen) HeaderErrors() []enroll.ImportError { return nil }

func (d *rowsThen) Next() (*enroll.ImportRow, error) {
	if d.read == d.n {
		return nil, d.err
	}
	d.read++
	return &enroll.ImportRow{Row: d.read + 1, Errors: []enroll.ImportError{{Row: d.read + 1, Message: "bad"}}}, nil
}

// TestRunImportStopped: a job that stops before the end of its file says
// after how many rows, in words that agree with them.
func TestRunImportStopped(t *testing.T) {
	t.Parallel()
	reset := errors.New("connection reset")
	for _, c := range []struct {
		rows    int
		readErr error
		// cancelAfter is the batch (of one row) after which the server
		// shuts down; 0 for none.
		cancelAfter int
		want        string
	}{
		{1, reset, 0, "The file cannot be read after 1 row: connection reset"},
		{2, reset, 0, "The file cannot be read after 2 rows: connection reset"},
		{0, reset, 0, "The file cannot be read after 0 rows: connection reset"},
		{3, io.EOF, 1, "The import was stopped after 1 row because the server shut down."},
		{3, io.EOF, 2, "The import was stopped after 2 rows because the server shut down."},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		s := &fakeImportStore{}
		batches := 0
		s.written = func() {
			if batches++; batches == c.cancelAfter {
				cancel()
			}
		}
		im, _ := enroll.RunImport(ctx, s, enroll.Actor{}, &enroll.Import{ID: "j", Format: enroll.FormatCSV}, &rowsThen{n: c.rows, err: c.readErr}, 1)
		cancel()
		if im.Status != enroll.ImportFailed || !strings.HasPrefix(im.Message, c.want) {
			t.Errorf("%d rows, then %v, stopped after batch %d: %s %q, want %q", c.rows, c.readErr, c.cancelAfter, im.Status, im.Message, c.want)
		}
	}
	// A dry run says to run it again, not that rows already imported are
	// skipped: it imported none. So does a cut in its CSV file.
	long := "firstName,lastName,email,notes\nA,B,a@example.com,n\nC,D,c@example.com," + strings.Repeat("x", 2<<20) + "\n"
	for _, c := range []struct {
		cancelAfter int
		file        string
		want        string
	}{
		{1, "email\na@example.com\nb@example.com\n", "The dry run was stopped after 1 row because the server shut down. " +
			"Run the dry run again (with a new Idempotency-Key, if the upload had one): it wrote nothing, so it checks the file from its first row."},
		{0, long, "The file cannot be read after 1 row: row 3 is longer than 1 MiB (a cell too large), so the rest of the file was not read. " +
			"Shorten the row and run the same file again."},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		s := &fakeImportStore{}
		batches := 0
		s.written = func() {
			if batches++; batches == c.cancelAfter {
				cancel()
			}
		}
		dec, err := enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(c.file))
		if err != nil {
			t.Fatal(err)
		}
		im, _ := enroll.RunImport(ctx, s, enroll.Actor{}, &enroll.Import{ID: "j", Format: enroll.FormatCSV, DryRun: true}, dec, 1)
		cancel()
		if im.Status != enroll.ImportFailed || im.Message != c.want {
			t.Errorf("dry run: %s %q, want %q", im.Status, im.Message, c.want)
		}
	}
}

func TestRowErrors(t *testing.T) {
	t.Parallel()
	in := &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerID, CustomerID: "c1",
		Parameters: []enroll.ParameterValue{{ExternalID: "kw", Value: "x"}, {ExternalID: "acct", Value: "y"}}}
	invalid := enroll.Invalid{{Location: "parameters[1].value", Message: "must be a number"}, {Location: "address.city", Message: "too long"},
		{Location: "groupIds[1]", Message: "is not a group"}, {Location: "devices[0].serialNumber", Message: "too long"}}
	for _, c := range []struct {
		err  error
		want []string
	}{
		{enroll.Errorf(enroll.ENOTFOUND, "Customer c1 not found."), []string{"customerId"}},
		{invalid.Err(), []string{"parameters.acct", "address.city", "groupIds", "devices"}},
		{&enroll.Error{Code: enroll.ECONFLICT, Message: "taken", Extra: map[string]any{"parameter": "acct"}}, []string{"parameters.acct"}},
		{errors.New("disk on fire"), []string{""}},
	} {
		got := enroll.RowErrors(7, in, c.err)
		if len(got) != len(c.want) {
			t.Fatalf("%v: %+v", c.err, got)
		}
		for i, e := range got {
			if e.Row != 7 || e.Field != c.want[i] || e.Message == "" {
				t.Errorf("%v: error %d = %+v, want field %q", c.err, i, e, c.want[i])
			}
		}
	}
	if got := enroll.RowErrors(7, in, invalid.Err()); got[2].Message != "item 2: is not a group" || got[3].Message != "item 1, serialNumber: too long" {
		t.Errorf("list items: %+v", got)
	}
	var p enroll.ImportProgress
	p.Fail(3, in, invalid.Err())
	im := &enroll.Import{TotalRows: 1}
	p.Rows = 2
	im.Add(p)
	if im.FailedRows != 1 || im.ErrorCount != 4 || im.ProcessedRows != 2 || im.TotalRows != 2 || len(im.Errors) != 4 {
		t.Fatalf("after Add: %+v", im)
	}
	// Errors quote the file; they are made storable.
	bad := enroll.ImportProgress{Errors: []enroll.ImportError{{Row: 1, Field: "a\x00b\xffc" + strings.Repeat("x", 5000), Message: "m\x00"}}}
	im.Add(bad)
	if f := bad.Errors[0].Field; !utf8.ValidString(f) || strings.ContainsRune(f, 0) || len(f) > 1100 || !strings.HasPrefix(f, "ab\uFFFDc") || bad.Errors[0].Message != "m" {
		t.Fatalf("cleaned error = %+v", bad.Errors[0])
	}
}
