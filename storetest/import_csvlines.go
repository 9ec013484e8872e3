package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// testImportCSVLines checks that an import is honest about how a CSV file's
// lines were read. A quote never closed runs to the end of the file,
// whatever the file's size: the job fails, naming the row and line that
// open it, with the rows before it imported and none after it; a quote
// misplaced inside a cell fails its row alone. A file whose lines end in a
// bare CR (old Mac spreadsheets) imports row by row.
func testImportCSVLines(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	is := importStore(t, f.s)
	const head = "firstName,lastName,email,notes\n"
	rows := func(from, n int, eol string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "C,D,unc%d@example.com,short%s", from+i, eol)
		}
		return b.String()
	}
	open := "A,B,open@example.com,\"never closed\n"
	for _, c := range []struct {
		name, file string
		failed     bool
		created    int
		failedRows int
		message    []string // in the job's message
	}{
		{name: "quote never closed", file: head + rows(0, 2, "\n") + open + rows(2, 10, "\n"), failed: true, created: 2,
			message: []string{"after 2 rows", "row 4's notes cell opens a quote on line 4 that is never closed", "lines 4 to 14, the rest of the file, were read as that one cell and not imported", "run the same file again"}},
		{name: "quote never closed, the rest over 1 MiB", file: head + rows(0, 2, "\n") + open + strings.Repeat("y", 3<<19) + "\n" + rows(2, 10, "\n"), failed: true, created: 2,
			message: []string{"after 2 rows", "row 4's notes cell opens a quote on line 4 that is never closed", "lines 4 to 15, the rest of the file"}},
		{name: "quote inside a cell", file: head + rows(0, 2, "\n") + "Bob,O\"Brien,bob@example.com,n\n" + rows(2, 10, "\n"), created: 12, failedRows: 1},
		{name: "CR lines", file: strings.ReplaceAll(head, "\n", "\r") + rows(0, 3, "\r") + "\"E\",F,e@example.com,\"two\rlines\"\r", created: 4},
		{name: "CRLF lines", file: strings.ReplaceAll(head, "\n", "\r\n") + rows(0, 3, "\r\n"), created: 3},
	} {
		inst := importInstance(f)
		counter := enroll.NewRowCounter(enroll.FormatCSV)
		_, _ = counter.Write([]byte(c.file))
		dec, err := enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(c.file))
		if err != nil {
			t.Fatalf("%s: NewRowDecoder: %v", c.name, err)
		}
		im := &enroll.Import{ProgramInstanceID: inst.ID, Format: enroll.FormatCSV, TotalRows: counter.Rows(), Errors: dec.HeaderErrors()}
		if err := is.CreateImport(f.ctx, f.a, im); err != nil {
			t.Fatal(err)
		}
		done, err := enroll.RunImport(f.ctx, is, f.a, im, dec, 4)
		switch {
		case c.failed && (err == nil || done.Status != enroll.ImportFailed):
			t.Errorf("%s: %v, %+v, want the job failed", c.name, err, done)
			continue
		case !c.failed && (err != nil || done.Status != enroll.ImportSucceeded):
			t.Errorf("%s: %v, %+v, want the job succeeded", c.name, err, done)
			continue
		case !c.failed:
			checkCounters(t, done)
		}
		if done.CreatedCount != c.created || done.FailedRows != c.failedRows || done.ErrorCount != c.failedRows ||
			done.ProcessedRows != c.created+c.failedRows {
			t.Errorf("%s: job %+v, want %d created and %d failed", c.name, done, c.created, c.failedRows)
		}
		for _, m := range c.message {
			if !strings.Contains(done.Message, m) {
				t.Errorf("%s: message %q, want %q in it", c.name, done.Message, m)
			}
		}
		if n := enrollmentCount(f, inst); n != c.created {
			t.Errorf("%s: %d enrollments, want %d", c.name, n, c.created)
		}
		got := must(is.FindImport(f.ctx, f.a.WorkspaceID, im.ID))
		if got.Status != done.Status || got.Message != done.Message || got.CreatedCount != c.created {
			t.Errorf("%s: stored job %+v, finished %+v", c.name, got, done)
		}
	}
}
