package enroll

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Import file formats.
const (
	FormatCSV    = "csv"
	FormatNDJSON = "ndjson"
)

// maxImportLine bounds one NDJSON line and one CSV record, so a file
// without line ends (or with a quote never closed) cannot make the reader
// buffer it whole. Their line end (LF, CRLF or, in CSV, a bare CR) and a
// byte order mark the file starts with are not counted.
const maxImportLine = 1 << 20

// ImportRow is one decoded row of an import file.
type ImportRow struct {
	// Row is the 1-based line of the row in the file.
	Row int
	// Create is the request the row stands for; nil when Errors is not empty.
	Create *EnrollmentCreate
	// Errors are the reasons the row cannot be imported.
	Errors []ImportError
}

// RowDecoder yields an import file's rows one at a time, so a file of any
// size is read in constant memory.
type RowDecoder interface {
	// Next returns the next row, or io.EOF after the last. Any other error
	// means the file cannot be read further.
	Next() (*ImportRow, error)
	// HeaderErrors lists problems with the file's header (unknown CSV
	// columns, which are ignored).
	HeaderErrors() []ImportError
}

// NewRowDecoder returns the decoder for format (FormatCSV or FormatNDJSON).
func NewRowDecoder(format string, r io.Reader) (RowDecoder, error) {
	switch format {
	case FormatCSV:
		return newCSVDecoder(r)
	case FormatNDJSON:
		br := bufio.NewReaderSize(r, 64<<10)
		if err := ndjsonLooksLikeCSV(br); err != nil {
			return nil, err
		}
		return &ndjsonDecoder{r: br}, nil
	}
	return nil, Errorf(EINVALID, "Unknown import format %q: use text/csv or application/x-ndjson.", format)
}

// ndjsonDecoder reads one create body per line.
type ndjsonDecoder struct {
	r    *bufio.Reader
	line int
}

func (d *ndjsonDecoder) HeaderErrors() []ImportError { return nil }

func (d *ndjsonDecoder) Next() (*ImportRow, error) {
	for {
		line, err := d.readLine()
		if err != nil {
			return nil, err
		}
		d.line++
		if line == nil {
			return &ImportRow{Row: d.line, Errors: []ImportError{{Row: d.line, Message: "line longer than 1 MiB"}}}, nil
		}
		if d.line == 1 {
			line = bytes.TrimPrefix(line, []byte("\ufeff"))
		}
		trimmed := bytes.TrimSpace(line)
		if blankText(line) {
			continue // ASCII spaces only, as RowCounter judges it
		}
		// As POST .../enrollments refuses them: Go's decoder would store
		// U+FFFD in place of the bad bytes, and take null for {}.
		if !utf8.Valid(line) {
			return &ImportRow{Row: d.line, Errors: []ImportError{{Row: d.line, Message: "the line is not valid UTF-8"}}}, nil
		}
		if string(trimmed) == "null" {
			return &ImportRow{Row: d.line, Errors: []ImportError{{Row: d.line, Message: "must be a JSON object (a create body), not null"}}}, nil
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		var in EnrollmentCreate
		if err := dec.Decode(&in); err != nil {
			if field, msg := timeMemberProblem(trimmed, reflect.TypeFor[EnrollmentCreate]()); msg != "" {
				// time.Time's errors name no member, and call a value
				// that is no string invalid JSON: say which member, as
				// the API and a CSV cell do.
				member, rest, _ := strings.Cut(field, ", ")
				if rest != "" {
					msg = rest + ": " + msg
				}
				return &ImportRow{Row: d.line, Errors: []ImportError{{Row: d.line, Field: member, Message: msg}}}, nil
			}
			return &ImportRow{Row: d.line, Errors: []ImportError{{Row: d.line, Field: jsonErrorField(err), Message: jsonErrorMessage(err)}}}, nil
		}
		if dec.More() {
			msg := "more than one JSON value on the line"
			if bytes.ContainsRune(bytes.TrimRight(line, "\r"), '\r') {
				// Old Mac line ends: the whole file is this one line.
				msg += ", which holds bare CRs: NDJSON lines end in LF (or CRLF), not CR alone"
			}
			return &ImportRow{Row: d.line, Errors: []ImportError{{Row: d.line, Message: msg}}}, nil
		}
		if name := exactKeys(line); name != "" {
			// "FIRSTNAME": encoding/json took it for firstName.
			return &ImportRow{Row: d.line, Errors: []ImportError{{Row: d.line, Field: name, Message: "unknown field"}}}, nil
		}
		if p := CheckJSON(line); p != nil {
			// As POST .../enrollments refuses it: a member named twice, or
			// an integer the decoder rounded.
			return &ImportRow{Row: d.line, Errors: []ImportError{{Row: d.line, Field: strings.TrimPrefix(p.FieldIn(line), "."), Message: p.Error()}}}, nil
		}
		return &ImportRow{Row: d.line, Create: &in}, nil
	}
}

// readLine returns the next line without its LF, nil (and no error) for
// a line over maxImportLine, which it skips, and io.EOF at the end. The
// limit does not count the line's end (LF, or CRLF, whose CR is left to
// the caller) or, on the first line, a byte order mark.
func (d *ndjsonDecoder) readLine() ([]byte, error) {
	most := maxImportLine + len("\r\n") // what the line may take with its end
	if d.line == 0 {
		most += len(utf8BOM)
	}
	var buf []byte
	for {
		part, err := d.r.ReadSlice('\n')
		if len(buf)+len(part) <= most {
			buf = append(buf, part...)
		} else {
			buf = nil
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = d.r.ReadSlice('\n')
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, err
			}
			return nil, nil
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(buf) > 0:
			return d.withinLimit(buf, buf), nil
		case err != nil:
			return nil, err
		}
		line := bytes.TrimSuffix(buf, []byte("\n"))
		return d.withinLimit(line, bytes.TrimSuffix(line, []byte("\r"))), nil
	}
}

