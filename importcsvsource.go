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
//   - read line ends as the file writes them. encoding/csv knows LF and
//     CRLF only; a file whose first line ends in a bare CR, as old Mac
//     spreadsheets save CSV, has every bare CR handed on as LF, so that
//     its rows are rows, and a line break inside a quoted cell reads back
//     as LF, as a CRLF there does (a file whose first line ends in LF or
//     CRLF is handed on as it is, a bare CR being a character of its cell);
//   - give it at most maxImportLine bytes (and its read buffer) for one
//     record: encoding/csv holds a whole record in memory, so a cell of
//     gigabytes, or a quote never closed, would otherwise take as much. A
//     record has no end the decoder could skip to (the quotes decide where
//     it ends), so an overlong one ends the file;
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
	ends   lineEnds
	// cut is why the file ends early, once it does.
	cut *csvCut
	// names are the header's columns, once read, for cuts to name cells.
	names []string
}

// lineEnds is how a file ends its lines, as its first line shows.
type lineEnds uint8

const (
	// lineEndsUnknown: no line has ended yet.
	lineEndsUnknown lineEnds = iota
	// lineEndsLF: LF or CRLF; a bare CR is a character of its cell, as
	// encoding/csv reads it.
	lineEndsLF
	// lineEndsCR: a bare CR is a line end, as LF and CRLF are, also
	// inside a quoted cell.
	lineEndsCR
)

func newCSVSource(r io.Reader) *csvSource {
	return &csvSource{r: r, buf: make([]byte, 32<<10), scan: csvScan{line: 1, rowLine: 1}}
}

// Read hands on the file's next bytes, bare CRs that end lines as LF.
func (s *csvSource) Read(p []byte) (int, error) {
	if s.cut != nil {
		return 0, s.cut
	}
	if s.scan.off-s.scan.rowStart > maxImportLine {
		s.cut = s.overlong()
		return 0, s.cut
	}
	n := 0
	for n < len(p) {
		b, ok := s.next()
		if !ok {
			if n > 0 || s.err != nil {
				break
			}
			s.fill()
			continue
		}
		p[n] = b
		n++
		k := s.textRun(len(p) - n)
		copy(p[n:], s.buf[s.lo:s.lo+k])
		n += k
		s.skip(k)
	}
	if n == 0 {
		return 0, s.err
	}
	return n, nil
}

// next takes the file's next byte, as encoding/csv is to see it (a CR
// that ends a line alone as LF), and follows it. It learns how the file
// ends its lines from the first line end. ok is false when the byte must
// be read first: fill, unless the file has ended (s.err).
func (s *csvSource) next() (b byte, ok bool) {
	if s.lo == s.hi {
		return 0, false
	}
	b = s.buf[s.lo]
	switch {
	case b == '\r' && s.crMayEndLine():
		// Whether it ends a line alone is for the byte after it to say.
		if s.lo+1 == s.hi && s.err == nil {
			return 0, false
		}
		if s.lo+1 < s.hi && s.buf[s.lo+1] == '\n' {
			if s.ends == lineEndsUnknown {
				s.ends = lineEndsLF
			}
		} else {
			s.ends, b = lineEndsCR, '\n'
		}
	case b == '\n' && s.ends == lineEndsUnknown && s.scan.state != csvQuoted:
		s.ends = lineEndsLF
	}
	s.scan.step(b)
	s.lo++
	return b, true
}

// textRun returns how many of the next bytes, up to max, are text of the
// cell being read: most of a file, which changes nothing csvScan follows,
// and so goes through in a run (skip) rather than byte by byte.
func (s *csvSource) textRun(max int) int {
	if st := s.scan.state; st != csvBare && st != csvQuoted {
		return 0
	}
	k, end := s.lo, min(s.hi, s.lo+max)
	for k < end && !csvMarks[s.buf[k]] {
		k++
	}
	return k - s.lo
}

// skip takes the next k bytes, a cell's text (textRun).
func (s *csvSource) skip(k int) {
	if k > 0 {
		s.lo += k
		s.scan.off += int64(k)
		s.scan.lastLF = false
	}
}

