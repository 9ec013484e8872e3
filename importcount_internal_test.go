package enroll

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// rowCounterFiles are CSV files whose rows RowCounter must count as the
// decoder reads them; with csvScanSeeds and FuzzCSVDecoder's seeds and
// corpus, they seed FuzzRowCounter.
var rowCounterFiles = []string{
	"",
	"email\n",
	"email\na@example.com",
	"email\r\na@example.com\r\n\r\nb@example.com\r\n",
	"firstName,notes\nA,\"line one\nline two, with \"\"quotes\"\"\n\nand a blank line\"\nB,\"\"\n  \n,\n",
	"a,b\n\"x\"\"\",y\n\"\",\"\"\n",
	// A quoted first cell spanning lines, and rows of blank cells.
	"notes,email\n\"one\ntwo\",a@example.com\n\" \",\n , \t,\n\"\"\"\",\n",
	// Unicode spaces make a row (with errors), ASCII ones a blank line;
	// a byte order mark is skipped, alone on its line too, and a part of
	// one is text of the first cell.
	"\ufefffirstName,lastName\n\u00a0,\u00a0\n\f,\v\nA,B\n",
	"\ufeff\nfirstName\nA\n",
	"\xef\xbbfirstName\nA\n",
	"\xef\"firstName\"\nA\n",
	"\ufeff\"firstName\"\n\"A\"\n",
	// Bare CR line ends (old Mac), which the first line's end reveals;
	// elsewhere a bare CR is a character of its cell.
	"email\ra@example.com\r\r , \rb@example.com\r",
	"firstName,notes\rA,\"x\ry\"\r,\r\"\"\rB,\"z\"\r\nC,\"\r\"\rD,e",
	"a,b\r\nc\rd,e\r\n\r\n",
	"a,b\nc\rd,e\n\r\n",
	"a,b\n\r",
	"a,b\nc,\"d\"\r",
	// Misplaced quotes fail their row, blank or not; the next line is the
	// next row.
	"a,b\n \"\nc,d\n",
	"a,b\n\"\"x,\nc,d\n",
	"a,b\n\"x\"\ry\nc,d\n",
	"a,b\n,\"multi\nline\" ,\nc,d\n",
	// A quoted cell of a comma is a row; of spaces and line breaks, blank.
	"a,b\n\",\"\n\" \r\n\t\",\n",
	// A quote never closed is the last row the decoder reads, blank or not.
	"a,b\nc,d\n\"",
	"a,b\nc,d\n \t,\"  \n\n",
	"a,b\r\"x\r\"y\r",
}

// decodedRows returns the rows the CSV decoder reads in file, and whether
// it stops before the end (cut); ok is false when it refuses the file.
func decodedRows(t *testing.T, file string) (rows int, cut, ok bool) {
	t.Helper()
	d, err := NewRowDecoder(FormatCSV, strings.NewReader(file))
	if err != nil {
		return 0, false, false
	}
	for range len(file) + 1 {
		if _, err := d.Next(); errors.Is(err, io.EOF) {
			return rows, false, true
		} else if err != nil {
			return rows, true, true
		}
		rows++
	}
	t.Fatalf("%q: more rows than bytes", file)
	return 0, false, false
}

// checkRowCount checks that RowCounter counts the rows the decoder reads
// in file, and the row it stops at, however the file is cut into writes;
// counting as it goes, as an export's progress does, changes nothing.
func checkRowCount(t *testing.T, file string) {
	t.Helper()
	want, cut, ok := decodedRows(t, file)
	if !ok {
		return // refused: no job, no total
	}
	if cut {
		want++
	}
	for _, size := range []int{1, 2, 3, len(file) + 1} {
		c := NewRowCounter(FormatCSV)
		for p := file; len(p) > 0; p = p[min(size, len(p)):] {
			_, _ = c.Write([]byte(p[:min(size, len(p))]))
			_ = c.Rows()
		}
		if got := c.Rows(); got != want {
			t.Errorf("%q in writes of %d: %d rows, the decoder reads %d (stops at one: %v)", file, size, got, want, cut)
		}
	}
}

// TestRowCounter checks that the count made while a file is received
// equals the rows the decoder reads.
func TestRowCounter(t *testing.T) {
	t.Parallel()
	for _, file := range append(append([]string{}, rowCounterFiles...), csvScanSeeds...) {
		checkRowCount(t, file)
	}
	// A row over 1 MiB stops the decoder, not the counter: the rows after
	// it are counted, and reported as not imported.
	long := "email,notes\na@example.com,x\nb@example.com,\"" + strings.Repeat("y", 2*maxImportLine) + "\"\nc@example.com,\nd@example.com,\n"
	if rows, cut, _ := decodedRows(t, long); rows != 1 || !cut {
		t.Fatalf("a row over 1 MiB: the decoder reads %d rows, stops %v", rows, cut)
	}
	c := NewRowCounter(FormatCSV)
	if _, _ = c.Write([]byte(long)); c.Rows() != 4 {
		t.Fatalf("a row over 1 MiB: %d rows counted, want 4", c.Rows())
	}
	for _, c := range []struct {
		file string
		want int
	}{
		{"\ufeff\n{}\n\u00a0\n\f\n\u3000{}\n", 3},
		{"\xef\xbb{}\n", 1},
		{"", 0},
		{"{}\n\n  \n{}\r\n{}", 3},
		{"{\"notes\": \"a \\\" quote\"}\n", 1},
	} {
		want := 0
		d, err := NewRowDecoder(FormatNDJSON, strings.NewReader(c.file))
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := d.Next(); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			want++
		}
		if want != c.want {
			t.Fatalf("NDJSON %q: the decoder reads %d rows, want %d", c.file, want, c.want)
		}
		for _, size := range []int{1, 3, len(c.file) + 1} {
			rc := NewRowCounter(FormatNDJSON)
			for p := c.file; len(p) > 0; p = p[min(size, len(p)):] {
				_, _ = rc.Write([]byte(p[:min(size, len(p))]))
			}
			if got := rc.Rows(); got != want {
				t.Errorf("NDJSON %q in writes of %d: %d rows, decoder reads %d", c.file, size, got, want)
			}
		}
	}
}

// FuzzRowCounter checks, on any file, that RowCounter counts the rows the
// CSV decoder reads (checkRowCount). Files over the decoder's 1 MiB a row
// are left out: the counter does not stop at an overlong row.
//
//	go test -run XXX -fuzz FuzzRowCounter -fuzztime 1m
func FuzzRowCounter(f *testing.F) {
	for _, s := range append(append([]string{}, rowCounterFiles...), csvScanSeeds...) {
		f.Add(s)
	}
	// FuzzCSVDecoder's seeds and the file its fuzzing found.
	for _, s := range []string{
		"firstName,lastName,email\nA,B,a@example.com\n",
		"tags,metadata,parameters\na|b,{},[]\n",
		"email,\"unterminated\n",
		"address.city,metadata.x,parameters.y,reenroll\nX,Y,Z,maybe\n",
		"firstName,000000000\n0\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, file string) {
		if len(file) > maxImportLine {
			t.Skip("over the decoder's 1 MiB a row")
		}
		checkRowCount(t, file)
	})
}