// withinLimit returns line, or nil when its text, the line without its
// line end, is over maxImportLine bytes, a byte order mark the file
// starts with not counted.
func (d *ndjsonDecoder) withinLimit(line, text []byte) []byte {
	if d.line == 0 {
		text = bytes.TrimPrefix(text, []byte(utf8BOM))
	}
	if len(text) > maxImportLine {
		return nil
	}
	return line
}

func jsonErrorField(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		return strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
	}
	return ""
}

func jsonErrorMessage(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return "must be a JSON object (a create body), not " + jsonKind(te.Value)
		}
		return typeProblem(te)
	}
	if strings.HasPrefix(err.Error(), "json: unknown field ") {
		return "unknown field"
	}
	var pe *time.ParseError
	if errors.As(err, &pe) {
		// time.Time's own error: no field, and Go's layouts.
		if v := strings.Trim(pe.Value, `"`); LeapSecond(v) {
			return "a time " + strconv.Quote(v) + " " + LeapSecondRefusal
		}
		return "a time is not an RFC 3339 date-time (such as 2026-05-01T00:00:00Z): " + strconv.Quote(strings.Trim(pe.Value, `"`))
	}
	return "not valid JSON: " + strings.TrimPrefix(err.Error(), "json: ")
}

// typeProblem says what is wrong with a value of the wrong type, or a
// number that does not fit ("1e400", or 7.5 for an integer).
func typeProblem(te *json.UnmarshalTypeError) string {
	want, got := jsonTypeName(te.Type), jsonKind(te.Value)
	switch {
	case want != got:
		return "must be " + want + ", not " + got
	case te.Type.Kind() == reflect.Float64 || te.Type.Kind() == reflect.Float32:
		return "must be a number within range, not " + strings.TrimPrefix(te.Value, "number ")
	}
	return "must be a whole number within range, not " + strings.TrimPrefix(te.Value, "number ")
}

