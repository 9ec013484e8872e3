package enroll

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// csvSource is what encoding/csv reads an import file through. It follows
// the file as encoding/csv parses it, byte by byte (csvScan), so that it
// can:
//
//   - drop a byte order mark the file starts with;
//   - read line ends as the file writes them. encoding/csv knows LF and
//     CRLF only; a file whose first line ends in a bare CR, as old Mac
//     spreadsheets save CSV, has every bare CR handed on as LF, so that
//     its rows are rows, and a line break inside a quoted cell reads back
//     as LF, as a CRLF there does (a file whose first line ends in LF or
//     CRLF is handed on as it is, a bare CR being a character of its cell);
//   - give it at most maxImportLine bytes for one record, its line end
//     not counted: encoding/csv holds a whole record in memory, so a cell
//     of gigabytes, or a quote never closed, would otherwise take as much.
//     A record has no end the decoder could skip to (the quotes decide
//     where it ends), so an overlong one ends the file;
//   - tell a quote never closed, which runs to the end of the file, from a
//     misplaced one, which fails its row alone: encoding/csv reports both
//     as ErrQuote.
type csvSource struct {
	r      io.Reader
	buf    []byte
	lo, hi int   // buf[lo:hi] is read from r, not yet handed on
	err    error // r's error, handed on once buf is empty
	empty  int   // reads in a row that gave nothing
	scan   csvScan
	// cut is why the file ends early, once it does.
	cut *csvCut
	// names are the header's columns, once read, for cuts to name cells.
	names []string
}

func newCSVSource(r io.Reader) *csvSource {
	return &csvSource{r: r, buf: make([]byte, 32<<10), scan: newCSVScan()}
}

// Read hands on the file's next bytes as csvScan follows them: without a
// byte order mark, bare CRs that end lines as LF.
func (s *csvSource) Read(p []byte) (int, error) {
	if s.cut != nil {
		return 0, s.cut
	}
	if s.scan.recordLen() > maxImportLine {
		s.cut = s.overlong()
		return 0, s.cut
	}
	// At most up to the first byte past the limit of the record being
	// read: a record over it then cannot end within this read, and is
	// found at the next. (A record that ends within it leaves the next
	// record fewer bytes still.)
	if room := maxImportLine + 1 - s.scan.recordLen(); room < int64(len(p)) {
		p = p[:room]
	}
	for len(p) > 0 {
		n, k := s.scan.follow(p, s.buf[s.lo:s.hi], s.err != nil)
		s.lo += k
		if n > 0 {
			return n, nil
		}
		if s.err != nil {
			break
		}
		s.fill()
	}
	return 0, s.err
}

// fill reads more of the file after the bytes not yet handed on.
func (s *csvSource) fill() {
	s.hi = copy(s.buf, s.buf[s.lo:s.hi])
	s.lo = 0
	n, err := s.r.Read(s.buf[s.hi:])
	s.hi += n
	switch {
	case err != nil:
		s.err = err
	case n > 0:
		s.empty = 0
	default:
		if s.empty++; s.empty >= 100 {
			s.err = io.ErrNoProgress // as bufio gives up on such a reader
		}
	}
}

// atEnd reports whether the file has been handed on whole.
func (s *csvSource) atEnd() bool {
	return s.lo == s.hi && errors.Is(s.err, io.EOF)
}

// neverClosed returns the cut of a file that ends inside a quoted cell of
// the record starting on line row (encoding/csv's ErrQuote at the end of
// the file), or nil when the ErrQuote of that record is a misplaced quote.
func (s *csvSource) neverClosed(row int) *csvCut {
	if !s.atEnd() || s.scan.state != csvQuoted || s.scan.rowLine != row {
		return nil
	}
	return &csvCut{row: row, quoteLine: s.scan.quoteLine, cell: s.scan.quoteCell, lastLine: s.scan.lastLine(), names: s.names}
}

