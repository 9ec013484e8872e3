package enroll

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
)

// An import file sent as the other format (NDJSON as text/csv, a CSV
// file as application/x-ndjson) is refused at upload with a message
// naming the media type to send, rather than read as what it is not: an
// NDJSON file as a CSV header with a bare quote in it, or a CSV file as a
// job whose every line fails as "not valid JSON".

// errLooksLikeNDJSON is the error of a CSV upload whose first byte, after
// a byte order mark and blank lines, is first: "{" or "[", which begins
// JSON and no CSV header.
func errLooksLikeNDJSON(first byte) error {
	list := ""
	if first == '[' {
		list = " (a JSON list must be sent as NDJSON: one create body per line)"
	}
	return Errorf(EINVALID, "The body looks like NDJSON, not CSV: it starts with %q%s. Send NDJSON as application/x-ndjson "+
		"(enroll import: --format ndjson), or send CSV, with a header row, as text/csv.", string(first), list)
}

// firstByte returns the file's first byte that is not part of a byte
// order mark or blank (ASCII spaces, line ends), looking as far ahead as
// the source's buffer holds, or 0 when there is none there. It is called
// before the file is read.
func (s *csvSource) firstByte() byte {
	for {
		b := s.buf[s.lo:s.hi]
		if len(b) < len(utf8BOM) && strings.HasPrefix(utf8BOM, string(b)) && s.err == nil {
			s.fill() // perhaps the start of a mark
			continue
		}
		b = bytes.TrimPrefix(b, []byte(utf8BOM))
		for _, c := range b {
			if !blankByte(c) {
				return c
			}
		}
		if s.err != nil || s.hi == len(s.buf) {
			return 0
		}
		s.fill()
	}
}

// ndjsonLooksLikeCSV returns the error of an NDJSON upload whose first
// line, after a byte order mark and blank lines, is a CSV header rather
// than JSON: not JSON, and cells of which one at least is a column a CSV
// import reads ("email", "firstName"). It returns nil otherwise, and for
// a first line longer than r's buffer, whose own error says what it is.
func ndjsonLooksLikeCSV(r *bufio.Reader) error {
	head, _ := r.Peek(r.Size())
	head = bytes.TrimPrefix(head, []byte(utf8BOM))
	for {
		line, rest, found := bytes.Cut(head, []byte("\n"))
		if !found && len(head) == r.Size() {
			return nil
		}
		if blankText(line) && found {
			head = rest
			continue
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '{' || line[0] == '[' || json.Valid(line) {
			return nil
		}
		cr := csv.NewReader(bytes.NewReader(line))
		cr.LazyQuotes = true
		cells, err := cr.Read()
		if err != nil || len(cells) < 2 {
			return nil
		}
		var known []string
		for _, c := range cells {
			if c = strings.TrimSpace(c); c != "" {
				if _, ok := csvColumn(c); ok && len(known) < 3 {
					known = append(known, c)
				}
			}
		}
		if len(known) == 0 {
			return nil
		}
		return Errorf(EINVALID, "The body looks like CSV, not NDJSON: its first line is a header naming columns (%s). "+
			"Send CSV as text/csv (enroll import: --format csv), or send NDJSON, one create body per line, as application/x-ndjson.",
			strings.Join(known, ", "))
	}
}