// unmarshalCell decodes a JSON cell into v, refusing what the API
// refuses in a body and NDJSON in a line: a member sh, v's shape, does not
// name exactly (an unknown one, or one in another letter case, which
// encoding/json alone would drop or take), and what CheckJSON finds (a
// member named twice, a number a float64 would hold as another, a lone
// surrogate escape). sh is nil for free-form JSON (metadata).
func unmarshalCell(cell string, v any, sh *jsonShape) error {
	data := []byte(cell)
	if !json.Valid(data) {
		return cellJSONError(json.Unmarshal(data, v)) // the syntax error
	}
	if msg := cellMemberProblem(data, sh); msg != "" {
		return errors.New(msg)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if path, msg := timeMemberProblem(data, reflect.TypeOf(v)); msg != "" {
			// A device's installDate: named, in the API's words, not
			// in Go's layout.
			return errors.New(path + ": " + msg)
		}
		return cellJSONError(err)
	}
	if p := CheckJSON(data); p != nil {
		return errors.New(p.inCell())
	}
	return nil
}

// timeMemberProblem returns the path and the error of the first member of
// data, valid JSON of Go type t, that a time.Time decodes from and that
// time.Time refuses (not an RFC 3339 string), or "" and "" when there is
// none. The path names a member by its name and a list's item by its
// position: "enrollmentStartDate", "devices, item 2, installDate".
func timeMemberProblem(data []byte, t reflect.Type) (path, problem string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeFor[time.Time]():
		var tm time.Time
		if json.Unmarshal(data, &tm) == nil {
			return "", ""
		}
		var s string
		if json.Unmarshal(data, &s) != nil {
			var v any
			_ = json.Unmarshal(data, &v)
			return "", "must be an RFC 3339 date-time (such as 2026-05-01T00:00:00Z), not " + jsonValueKind(v)
		}
		if LeapSecond(s) {
			return "", strconv.Quote(s) + " " + LeapSecondRefusal
		}
		return "", "must be an RFC 3339 date-time (such as 2026-05-01T00:00:00Z), not " + strconv.Quote(s)
	case t.Kind() == reflect.Struct:
		var members map[string]json.RawMessage
		if json.Unmarshal(data, &members) != nil {
			return "", ""
		}
		for f := range t.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous && name == "" {
				if p, msg := timeMemberProblem(data, f.Type); msg != "" {
					return p, msg
				}
				continue
			}
			raw, ok := members[name]
			if !ok || name == "" || name == "-" || !f.IsExported() {
				continue
			}
			if p, msg := timeMemberProblem(raw, f.Type); msg != "" {
				return joinPath(name, p), msg
			}
		}
	case t.Kind() == reflect.Slice:
		var items []json.RawMessage
		if json.Unmarshal(data, &items) != nil {
			return "", ""
		}
		for i, item := range items {
			if p, msg := timeMemberProblem(item, t.Elem()); msg != "" {
				return joinPath(fmt.Sprintf("item %d", i+1), p), msg
			}
		}
	}
	return "", ""
}

// joinPath puts a member's or an item's name before the path inside it.
func joinPath(name, inner string) string {
	if inner == "" {
		return name
	}
	return name + ", " + inner
}

// cellMemberProblem returns the error of the first member of data, valid
// JSON, that shape sh does not name exactly, or "". A list's item is named
// by its position, as RowErrors names an item's error.
func cellMemberProblem(data []byte, sh *jsonShape) string {
	if sh == nil {
		return ""
	}
	if sh.items == nil {
		s := keyScanner{data: data}
		return memberProblem(s.value(sh, ""), sh, "")
	}
	var items []json.RawMessage
	if json.Unmarshal(data, &items) != nil {
		return "" // not a list: the decoder says so
	}
	for i, item := range items {
		s := keyScanner{data: item}
		if msg := memberProblem(s.value(sh.items, ""), sh.items, fmt.Sprintf("item %d, ", i+1)); msg != "" {
			return msg
		}
	}
	return ""
}

// memberProblem words the error of the unknown member at path (a
// keyScanner's answer; "" for none) of a value of shape sh, after prefix.
// A name another letter case would make known says which name that is.
func memberProblem(path string, sh *jsonShape, prefix string) string {
	if path == "" {
		return ""
	}
	msg := prefix + path + ": unknown member"
	for name := range sh.fields {
		if strings.EqualFold(name, path) {
			msg += " (names are case-sensitive: " + name + ")"
		}
	}
	return msg
}

