package enroll

import "strings"

// csvScan follows encoding/csv's reading of a file (a comma, no comment
// lines, strict quotes), one byte at a time: where records start, which
// cell is being read and where a quoted cell opens, as encoding/csv sees
// them. After an error in a record encoding/csv drops the rest of the
// line, and so does csvScan.
//
// It is the one definition of where an import file's CSV rows end: the
// decoder reads the file through it (csvSource), and RowCounter counts
// the rows it finds, so that a job's total is the rows its import reads.
// It also reads what encoding/csv does not: a byte order mark the file
// starts with is dropped, and in a file whose first line ends in a bare
// CR every bare CR is a line end (follow).
type csvScan struct {
	state     csvState
	ends      lineEnds
	started   bool  // the file's first bytes were looked at for a byte order mark
	bom       bool  // the file starts with a byte order mark
	off       int64 // bytes scanned
	line      int   // the line being scanned, from 1
	cell      int   // the cell being scanned in its record, from 0
	rowLine   int   // the line the record being scanned starts on
	rowStart  int64 // the offset the record being scanned starts at
	quoteLine int   // the line the open quoted cell opens on
	quoteCell int   // that cell
	lastLF    bool  // the last byte scanned ends a line
	lastCR    bool  // the last byte scanned is a CR, which may begin a CRLF line end
	// data says that the record being scanned is a row: a cell holds
	// something besides ASCII spaces (blankByte), or the record is
	// malformed, a row the decoder fails. Other records are blank lines,
	// which the decoder skips (blankRecord).
	data bool
	// rows counts the records ended that are rows.
	rows int
}

// utf8BOM is the byte order mark a file may begin with (spreadsheets write
// one). It must go before encoding/csv sees it: followed by a quote, as in
// "\ufeff\"firstName\"", it makes the quote a bare one inside a cell.
const utf8BOM = "\ufeff"

