package enroll_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/enrollhq/enroll"
)

// readToEnd decodes a CSV file's rows up to its end, or up to the error
// that ends it (nil at io.EOF).
func readToEnd(t *testing.T, r io.Reader) ([]*enroll.ImportRow, error) {
	t.Helper()
	d, err := enroll.NewRowDecoder(enroll.FormatCSV, r)
	if err != nil {
		t.Fatalf("NewRowDecoder: %v", err)
	}
	var rows []*enroll.ImportRow
	for {
		row, err := d.Next()
		if errors.Is(err, io.EOF) {
			return rows, nil
		} else if err != nil {
			return rows, err
		}
		rows = append(rows, row)
	}
}

// validRows is n good CSV rows, from unc1@example.com.
func validRows(n int, eol string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "C,D,unc%d@example.com,short%s", i+1, eol)
	}
	return b.String()
}

// TestCSVQuoteNeverClosed checks that a quote never closed ends the file
// with an error naming the row, the cell and the line that opens it, and
// the lines it swallowed, whatever the size of the rest of the file; the
// rows before it are read. A quote misplaced inside a cell, which
// encoding/csv reports with the same error, still fails its row alone.
func TestCSVQuoteNeverClosed(t *testing.T) {
	t.Parallel()
	const head = "firstName,lastName,email,notes\n"
	big := strings.Repeat("x", 3<<20)
	for _, c := range []struct {
		name, file string
		rows       int    // rows read before the error
		want       string // in the error; "" for none
	}{
		{"small file", head + "A,B,unc0@example.com,\"never closed\n" + validRows(10, "\n"), 0,
			"row 2's notes cell opens a quote on line 2 that is never closed, so lines 2 to 12, the rest of the file, were read as that one cell and not imported"},
		{"after good rows", head + validRows(2, "\n") + "A,B,unc0@example.com,\"never closed\n" + validRows(3, "\n"), 2,
			"row 4's notes cell opens a quote on line 4 that is never closed, so lines 4 to 7"},
		{"on the last line", head + validRows(2, "\n") + "A,B,unc0@example.com,\"never closed", 2,
			"row 4's notes cell opens a quote on line 4 that is never closed, so line 4, the rest of the file, was read"},
		{"ending without a line end", head + "A,B,unc0@example.com,\"open\nmore\nstill", 0,
			"row 2's notes cell opens a quote on line 2 that is never closed, so lines 2 to 4,"},
		{"rest over 1 MiB", head + "A,B,unc0@example.com,\"never closed\n" + big + "\n" + validRows(10, "\n"), 0,
			"row 2's notes cell opens a quote on line 2 that is never closed, so lines 2 to 13, the rest of the file, were read"},
		{"in a row of several lines", head + "A,\"two\nlines\",unc0@example.com,\"open\n" + validRows(3, "\n"), 0,
			"row 2's notes cell opens a quote on line 3 that is never closed, so lines 3 to 6"},
		{"beyond the header", head + "A,B,unc0@example.com,n,\"open\n" + validRows(3, "\n"), 0,
			"row 2's cell 5 opens a quote on line 2"},
		{"CR lines", strings.ReplaceAll(head, "\n", "\r") + "A,B,unc0@example.com,\"never closed\r" + validRows(10, "\r"), 0,
			"row 2's notes cell opens a quote on line 2 that is never closed, so lines 2 to 12"},
		{"CR lines, rest over 1 MiB", strings.ReplaceAll(head, "\n", "\r") + "A,B,unc0@example.com,\"never closed\r" + big + "\r" + validRows(10, "\r"), 0,
			"row 2's notes cell opens a quote on line 2 that is never closed, so lines 2 to 13"},
		{"after a misplaced quote", head + "Bob,O\"Brien,bob@example.com,n\n" + validRows(1, "\n") + "A,B,unc0@example.com,\"open\n" + validRows(2, "\n"), 2,
			"row 4's notes cell opens a quote on line 4"},
		{"after a quote after a quoted cell", head + "Bob,\"O\"Brien,bob@example.com,n\n" + validRows(1, "\n") + "A,B,unc0@example.com,\"open\n" + validRows(2, "\n"), 2,
			"row 4's notes cell opens a quote on line 4"},
		{"a quote inside a cell", head + "Bob,O\"Brien,bob@example.com,n\n" + validRows(10, "\n"), 11, ""},
		// The rest of a line with a misplaced quote is dropped: a quote
		// there opens no cell, and the next 1 MiB are rows.
		{"a quote after a quoted cell, then one at a cell's start", head + "Bob,\"O\"Brien,\"x,n\n" + validRows(40000, "\n"), 40001, ""},
		{"a quote after a quoted cell", head + "Bob,\"O\"Brien,bob@example.com,n\n" + validRows(10, "\n"), 11, ""},
		{"a quote after a quoted cell, last", head + validRows(2, "\n") + "Bob,\"O\"Brien,bob@example.com,n", 3, ""},
		{"a quoted cell closed at the end", head + validRows(2, "\n") + "A,B,unc0@example.com,\"closed\"", 3, ""},
	} {
		for reads, r := range map[string]io.Reader{
			"whole":        strings.NewReader(c.file),
			"byte by byte": iotest.OneByteReader(strings.NewReader(c.file)),
			// The end of the file comes with its last bytes, before the
			// rows in them are read.
			"data and EOF": iotest.DataErrReader(strings.NewReader(c.file)),
		} {
			rows, err := readToEnd(t, r)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("%s (%s): %v, want no error", c.name, reads, err)
			case c.want != "" && (enroll.ErrorCode(err) != enroll.EINVALID || !strings.Contains(enroll.ErrorMessage(err), c.want)):
				t.Errorf("%s (%s): %v, want %q", c.name, reads, err, c.want)
			case len(rows) != c.rows:
				t.Errorf("%s (%s): %d rows before the error, want %d", c.name, reads, len(rows), c.rows)
			}
			for _, row := range rows {
				if row.Create == nil && !strings.HasPrefix(row.Errors[0].Message, "malformed CSV") {
					t.Errorf("%s (%s): row %d: %+v", c.name, reads, row.Row, row.Errors)
				}
			}
		}
	}

	// The header's own quote never closed refuses the file.
	for _, file := range []string{"firstName,\"lastName,email\nA,B,a@example.com\n", "firstName,\"lastName,email\n" + big} {
		_, err := enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(file))
		if want := "its cell 2 opens a quote on line 1 that is never closed"; enroll.ErrorCode(err) != enroll.EINVALID || !strings.Contains(enroll.ErrorMessage(err), want) {
			t.Errorf("header %.40q: %v, want %q", file, err, want)
		}
	}
}