// cellJSONError explains a CSV cell's JSON that does not decode.
func cellJSONError(err error) error {
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te) && te.Field == "" && strings.HasPrefix(te.Value, "number ") && te.Type.Kind() == reflect.Float64:
		// A number in free-form JSON (metadata, an object parameter's
		// value) that no float64 holds: valid JSON, an object still.
		return errors.New(outOfRange(strings.TrimPrefix(te.Value, "number ")))
	case errors.As(err, &te) && te.Field == "":
		return errors.New("must be JSON: " + strings.TrimPrefix(typeProblem(te), "must be "))
	case errors.As(err, &te):
		return errors.New("must be JSON: " + te.Field + " " + typeProblem(te))
	case jsonErrorField(err) != "":
		return errors.New(jsonErrorField(err) + ": unknown member")
	}
	return errors.New("must be JSON: " + strings.TrimPrefix(err.Error(), "json: "))
}

// outOfRange is the error of a JSON number n no float64 holds (1e400),
// in the words of the API's.
func outOfRange(n string) string {
	return "holds " + n + ", a number out of range: numbers must fit a 64-bit float (about ±1.8e308)"
}

// jsonTypeName names the JSON that decodes into t, for messages that
// should not show Go's type names.
func jsonTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return jsonTypeName(t.Elem())
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct:
		if t == reflect.TypeFor[time.Time]() {
			return "an RFC 3339 time"
		}
		return "an object"
	case reflect.Map:
		return "an object"
	}
	return "another type"
}

// jsonKind names an UnmarshalTypeError's Value ("number", "array", ...)
// with an article.
func jsonKind(v string) string {
	switch {
	case v == "array":
		return "a list"
	case v == "object":
		return "an object"
	case strings.HasPrefix(v, "number"):
		return "a number"
	case v == "bool":
		return "true or false"
	case v == "":
		return "that"
	}
	return "a " + v
}

// csvDecoder reads a CSV file whose header names enrollment fields.
type csvDecoder struct {
	r       *csv.Reader
	src     *csvSource
	setters []csvSetter // per column; nil for ignored columns
	names   []string
	header  []ImportError
	// unnamed marks the columns whose header cell is blank, as a
	// spreadsheet writes trailing empty cells ("email,firstName,,"):
	// ignored, but a row holding a value there fails (unnamedCells).
	unnamed []bool
	// anyUnnamed says whether unnamed marks any column.
	anyUnnamed bool
}

// csvSetter stores one cell in a create request.
type csvSetter func(in *EnrollmentCreate, cell string) error

