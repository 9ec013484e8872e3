package enroll_test

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/enrollhq/enroll"
)

// TestRowCounter checks that the count made while a file is received
// equals the rows the decoder reads, however the file is cut into writes.
func TestRowCounter(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		format, file string
	}{
		{enroll.FormatCSV, ""},
		{enroll.FormatCSV, "email\n"},
		{enroll.FormatCSV, "email\na@example.com"},
		{enroll.FormatCSV, "email\r\na@example.com\r\n\r\nb@example.com\r\n"},
		{enroll.FormatCSV, "firstName,notes\nA,\"line one\nline two, with \"\"quotes\"\"\n\nand a blank line\"\nB,\"\"\n  \n,\n"},
		{enroll.FormatCSV, "a,b\n\"x\"\"\",y\n\"\",\"\"\n"},
		// A quoted first cell spanning lines (the counter lost its quote
		// at a line's start), and rows of blank cells.
		{enroll.FormatCSV, "notes,email\n\"one\ntwo\",a@example.com\n\" \",\n , \t,\n\"\"\"\",\n"},
		// Unicode spaces make a row (with errors), ASCII ones a blank line;
		// a byte order mark is skipped, alone on its line too.
		{enroll.FormatCSV, "\ufefffirstName,lastName\n\u00a0,\u00a0\n\f,\v\nA,B\n"},
		{enroll.FormatCSV, "\ufeff\nfirstName\nA\n"},
		// Bare CR line ends (old Mac), which the first line's end reveals;
		// elsewhere a bare CR is a character of its cell.
		{enroll.FormatCSV, "email\ra@example.com\r\r , \rb@example.com\r"},
		{enroll.FormatCSV, "firstName,notes\rA,\"x\ry\"\r,\r\"\"\rB,\"z\"\r\nC,\"\r\"\rD,e"},
		{enroll.FormatCSV, "a,b\r\nc\rd,e\r\n\r\n"},
		{enroll.FormatCSV, "a,b\nc\rd,e\n\r\n"},
		{enroll.FormatNDJSON, "\ufeff\n{}\n\u00a0\n\f\n\u3000{}\n"},
		{enroll.FormatNDJSON, "\xef\xbb{}\n"},
		{enroll.FormatNDJSON, ""},
		{enroll.FormatNDJSON, "{}\n\n  \n{}\r\n{}"},
		{enroll.FormatNDJSON, "{\"notes\": \"a \\\" quote\"}\n"},
	} {
		want := 0
		if d, err := enroll.NewRowDecoder(c.format, strings.NewReader(c.file)); err == nil {
			for {
				if _, err := d.Next(); errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					t.Fatal(err)
				}
				want++
			}
		}
		for _, chunk := range []int{1, 3, len(c.file) + 1} {
			rc := enroll.NewRowCounter(c.format)
			for i := 0; i < len(c.file); i += chunk {
				_, _ = rc.Write([]byte(c.file[i:min(i+chunk, len(c.file))]))
			}
			if got := rc.Rows(); got != want {
				t.Errorf("%s %q in writes of %d: %d rows, decoder reads %d", c.format, c.file, chunk, got, want)
			}
		}
	}
}

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
		if im.Status != c.want || (c.want == enroll.ImportFailed) != strings.Contains(im.Message, "Run the same file again") {
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