func newCSVScan() csvScan {
	return csvScan{line: 1, rowLine: 1}
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

// follow scans in, the file's next bytes, and copies to out what
// encoding/csv is to see of them: the bytes as they are, but for a byte
// order mark the file starts with, which is dropped, and a CR that ends a
// line alone, which is handed on as LF. It stops when out is full, at the
// end of in, or before a byte it cannot judge without the bytes after it
// (the first bytes of a file, which may be a mark, or a CR that may end a
// line), unless atEOF says that none follow. With out nil it copies
// nothing and stops only at the end of in. It returns how many bytes it
// wrote to out and took from in.
func (s *csvScan) follow(out, in []byte, atEOF bool) (w, r int) {
	if !s.started {
		if len(in) < len(utf8BOM) && !atEOF && strings.HasPrefix(utf8BOM, string(in)) {
			return 0, 0
		}
		s.started = true
		if s.bom = strings.HasPrefix(string(in), utf8BOM); s.bom {
			r = len(utf8BOM)
		}
	}
	room := len(out)
	if out == nil {
		room = len(in) // w never passes r
	}
	for r < len(in) && w < room {
		if k := s.textRun(in[r:min(len(in), r+room-w)]); k > 0 {
			if out != nil {
				copy(out[w:], in[r:r+k])
			}
			s.skipText(in[r : r+k])
			w, r = w+k, r+k
			continue
		}
		b, ok := s.take(in[r:], atEOF)
		if !ok {
			break
		}
		if out != nil {
			out[w] = b
		}
		w, r = w+1, r+1
	}
	return w, r
}

// textRun returns how many of the first bytes of t are text of the cell
// being read: most of a file, which changes nothing csvScan follows but
// data, and so goes through in a run (skipText) rather than byte by byte.
func (s *csvScan) textRun(t []byte) int {
	if s.state != csvBare && s.state != csvQuoted {
		return 0
	}
	k := 0
	for k < len(t) && !csvMarks[t[k]] {
		k++
	}
	return k
}

// skipText takes t, a run of a cell's text (textRun).
func (s *csvScan) skipText(t []byte) {
	if len(t) > 0 {
		s.off += int64(len(t))
		s.lastLF, s.lastCR = false, false
		s.data = s.data || !blankText(t)
	}
}

// csvMarks are the bytes that may change csvScan's state inside a cell.
var csvMarks = [256]bool{'"': true, ',': true, '\n': true, '\r': true}

// take scans the first byte of in and returns it as encoding/csv is to
// see it (a CR that ends a line alone as LF). It learns how the file ends
// its lines from the first line end. ok is false when in is empty, or
// when the byte is a CR that the byte after it, not in in, must judge and
// atEOF does not say there is none.
func (s *csvScan) take(in []byte, atEOF bool) (b byte, ok bool) {
	if len(in) == 0 {
		return 0, false
	}
	b = in[0]
	switch {
	case b == '\r' && s.crMayEndLine():
		switch {
		case len(in) > 1 && in[1] == '\n':
			if s.ends == lineEndsUnknown {
				s.ends = lineEndsLF
			}
		case len(in) > 1 || atEOF:
			s.ends, b = lineEndsCR, '\n'
		default:
			return 0, false
		}
	case b == '\n' && s.ends == lineEndsUnknown && s.state != csvQuoted:
		s.ends = lineEndsLF
	}
	s.step(b)
	return b, true
}

// crMayEndLine reports whether a CR read now may be a line end of its
// own: in a file whose lines end in CR, or, outside a quoted cell, in one
// whose first line has not ended yet.
func (s *csvScan) crMayEndLine() bool {
	return s.ends == lineEndsCR || (s.ends == lineEndsUnknown && s.state != csvQuoted)
}

// step follows b, a byte as encoding/csv sees it.
func (s *csvScan) step(b byte) {
	s.off++
	s.lastLF, s.lastCR = b == '\n', b == '\r'
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
			s.data = s.data || !blankByte(b)
		}
	case csvBare:
		switch b {
		case '"':
			s.state, s.data = csvBad, true // ErrBareQuote
		case ',':
			s.state = csvCellStart
			s.cell++
		case '\n':
			s.endRecord()
		default:
			s.data = s.data || !blankByte(b)
		}
	case csvQuoted:
		if b == '"' {
			s.state = csvQuote
		} else {
			s.data = s.data || !blankByte(b)
		}
	case csvQuote:
		switch b {
		case '"':
			s.state, s.data = csvQuoted, true // a quote in the cell
		case ',':
			s.state = csvCellStart
			s.cell++
		case '\n':
			s.endRecord()
		case '\r':
			s.state = csvQuoteCR
		default:
			s.state, s.data = csvBad, true // ErrQuote: a quote in the middle of a quoted cell
		}
	case csvQuoteCR:
		if b == '\n' {
			s.endRecord()
		} else {
			s.state, s.data = csvBad, true
		}
	case csvBad:
		if b == '\n' {
			s.endRecord()
		}
	}
}

// endRecord starts the next record after a line end.
func (s *csvScan) endRecord() {
	if s.data {
		s.rows++
	}
	s.state, s.cell, s.rowLine, s.rowStart, s.data = csvCellStart, 0, s.line, s.off, false
}

// recordLen is how many bytes the record being scanned has taken so far,
// its line end not counted: those scanned since it started, less a last
// CR, which a LF may make the start of its line end. A byte order mark is
// never counted (follow drops it).
func (s *csvScan) recordLen() int64 {
	n := s.off - s.rowStart
	if s.lastCR {
		n--
	}
	return n
}

// lastLine is the last line scanned that holds something.
func (s *csvScan) lastLine() int {
	if s.lastLF && s.line > 1 {
		return s.line - 1
	}
	return s.line
}

// blankByte reports whether b is an ASCII space: what a blank line or a
// blank cell may hold, for the decoders and the counter alike (other
// Unicode spaces make a line a row, with whatever errors it has).
func blankByte(b byte) bool {
	return b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == '\v' || b == '\f'
}

// blankText reports whether s holds only ASCII spaces (blankByte).
func blankText[T string | []byte](s T) bool {
	for i := range len(s) {
		if !blankByte(s[i]) {
			return false
		}
	}
	return true
}