func newCSVDecoder(r io.Reader) (*csvDecoder, error) {
	src := newCSVSource(r)
	if c := src.firstByte(); c == '{' || c == '[' {
		return nil, errLooksLikeNDJSON(c)
	}
	cr := csv.NewReader(src)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	var pe *csv.ParseError
	switch {
	case src.cut != nil:
		return nil, src.cut.headerError()
	case errors.Is(err, io.EOF) && src.scan.bom:
		return nil, Errorf(EINVALID, "The CSV file has no header row: it holds a byte order mark alone.")
	case errors.Is(err, io.EOF):
		return nil, Errorf(EINVALID, "The CSV file is empty: it needs a header row.")
	case errors.As(err, &pe):
		if c := src.neverClosed(pe.StartLine); c != nil {
			return nil, c.headerError()
		}
		return nil, Errorf(EINVALID, "The CSV header cannot be read: line %d, column %d: %v.", pe.Line, pe.Column, pe.Err)
	case err != nil:
		return nil, Errorf(EINVALID, "The CSV header cannot be read: %v", ErrorMessage(err))
	}
	joined := strings.Join(head, "")
	if !utf8.ValidString(joined) {
		// Often a spreadsheet's "Unicode text", which is UTF-16.
		return nil, Errorf(EINVALID, "The CSV header is not UTF-8 text: save the file as CSV in UTF-8.")
	}
	if strings.TrimSpace(joined) == "" {
		// A file whose first line is blanks has no header.
		return nil, Errorf(EINVALID, "The CSV file has no header row: its first line names no column.")
	}
	if err := otherSeparator(head); err != nil {
		return nil, err
	}
	d := &csvDecoder{r: cr, src: src}
	seen := map[string]bool{}
	for i, name := range head {
		name = strings.TrimSpace(name)
		if strings.ContainsAny(name, "\r\n") {
			// No column's name holds a line break: a header cell that
			// does is a quote misplaced, or lines misread, and every row
			// would be read wrong, not one column ignored.
			return nil, Errorf(EINVALID, "The CSV header's cell %d holds a line break (%s): a column name cannot. "+
				"A quote in the header may be misplaced, or the cell wraps onto a second line.", i+1, quoteExcerpt(name))
		}
		set, known := csvColumn(name)
		switch {
		case name == "":
			// Names no column: not an unknown one, reported once per
			// blank cell; its rows' values are checked (unnamedCells).
			d.anyUnnamed = true
		case !known:
			msg := "unknown column; ignored"
			if meant := columnMeant(name); meant != "" {
				msg += " (did you mean " + meant + "?)"
			}
			d.header = append(d.header, ImportError{Row: 1, Field: name, Message: msg})
		case seen[name]:
			d.header = append(d.header, ImportError{Row: 1, Field: name, Message: "repeated column; ignored"})
			set = nil
		}
		seen[name] = true
		d.setters = append(d.setters, set)
		d.names = append(d.names, name)
		d.unnamed = append(d.unnamed, name == "")
	}
	src.names = d.names // for cuts, which name the cell
	return d, nil
}

// columnMeant returns the column an unknown header cell most likely
// means, or "": one the import takes whose name differs from it only in
// letter case and in spaces, underscores or hyphens between words, as a
// spreadsheet heads its columns ("Email", "First Name", "last_name").
// Such a column is ignored, so every row would fail at it as required;
// naming it says why. The read-only columns an export writes are left
// out: they are ignored under any name. A header may hold a hundred
// thousand unknown cells, so each is one look-up.
func columnMeant(name string) string {
	for _, prefix := range []string{"metadata.", "parameters."} {
		// The key after the prefix is the user's, kept as written.
		if len(name) > len(prefix) && strings.EqualFold(name[:len(prefix)], prefix) {
			return prefix + name[len(prefix):]
		}
	}
	return foldedColumns[foldColumnName(name)]
}

