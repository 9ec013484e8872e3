package enroll

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// csvScanSeeds are files that put csvScan's reading to the test: quotes
// never closed and misplaced, quoted line breaks, bare CRs, CRLFs, blank
// lines. FuzzCSVScan and FuzzRowCounter start from them.
var csvScanSeeds = []string{
	"a,b\n\"x\",y\n",
	"a,b\nA,\"never closed\nC,D\n",
	"a,b\nBob,O\"Brien\nC,\"D\n",
	"a,b\n\"x\"y,z\nC,\"open\n",
	"a,b\n\"multi\nline\"x\nE,F\n\"open",
	"a,b\r\"x\"\r\"y\rz\"\r\"open\r",
	"a,b\r\n\"x\"\r\ny,\"\r\n",
	"a,b\n\"q\"\rx\n\"q\"\r\n\"",
	"\n\n\"\n",
	"a\r\r\n\r\"",
	"a,\"\"\"\",\"\"\n\"\"\"",
	"a,b\n\"x\"y,\"z\nc,d\n",
	"a,b\nx\"y,\"z\nc,d\n",
}

// FuzzCSVScan checks csvScan against encoding/csv itself, on the bytes
// csvSource hands it: every ErrQuote that csvSource takes for a quote
// never closed is one encoding/csv met at the end of the file (its column
// past the line's end), every other is a misplaced quote (its column on
// that quote), and a file that csvScan ends inside a quoted cell is one
// that encoding/csv ended with such an error. The decoder's choice between
// failing a row and ending the file rests on this agreement.
func FuzzCSVScan(f *testing.F) {
	for _, s := range csvScanSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, file string) {
		src := newCSVSource(strings.NewReader(file))
		var seen bytes.Buffer
		cr := csv.NewReader(io.TeeReader(src, &seen))
		cr.FieldsPerRecord = -1
		atEnd := false // encoding/csv met the end of the file in a quoted cell
		for {
			_, err := cr.Read()
			if err == nil {
				continue
			}
			if errors.Is(err, io.EOF) {
				if src.scan.state == csvQuoted && !atEnd {
					t.Fatalf("%q: csvScan ends inside a quoted cell, encoding/csv read to the end", file)
				}
				return
			}
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("%q: %v", file, err)
			}
			lines := strings.SplitAfter(seen.String(), "\n")
			misplaced := pe.Line <= len(lines) && pe.Column-1 < len(lines[pe.Line-1]) && lines[pe.Line-1][pe.Column-1] == '"'
			neverClosed := src.neverClosed(pe.StartLine) != nil
			atEnd = atEnd || (errors.Is(pe.Err, csv.ErrQuote) && !misplaced)
			switch {
			case errors.Is(pe.Err, csv.ErrBareQuote) && neverClosed:
				t.Fatalf("%q: %v taken for a quote never closed", file, err)
			case errors.Is(pe.Err, csv.ErrQuote) && neverClosed == misplaced:
				t.Fatalf("%q (read as %q): %v: never closed %v, misplaced %v", file, seen.String(), err, neverClosed, misplaced)
			}
		}
	})
}

// TestCSVSourceLineEnds checks how csvSource hands on line ends, however
// the file comes in reads: a file whose first line ends in a bare CR has
// every bare CR as LF, quoted cells' too; other files go through as they
// are.
func TestCSVSourceLineEnds(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ file, want string }{
		{"a,b\nc\rd,e\n", "a,b\nc\rd,e\n"},
		{"a,b\r\nc\rd,e\r\n", "a,b\r\nc\rd,e\r\n"},
		{"a,b\rc,d\r", "a,b\nc,d\n"},
		{"a,b\rc,\"d\re\r\nf\"\r\"g\"\r\n\"h\"\"\"\rx", "a,b\nc,\"d\ne\r\nf\"\n\"g\"\r\n\"h\"\"\"\nx"},
		{"\"a\rb\",c\nd\re\n", "\"a\rb\",c\nd\re\n"}, // the first line end is LF: the CR in a quoted header cell decides nothing
		{"\"a\"\rb\r", "\"a\"\nb\n"},
		{"a\r", "a\n"},
		{"a,b\r\r\rc\r", "a,b\n\n\nc\n"},
	} {
		for name, r := range map[string]io.Reader{
			"whole":    strings.NewReader(c.file),
			"byte":     iotest.OneByteReader(strings.NewReader(c.file)),
			"half":     iotest.HalfReader(strings.NewReader(c.file)),
			"data+EOF": iotest.DataErrReader(strings.NewReader(c.file)),
		} {
			for _, size := range []int{1, 2, 4096} {
				src := newCSVSource(r)
				var got bytes.Buffer
				p := make([]byte, size)
				for {
					n, err := src.Read(p)
					got.Write(p[:n])
					if errors.Is(err, io.EOF) {
						break
					} else if err != nil {
						t.Fatalf("%q (%s, reads of %d): %v", c.file, name, size, err)
					}
				}
				if got.String() != c.want {
					t.Errorf("%q (%s, reads of %d): handed on %q, want %q", c.file, name, size, got.String(), c.want)
				}
				r = strings.NewReader(c.file) // the readers above are used once
			}
		}
	}
}