// TestCSVLineEnds checks the line ends a CSV file may use: LF, CRLF, and
// the bare CR of old Mac spreadsheets, which the first line's end reveals.
// In a file of LF or CRLF lines a bare CR is a character of its cell; in
// a file of CR lines it is a line break, in a quoted cell too, where it
// reads back as LF, as a CRLF does.
func TestCSVLineEnds(t *testing.T) {
	t.Parallel()
	type want struct {
		row         int
		email, note string
	}
	for _, c := range []struct {
		name, file string
		rows       []want
	}{
		{"LF", "firstName,lastName,email,notes\nA,B,a@example.com,x\ry\n\nC,D,c@example.com,\"p\r\nq\"\n",
			[]want{{2, "a@example.com", "x\ry"}, {4, "c@example.com", "p\nq"}}},
		{"CRLF", "firstName,lastName,email,notes\r\nA,B,a@example.com,x\ry\r\n\r\nC,D,c@example.com,\"p\rq\"\r\n",
			[]want{{2, "a@example.com", "x\ry"}, {4, "c@example.com", "p\rq"}}},
		{"CR", "firstName,lastName,email,address.state\rCr,Only,cronly@example.com,NY\r",
			[]want{{2, "cronly@example.com", ""}}},
		{"CR, quoted cells", "firstName,lastName,email,notes\rA,B,a@example.com,\"one\rtwo\"\r\r,,,\r\"C\",D,c@example.com,\"x\"\"y\"\r\"E\",F,e@example.com,\"p\r\nq\"",
			[]want{{2, "a@example.com", "one\ntwo"}, {6, "c@example.com", "x\"y"}, {7, "e@example.com", "p\nq"}}},
		{"CR, then a CRLF", "firstName,lastName,email,notes\rA,B,a@example.com,n\r\nC,D,c@example.com,n\r",
			[]want{{2, "a@example.com", "n"}, {3, "c@example.com", "n"}}},
	} {
		for reads, r := range map[string]io.Reader{"whole": strings.NewReader(c.file), "byte by byte": iotest.OneByteReader(strings.NewReader(c.file))} {
			d, err := enroll.NewRowDecoder(enroll.FormatCSV, r)
			if err != nil {
				t.Fatalf("%s (%s): %v", c.name, reads, err)
			}
			if h := d.HeaderErrors(); len(h) != 0 {
				t.Errorf("%s (%s): header errors %+v", c.name, reads, h)
			}
			var got []want
			for {
				row, err := d.Next()
				if errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					t.Fatalf("%s (%s): %v", c.name, reads, err)
				}
				if row.Create == nil {
					t.Fatalf("%s (%s): row %d: %+v", c.name, reads, row.Row, row.Errors)
				}
				got = append(got, want{row.Row, row.Create.Email, row.Create.Notes})
			}
			if fmt.Sprint(got) != fmt.Sprint(c.rows) {
				t.Errorf("%s (%s): rows %+v, want %+v", c.name, reads, got, c.rows)
			}
		}
	}

	// A header cell holding a line break is no column of any file: the
	// file is refused, not read with the column ignored.
	for _, file := range []string{
		"firstName,lastName,email,\"address.state\rCr\"\rA,B,a@example.com,NY\r",
		"firstName,lastName,\"e\nmail\"\nA,B,a@example.com\n",
		"\"first\rName\",lastName,email\nA,B,a@example.com\n",
	} {
		_, err := enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(file))
		if enroll.ErrorCode(err) != enroll.EINVALID || !strings.Contains(enroll.ErrorMessage(err), "holds a line break") {
			t.Errorf("%q: %v, want the header refused", file, err)
		}
	}
}