// csvMarks are the bytes that may change csvScan's state inside a cell.
var csvMarks = [256]bool{'"': true, ',': true, '\n': true, '\r': true}

// crMayEndLine reports whether a CR read now may be a line end of its
// own: in a file whose lines end in CR, or, outside a quoted cell, in one
// whose first line has not ended yet.
func (s *csvSource) crMayEndLine() bool {
	return s.ends == lineEndsCR || (s.ends == lineEndsUnknown && s.scan.state != csvQuoted)
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
		s.skip(s.textRun(s.hi))
		if s.lo < s.hi && s.buf[s.lo] == '"' && s.scan.state == csvQuoted {
			c.closeLine = s.scan.line // unless a second quote follows
		}
		if _, ok := s.next(); !ok {
			if s.err != nil {
				break
			}
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
	again := " and run the same file again; rows already imported are skipped."
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

// plural returns many when there are more than one, else one.
func plural(more bool, many, one string) string {
	if more {
		return many
	}
	return one
}

// csvState is where csvScan is in a record.
type csvState uint8

const (
	csvCellStart csvState = iota // at the start of a cell
	csvBare                      // in a cell that is not quoted
	csvQuoted                    // in a quoted cell
	csvQuote                     // after a quote in a quoted cell: another is a quote in the cell; a comma or a line end ends the cell
	csvQuoteCR                   // after a quote that ends a cell, and a CR: LF ends the record
	csvBad                       // the record is malformed: encoding/csv drops the rest of the line
)

// csvScan follows encoding/csv's reading of a file (a comma, no comment
// lines, strict quotes), one byte at a time: where records start, which
// cell is being read and where a quoted cell opens, as encoding/csv sees
// them. After an error in a record encoding/csv drops the rest of the
// line, and so does csvScan.
type csvScan struct {
	state     csvState
	off       int64 // bytes scanned
	line      int   // the line being scanned, from 1
	cell      int   // the cell being scanned in its record, from 0
	rowLine   int   // the line the record being scanned starts on
	rowStart  int64 // the offset the record being scanned starts at
	quoteLine int   // the line the open quoted cell opens on
	quoteCell int   // that cell
	lastLF    bool  // the last byte scanned ends a line
}

func (s *csvScan) step(b byte) {
	s.off++
	s.lastLF = b == '\n'
	if s.lastLF {
		s.line++
	}
	switch s.state {
	case csvCellStart:
		switch b {
		case '"':
			s.state, s.quoteLine, s.quoteCell = csvQuoted, s.line, s.cell
		case ',':
			s.cell++
		case '\n':
			s.endRecord() // or an empty line, which encoding/csv skips
		default:
			s.state = csvBare
		}
	case csvBare:
		switch b {
		case '"':
			s.state = csvBad // ErrBareQuote
		case ',':
			s.state = csvCellStart
			s.cell++
		case '\n':
			s.endRecord()
		}
	case csvQuoted:
		if b == '"' {
			s.state = csvQuote
		}
	case csvQuote:
		switch b {
		case '"':
			s.state = csvQuoted
		case ',':
			s.state = csvCellStart
			s.cell++
		case '\n':
			s.endRecord()
		case '\r':
			s.state = csvQuoteCR
		default:
			s.state = csvBad // ErrQuote: a quote in the middle of a quoted cell
		}
	case csvQuoteCR:
		if b == '\n' {
			s.endRecord()
		} else {
			s.state = csvBad
		}
	case csvBad:
		if b == '\n' {
			s.endRecord()
		}
	}
}

// endRecord starts the next record after a line end.
func (s *csvScan) endRecord() {
	s.state, s.cell, s.rowLine, s.rowStart = csvCellStart, 0, s.line, s.off
}

// lastLine is the last line scanned that holds something.
func (s *csvScan) lastLine() int {
	if s.lastLF && s.line > 1 {
		return s.line - 1
	}
	return s.line
}
