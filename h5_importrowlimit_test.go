package enroll_test

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// h5RowLimit is the most bytes an import row may take, its line end and
// a byte order mark not counted (docs/import.md).
const h5RowLimit = 1 << 20

// TestH5CSVRowLimitExact: a CSV row of exactly 1 MiB is read, and one of
// 1 MiB and a byte ends the file, whatever ends its lines (LF, CRLF, a
// bare CR, the end of the file) and whether a quoted cell runs over lines;
// the header likewise. A row a few KiB over the limit was read as if
// within it: the limit was checked only before each read of the CSV
// reader's buffer.
func TestH5CSVRowLimitExact(t *testing.T) {
	t.Parallel()
	// row returns a row of n bytes: an email and a notes cell filling it.
	row := func(n int) string {
		const lead = "a@example.com,"
		return lead + strings.Repeat("y", n-len(lead))
	}
	// quoted returns a row of n bytes whose notes cell is quoted and
	// holds line breaks (end).
	quoted := func(n int, end string) string {
		const lead = "b@example.com,\""
		body := n - len(lead) - 1 - 2*len(end)
		return lead + strings.Repeat("q", body/2) + end + strings.Repeat("q", body-body/2) + end + "\""
	}
	for _, c := range []struct {
		name string
		file func(n int) string
		row  int // the long row's line
	}{
		{"LF", func(n int) string { return "email,notes\n" + row(n) + "\nc@example.com,n\n" }, 2},
		{"CRLF", func(n int) string { return "email,notes\r\n" + row(n) + "\r\nc@example.com,n\r\n" }, 2},
		{"CR", func(n int) string { return "email,notes\r" + row(n) + "\rc@example.com,n\r" }, 2},
		{"last row, no line end", func(n int) string { return "email,notes\nc@example.com,n\n" + row(n) }, 3},
		{"byte order mark", func(n int) string { return "\ufeffemail,notes\n" + row(n) + "\nc@example.com,n\n" }, 2},
		{"quoted, LF", func(n int) string { return "email,notes\n" + quoted(n, "\n") + "\nc@example.com,n\n" }, 2},
		{"quoted, CRLF", func(n int) string { return "email,notes\r\n" + quoted(n, "\r\n") + "\r\nc@example.com,n\r\n" }, 2},
	} {
		for _, n := range []int{h5RowLimit, h5RowLimit + 1} {
			d, err := enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(c.file(n)))
			if err != nil {
				t.Fatalf("%s, %d bytes: %v", c.name, n, err)
			}
			rows, cut := 0, error(nil)
			for {
				r, err := d.Next()
				if err != nil {
					if !errors.Is(err, io.EOF) {
						cut = err
					}
					break
				}
				rows++
				if len(r.Errors) > 0 {
					t.Errorf("%s, %d bytes: row %d: %+v", c.name, n, r.Row, r.Errors)
				}
			}
			switch {
			case n == h5RowLimit && (cut != nil || rows != 2):
				t.Errorf("%s: a row of exactly 1 MiB: %d rows read, then %v; want both rows read", c.name, rows, cut)
			case n > h5RowLimit && (cut == nil || !strings.Contains(enroll.ErrorMessage(cut), "longer than 1 MiB")):
				t.Errorf("%s: a row of 1 MiB and a byte: %d rows read, then %v; want the file cut at it", c.name, rows, cut)
			case n > h5RowLimit && !strings.Contains(enroll.ErrorMessage(cut), "row "+strconv.Itoa(c.row)+" "):
				t.Errorf("%s: the cut %q does not name row %d", c.name, enroll.ErrorMessage(cut), c.row)
			}
		}
	}
	// The header: up to 1 MiB, an unknown column of a long name.
	header := func(n int) string { return "email," + strings.Repeat("h", n-len("email,")) + "\na@example.com,\n" }
	if _, err := enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(header(h5RowLimit))); err != nil {
		t.Errorf("a header of exactly 1 MiB: %v", err)
	}
	if _, err := enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(header(h5RowLimit+1))); err == nil ||
		!strings.Contains(enroll.ErrorMessage(err), "longer than 1 MiB") {
		t.Errorf("a header of 1 MiB and a byte: %v, want it refused", err)
	}
}

// TestH5NDJSONLineLimitExact: an NDJSON line of exactly 1 MiB, its line
// end (LF or CRLF) and a byte order mark not counted, is read, and one of
// 1 MiB and a byte is an error of its line. A line of exactly 1 MiB
// ending in LF was refused, its LF counted against it.
func TestH5NDJSONLineLimitExact(t *testing.T) {
	t.Parallel()
	// line returns a create body of n bytes, padded with spaces inside.
	line := func(n int) string {
		const body = `{"firstName":"A","lastName":"B","email":"a@example.com"`
		return body + strings.Repeat(" ", n-len(body)-1) + "}"
	}
	const next = `{"firstName":"C","lastName":"D","email":"c@example.com"}`
	for _, c := range []struct {
		name string
		file func(n int) string
	}{
		{"LF", func(n int) string { return line(n) + "\n" + next + "\n" }},
		{"CRLF", func(n int) string { return line(n) + "\r\n" + next + "\r\n" }},
		{"last line, no line end", func(n int) string { return next + "\n" + line(n) }},
		{"byte order mark", func(n int) string { return "\ufeff" + line(n) + "\n" + next + "\n" }},
	} {
		for _, n := range []int{h5RowLimit, h5RowLimit + 1} {
			rows, _ := readAll(t, enroll.FormatNDJSON, c.file(n))
			long := 0
			for _, r := range rows {
				for _, e := range r.Errors {
					if strings.Contains(e.Message, "longer than 1 MiB") {
						long++
					} else {
						t.Errorf("%s, %d bytes: row %d: %+v", c.name, n, r.Row, e)
					}
				}
			}
			switch {
			case len(rows) != 2:
				t.Errorf("%s, %d bytes: %d rows, want 2", c.name, n, len(rows))
			case n == h5RowLimit && long != 0:
				t.Errorf("%s: a line of exactly 1 MiB refused as longer", c.name)
			case n > h5RowLimit && long != 1:
				t.Errorf("%s: a line of 1 MiB and a byte: %d errors saying so, want 1", c.name, long)
			}
		}
	}
}
