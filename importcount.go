package enroll

// RowCounter counts an import file's rows as the file is written through
// it, so that a job knows its total (for progress and ETA) before its
// first row is imported, without a second pass over the file.
//
// A CSV file is followed by csvScan, the scanner the decoder reads it
// through, so the count is the rows the decoder reads: quotes decide where
// a row ends, a byte order mark is dropped, blank lines and rows of blank
// cells (ASCII spaces) are skipped, a bare CR is a line end in a file
// whose first line ends so, and the header is not counted. A file that
// the decoder cannot read to its end counts the row it stops at: a quote
// never closed is one row, the last. Only the decoder's limit of 1 MiB a
// row is not the counter's: the rows after an overlong one are counted,
// and the job reports them as not imported.
//
// An NDJSON file counts its lines that hold something besides ASCII
// spaces, after a byte order mark, as its decoder reads them.
type RowCounter struct {
	csv  bool
	scan csvScan
	// held are the bytes scan waits to judge with those after them: the
	// start of a byte order mark, or a CR that may end a line.
	held  [4]byte
	nheld int
	lines ndjsonLines
}

// NewRowCounter returns a counter for a file of the given format.
func NewRowCounter(format string) *RowCounter {
	return &RowCounter{csv: format == FormatCSV, scan: newCSVScan()}
}

// Write counts the rows that end in p.
func (c *RowCounter) Write(p []byte) (int, error) {
	if !c.csv {
		c.lines.write(p)
		return len(p), nil
	}
	n := len(p)
	for len(p) > 0 {
		if c.nheld == 0 {
			_, k := c.scan.follow(nil, p, false)
			// What is left is what scan waits to judge: fewer bytes
			// than a byte order mark.
			c.nheld = copy(c.held[:], p[k:])
			break
		}
		// The bytes held, with as few of p as judge them.
		c.held[c.nheld] = p[0]
		p = p[1:]
		_, k := c.scan.follow(nil, c.held[:c.nheld+1], false)
		c.nheld = copy(c.held[:], c.held[k:c.nheld+1])
	}
	return n, nil
}

// Rows returns the rows counted so far, counting a last row without a
// line end.
func (c *RowCounter) Rows() int {
	if !c.csv {
		return c.lines.rows()
	}
	s := c.scan // the file may go on: what its end would make of it
	s.follow(nil, c.held[:c.nheld], true)
	n := s.rows
	if s.data || s.state == csvQuoted {
		n++ // a last row, or a quote never closed, which the decoder stops at
	}
	if n > 0 {
		n-- // the header
	}
	return n
}

// ndjsonLines counts an NDJSON file's lines that hold something besides
// ASCII spaces (blankByte), skipping a byte order mark, as ndjsonDecoder
// reads them.
type ndjsonLines struct {
	n int
	// data says that the current line holds something besides blanks.
	data bool
	// bom is how many bytes of a byte order mark the file has begun
	// with so far, which the decoder skips; -1 once past its start.
	bom int
}

func (l *ndjsonLines) write(p []byte) {
	for _, b := range p {
		if l.bom >= 0 {
			if b == utf8BOM[l.bom] {
				if l.bom++; l.bom == len(utf8BOM) {
					l.bom = -1
				}
				continue
			}
			if l.bom > 0 {
				l.data = true // part of a mark: bytes of the line
			}
			l.bom = -1
		}
		switch {
		case b == '\n':
			if l.data {
				l.n++
			}
			l.data = false
		case !blankByte(b):
			l.data = true
		}
	}
}

// rows counts a last line without a line end.
func (l *ndjsonLines) rows() int {
	if l.data {
		return l.n + 1
	}
	return l.n
}