// overlong returns the cut of a record over maxImportLine. A record that is
// long because a quoted cell is open is followed to where the quote closes,
// without keeping what it reads: a quote never closed is then told apart
// from a cell too large.
func (s *csvSource) overlong() *csvCut {
	c := &csvCut{row: s.scan.rowLine, tooLong: true, names: s.names}
	if s.scan.state != csvQuoted && s.scan.state != csvQuote {
		return c
	}
	c.quoteLine, c.cell = s.scan.quoteLine, s.scan.quoteCell
	if s.scan.state == csvQuote {
		c.closeLine = s.scan.line // unless a second quote follows
	}
	for s.scan.state == csvQuoted || s.scan.state == csvQuote {
		k := s.scan.textRun(s.buf[s.lo:s.hi])
		s.scan.skipText(s.buf[s.lo : s.lo+k])
		s.lo += k
		if s.lo < s.hi && s.buf[s.lo] == '"' && s.scan.state == csvQuoted {
			c.closeLine = s.scan.line // unless a second quote follows
		}
		if _, ok := s.scan.take(s.buf[s.lo:s.hi], s.err != nil); ok {
			s.lo++
		} else if s.err != nil {
			break
		} else {
			s.fill()
		}
	}
	switch {
	case s.scan.state == csvQuoted && s.atEnd():
		c.tooLong, c.closeLine, c.lastLine = false, 0, s.scan.lastLine()
	case s.scan.state == csvQuoted:
		c.closeLine = 0 // the file could not be read to the quote's end
	}
	return c
}

// csvCut is why a CSV file cannot be read past a record: a quote never
// closed, or a record over maxImportLine. Its Error is the reason in
// words, for a job's message.
type csvCut struct {
	row       int // the line the record starts on
	quoteLine int // the line its open quote opens on; 0 when none is open
	cell      int // the cell, from 0, that quote opens
	closeLine int // the line that quote closes on; 0 when it does not
	lastLine  int // the file's last line, for a quote never closed
	tooLong   bool
	names     []string // the header's columns; nil for the header's own cut
}

func (c *csvCut) Error() string {
	cell := fmt.Sprintf("cell %d", c.cell+1)
	if c.cell < len(c.names) && c.names[c.cell] != "" {
		cell = c.names[c.cell] + " cell"
	}
	again := " and run the same file again; " + rowsSkipped + "."
	switch {
	case !c.tooLong:
		return fmt.Sprintf("row %d's %s opens a quote on line %d that is never closed, so %s, the rest of the file, "+
			"%s read as that one cell and not imported. Close the quote (a quote inside a cell is written twice: \"\")%s",
			c.row, cell, c.quoteLine, lineSpan(c.quoteLine, c.lastLine), plural(c.lastLine > c.quoteLine, "were", "was"), again)
	case c.closeLine > 0:
		return fmt.Sprintf("row %d is longer than 1 MiB: its %s opens a quote on line %d that closes only on line %d "+
			"(a quote misplaced, or a cell too large), so the rest of the file was not read. Fix the quote or shorten the cell%s",
			c.row, cell, c.quoteLine, c.closeLine, again)
	case c.quoteLine > 0:
		return fmt.Sprintf("row %d is longer than 1 MiB: its %s opens a quote on line %d that runs on past 1 MiB, "+
			"so the rest of the file was not read. Fix the quote or shorten the cell%s", c.row, cell, c.quoteLine, again)
	}
	return fmt.Sprintf("row %d is longer than 1 MiB (a cell too large), so the rest of the file was not read. Shorten the row%s", c.row, again)
}

// headerError says why a CSV header cannot be read past.
func (c *csvCut) headerError() error {
	if !c.tooLong {
		return Errorf(EINVALID, "The CSV header cannot be read: its cell %d opens a quote on line %d that is never closed, "+
			"so the whole file reads as that one cell. Close the quote (a quote inside a cell is written twice: \"\").", c.cell+1, c.quoteLine)
	}
	msg, _, _ := strings.Cut(strings.TrimPrefix(c.Error(), "row 1 is "), ", so the rest")
	return Errorf(EINVALID, "The CSV header cannot be read: it is %s.", msg)
}

// lineSpan names lines a to b.
func lineSpan(a, b int) string {
	if a == b {
		return fmt.Sprintf("line %d", a)
	}
	return fmt.Sprintf("lines %d to %d", a, b)
}