// foldColumnName is name in lower case without spaces, underscores and
// hyphens, as columnMeant compares names.
func foldColumnName(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	for _, r := range name {
		switch r {
		case ' ', '_', '-':
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// foldedColumns maps the folded name of each column an import reads a
// value from to the column.
var foldedColumns = func() map[string]string {
	m := map[string]string{}
	for _, c := range append(slices.Clone(ExportColumns), "eligibilityStatus", "reenroll") {
		if set, _ := csvColumn(c); set != nil {
			m[foldColumnName(c)] = c
		}
	}
	return m
}()

// otherSeparator refuses a header that shows the file's columns are not
// separated by commas: Excel's "sep=;" line before the header, or a
// header of one cell that semicolons or tabs split into columns the
// import takes (a spreadsheet where the comma is the decimal separator
// saves "CSV" with semicolons). Read as it is, such a file is one
// unknown column, and every row fails as if it lacked names and email.
func otherSeparator(head []string) error {
	if line := strings.Join(head, ","); len(head) <= 2 && len(line) == 5 && strings.EqualFold(line[:4], "sep=") {
		return Errorf(EINVALID, "The file opens with a spreadsheet's separator line, %s: remove that line, so that the file "+
			"starts with its header row, and separate the columns with commas.", strconv.Quote(line))
	}
	if len(head) != 1 {
		return nil
	}
	for _, sep := range []struct{ char, words string }{{";", "semicolons"}, {"\t", "tabs"}} {
		parts := strings.Split(head[0], sep.char)
		if len(parts) < 2 {
			continue
		}
		for _, part := range parts {
			if name := strings.TrimSpace(part); name != "" && !strings.ContainsAny(name, ",;\t") {
				if _, known := csvColumn(name); known {
					return Errorf(EINVALID, "The CSV header is one column, %s, whose names are separated by %s: save the file "+
						"as CSV with commas between its columns (a spreadsheet where the comma is the decimal separator "+
						"saves \"CSV\" with semicolons).", quoteExcerpt(head[0]), sep.words)
				}
			}
		}
	}
	return nil
}

// quoteExcerpt quotes s for a message, cut to its first 60 characters: a
// header cell may be as long as a record.
func quoteExcerpt(s string) string {
	if r := []rune(s); len(r) > 60 {
		return strconv.Quote(string(r[:60])) + "…"
	}
	return strconv.Quote(s)
}

// blankRecord reports whether every cell of rec is empty or ASCII spaces,
// as csvScan judges a record (its data) for RowCounter.
func blankRecord(rec []string) bool {
	for _, c := range rec {
		if !blankText(c) {
			return false
		}
	}
	return true
}

func (d *csvDecoder) HeaderErrors() []ImportError { return d.header }

func (d *csvDecoder) Next() (*ImportRow, error) {
	for {
		rec, err := d.r.Read()
		var pe *csv.ParseError
		switch {
		case d.src.cut != nil:
			return nil, Errorf(EINVALID, "%s", d.src.cut)
		case errors.As(err, &pe):
			if c := d.src.neverClosed(pe.StartLine); c != nil {
				return nil, Errorf(EINVALID, "%s", c)
			}
			msg := "malformed CSV: " + pe.Err.Error()
			if pe.Line > pe.StartLine {
				// A quoted cell ran on: say which lines went into the row.
				msg = fmt.Sprintf("malformed CSV, lines %d to %d: %v", pe.StartLine, pe.Line, pe.Err)
			}
			return &ImportRow{Row: pe.StartLine, Errors: []ImportError{{Row: pe.StartLine, Message: msg}}}, nil
		case err != nil:
			return nil, err
		}
		line, _ := d.r.FieldPos(0)
		if blankRecord(rec) {
			continue // a blank line, or separators alone (",,,") as spreadsheets leave them
		}
		row := &ImportRow{Row: line}
		if len(rec) > len(d.setters) {
			row.Errors = append(row.Errors, ImportError{Row: line, Message: fmt.Sprintf("%d cells for %s", len(rec), Quantity(len(d.setters), "column", "columns"))})
			return row, nil
		}
		in := &EnrollmentCreate{}
		var unnamed []int // cells, from 1, holding a value under a blank header cell
		for i, cell := range rec {
			if d.setters[i] == nil || cell == "" {
				if d.anyUnnamed && cell != "" && d.unnamed[i] && !blankText(cell) {
					unnamed = append(unnamed, i+1)
				}
				continue
			}
			if !utf8.ValidString(cell) {
				// As the API refuses such a body: no cell may reach a
				// JSON encoder, which would store U+FFFD in its place.
				row.Errors = append(row.Errors, ImportError{Row: line, Field: d.names[i], Message: "must be valid UTF-8"})
				continue
			}
			if err := d.setters[i](in, cell); err != nil {
				row.Errors = append(row.Errors, ImportError{Row: line, Field: d.names[i], Message: err.Error()})
			}
		}
		if len(unnamed) > 0 {
			row.Errors = append(row.Errors, ImportError{Row: line, Message: unnamedCells(unnamed)})
		}
		if in.IdentificationType == "" {
			in.IdentificationType = IdentifyByCustomerInfo
		}
		if len(row.Errors) == 0 {
			row.Create = in
		}
		return row, nil
	}
}

// unnamedCells is the error of a row holding values in cells (numbered
// from 1) whose header cell is blank: a value no column names, which the
// import would otherwise drop without a word.
// A row as wide as a record may take names its first ten such cells.
func unnamedCells(cells []int) string {
	const most = 10
	nums := make([]string, 0, most)
	for _, c := range cells[:min(len(cells), most)] {
		nums = append(nums, strconv.Itoa(c))
	}
	var list string
	switch {
	case len(cells) == 1:
		return "cell " + nums[0] + " holds a value, but its column has no name in the header: " +
			"name the column in the header row, or leave the cell empty"
	case len(cells) > most:
		list = strings.Join(nums, ", ") + " and " + strconv.Itoa(len(cells)-most) + " more"
	default:
		list = strings.Join(nums[:len(nums)-1], ", ") + " and " + nums[len(nums)-1]
	}
	return "cells " + list + " hold values, but their columns have no name in the header: " +
		"name the columns in the header row, or leave the cells empty"
}

// csvColumn returns the setter of a column and whether the column is known.
// Columns that export writes but import does not take (id, status, times)
// are known and ignored, so an export imports as it is.
func csvColumn(name string) (csvSetter, bool) {
	str := func(f func(*EnrollmentCreate) *string) csvSetter {
		return func(in *EnrollmentCreate, cell string) error { *f(in) = cell; return nil }
	}
	addr := func(f func(*Address) *string) csvSetter {
		return func(in *EnrollmentCreate, cell string) error {
			if in.Address == nil {
				in.Address = &Address{}
			}
			*f(in.Address) = cell
			return nil
		}
	}
	list := func(f func(*EnrollmentCreate) *[]string) csvSetter {
		return func(in *EnrollmentCreate, cell string) error {
			items, err := splitList(cell)
			*f(in) = items
			return err
		}
	}
	switch name {
	case "id", "programInstanceId", "status", "eligibilityReason", "createdAt", "updatedAt", "enrolledAt", "unenrolledAt":
		return nil, true
	case "identificationType":
		return func(in *EnrollmentCreate, cell string) error {
			in.IdentificationType = IdentificationType(cell)
			return nil
		}, true
	case "eligibilityStatus":
		return func(in *EnrollmentCreate, cell string) error { in.EligibilityStatus = Status(cell); return nil }, true
	case "reenroll":
		return func(in *EnrollmentCreate, cell string) error {
			b, ok := boolCell(cell)
			if !ok {
				return errors.New("must be true or false")
			}
			in.Reenroll = &b
			return nil
		}, true
	case "enrollmentStartDate":
		return func(in *EnrollmentCreate, cell string) error {
			t, err := parseDate(cell)
			in.EnrollmentStartDate = &t
			return err
		}, true
	case "customerId":
		return str(func(in *EnrollmentCreate) *string { return &in.CustomerID }), true
	case "leadId":
		return str(func(in *EnrollmentCreate) *string { return &in.LeadID }), true
	case "enrollmentId":
		return str(func(in *EnrollmentCreate) *string { return &in.EnrollmentID }), true
	case "firstName":
		return str(func(in *EnrollmentCreate) *string { return &in.FirstName }), true
	case "lastName":
		return str(func(in *EnrollmentCreate) *string { return &in.LastName }), true
	case "email":
		return str(func(in *EnrollmentCreate) *string { return &in.Email }), true
	case "phone":
		return str(func(in *EnrollmentCreate) *string { return &in.Phone }), true
	case "serialNumber":
		return str(func(in *EnrollmentCreate) *string { return &in.SerialNumber }), true
	case "referenceId":
		return str(func(in *EnrollmentCreate) *string { return &in.ReferenceID }), true
	case "referenceDescription":
		return str(func(in *EnrollmentCreate) *string { return &in.ReferenceDescription }), true
	case "notes":
		return str(func(in *EnrollmentCreate) *string { return &in.Notes }), true
	case "assignee":
		return str(func(in *EnrollmentCreate) *string { return &in.Assignee }), true
	case "address.streetOne":
		return addr(func(a *Address) *string { return &a.StreetOne }), true
	case "address.streetTwo":
		return addr(func(a *Address) *string { return &a.StreetTwo }), true
	case "address.city":
		return addr(func(a *Address) *string { return &a.City }), true
	case "address.state":
		return addr(func(a *Address) *string { return &a.State }), true
	case "address.postalCode":
		return addr(func(a *Address) *string { return &a.PostalCode }), true
	case "address.country":
		return addr(func(a *Address) *string { return &a.Country }), true
	case "manufacturerSlugs":
		return list(func(in *EnrollmentCreate) *[]string { return &in.ManufacturerSlugs }), true
	case "tags":
		return list(func(in *EnrollmentCreate) *[]string { return &in.Tags }), true
	case "groupIds":
		return list(func(in *EnrollmentCreate) *[]string { return &in.GroupIDs }), true
	case "metadata":
		// Merged with metadata.* columns, whichever comes first: a key
		// both set is an error, not one value silently winning.
		return func(in *EnrollmentCreate, cell string) error {
			var m map[string]any
			if err := unmarshalCell(cell, &m, nil); err != nil {
				return err
			}
			if in.Metadata == nil {
				in.Metadata = map[string]any{}
			}
			for k, v := range m {
				if _, dup := in.Metadata[k]; dup {
					return fmt.Errorf("sets %q, which its metadata.%s column sets too", k, k)
				}
				in.Metadata[k] = v
			}
			return nil
		}, true
	case "parameters":
		// Added to those of parameters.* columns: validation refuses a
		// parameter given twice.
		return func(in *EnrollmentCreate, cell string) error {
			var ps []ParameterValue
			if err := unmarshalCell(cell, &ps, createShape().fields["parameters"]); err != nil {
				return err
			}
			in.Parameters = append(in.Parameters, ps...)
			return nil
		}, true
	case "devices":
		return func(in *EnrollmentCreate, cell string) error {
			return unmarshalCell(cell, &in.Devices, createShape().fields["devices"])
		}, true
	}
	if key, ok := strings.CutPrefix(name, "metadata."); ok && key != "" {
		return func(in *EnrollmentCreate, cell string) error {
			if in.Metadata == nil {
				in.Metadata = map[string]any{}
			}
			if _, dup := in.Metadata[key]; dup {
				return errors.New("is set by the metadata column too")
			}
			if strings.ContainsRune(cell, 0) {
				// Here rather than in validation, which would name
				// the metadata as a whole.
				return errors.New("must not contain NUL characters")
			}
			in.Metadata[key] = cell
			return nil
		}, true
	}
	if id, ok := strings.CutPrefix(name, "parameters."); ok && id != "" {
		return func(in *EnrollmentCreate, cell string) error {
			// A string; CoerceParameters gives it the declared type.
			in.Parameters = append(in.Parameters, ParameterValue{ExternalID: id, Value: cell})
			return nil
		}, true
	}
	return nil, false
}

// splitList splits a "a|b|c" cell, dropping empty items and the spaces
// around each; a cell that is a JSON list (["a|b", " c"]) is its items as
// they are, as an export writes items that hold "|" or spaces (listCell),
// and each item must be a string. A cell that only looks like one ("[a]",
// not JSON) is text.
func splitList(cell string) ([]string, error) {
	if t := strings.TrimSpace(cell); strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]") && json.Valid([]byte(t)) {
		var items []string
		if json.Unmarshal([]byte(t), &items) != nil {
			// Not one item "[...]": an item that is not a string.
			var all []any
			_ = json.Unmarshal([]byte(t), &all)
			for i, it := range all {
				if _, ok := it.(string); !ok && it != nil {
					return nil, fmt.Errorf("item %d: must be a string, not %s", i+1, jsonValueKind(it))
				}
			}
			return nil, errors.New("must be a JSON list of strings")
		}
		if p := CheckJSON([]byte(t)); p != nil {
			return nil, errors.New(p.inCell())
		}
		return items, nil
	}
	var out []string
	for _, s := range strings.Split(cell, "|") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// jsonValueKind names the kind of decoded JSON v, with an article.
func jsonValueKind(v any) string {
	switch v.(type) {
	case float64:
		return "a number"
	case bool:
		return "true or false"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return "null"
}

func parseDate(s string) (time.Time, error) {
	if t, _, err := ParseTime(s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil && LeapSecond(s) {
		return t, errors.New(LeapSecondRefusal)
	} else if err != nil {
		return t, errors.New("must be a date (YYYY-MM-DD) or an RFC 3339 time")
	}
	return t, nil
}
