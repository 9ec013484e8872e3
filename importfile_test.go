package enroll_test

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// readAll decodes every row of an import file.
func readAll(t *testing.T, format, file string) ([]*enroll.ImportRow, []enroll.ImportError) {
	t.Helper()
	d, err := enroll.NewRowDecoder(format, strings.NewReader(file))
	if err != nil {
		t.Fatalf("NewRowDecoder: %v", err)
	}
	var rows []*enroll.ImportRow
	for {
		r, err := d.Next()
		if errors.Is(err, io.EOF) {
			return rows, d.HeaderErrors()
		} else if err != nil {
			t.Fatalf("Next: %v", err)
		}
		rows = append(rows, r)
	}
}

func TestCSVDecoder(t *testing.T) {
	t.Parallel()
	file := "\ufefffirstName,lastName,email,address.city,tags,manufacturerSlugs,metadata.source,parameters.kw,shoeSize,enrollmentStartDate,status\n" +
		"Suzie,Homeowner,suzie@example.com,New York,a|b,tesla,mailer,7,42,2026-05-01,approved\n" +
		"\n" +
		",,, ,,,,,,,\n" + // a spreadsheet's empty row: skipped
		"\"Multi\nLine\",X,x@example.com,,,,,,,not-a-date,\n" +
		"too,many,cells,1,2,3,4,5,6,7,8,9\n"
	rows, header := readAll(t, enroll.FormatCSV, file)
	if len(header) != 1 || header[0].Field != "shoeSize" || header[0].Row != 1 {
		t.Fatalf("header errors = %+v", header)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3", len(rows))
	}
	c := rows[0].Create
	if rows[0].Row != 2 || c == nil || c.IdentificationType != enroll.IdentifyByCustomerInfo || c.Address.City != "New York" ||
		!reflect.DeepEqual(c.Tags, []string{"a", "b"}) || c.Metadata["source"] != "mailer" || c.Parameters[0].Value != "7" ||
		!c.EnrollmentStartDate.Equal(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)) || c.EligibilityStatus != "" {
		t.Fatalf("row 2 = %+v", c)
	}
	if r := rows[1]; r.Row != 5 || r.Create != nil || len(r.Errors) != 1 || r.Errors[0].Field != "enrollmentStartDate" {
		t.Fatalf("row 5 = %+v", r)
	}
	if r := rows[2]; r.Row != 7 || r.Create != nil || len(r.Errors) != 1 {
		t.Fatalf("row 7 = %+v", r)
	}
	if _, err := enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader("")); enroll.ErrorCode(err) != enroll.EINVALID {
		t.Fatalf("empty file: %v", err)
	}
}

// TestCSVTooManyCells: a row with more cells than the header has columns
// fails, saying how many of each.
func TestCSVTooManyCells(t *testing.T) {
	t.Parallel()
	for file, want := range map[string]string{
		"email\na@example.com,x\n":         "2 cells for 1 column",
		"email,notes\na@example.com,x,y\n": "3 cells for 2 columns",
	} {
		rows, _ := readAll(t, enroll.FormatCSV, file)
		if len(rows) != 1 || len(rows[0].Errors) != 1 || rows[0].Errors[0].Message != want {
			t.Errorf("%q: %+v, want %q", file, rows, want)
		}
	}
}

// TestCSVDates checks the date cells people type: a day, or an RFC 3339
// time in either case (§5.6 allows "t" and "z").
func TestCSVDates(t *testing.T) {
	t.Parallel()
	for cell, want := range map[string]time.Time{
		"2026-05-01":                time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC),
		"2026-05-01T10:00:00Z":      time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC),
		"2026-05-01t10:00:00z":      time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC),
		"2026-05-01t12:00:00+02:00": time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC),
		"2026-05-01 10:00:00Z":      {},
		"2026-05-01t10:00:00":       {},
		"May 1st":                   {},
	} {
		rows, _ := readAll(t, enroll.FormatCSV, "email,enrollmentStartDate\nx@example.com,"+cell+"\n")
		switch r := rows[0]; {
		case want.IsZero() && (r.Create != nil || len(r.Errors) != 1 || r.Errors[0].Field != "enrollmentStartDate"):
			t.Errorf("%q: %+v, want an error at enrollmentStartDate", cell, r)
		case !want.IsZero() && (r.Create == nil || !r.Create.EnrollmentStartDate.Equal(want) || r.Create.EnrollmentStartDate.Location() != time.UTC):
			t.Errorf("%q: %+v, want %v", cell, r, want)
		}
	}
}

func TestNDJSONDecoder(t *testing.T) {
	t.Parallel()
	file := `{"identificationType":"customerInfo","firstName":"A","lastName":"B","email":"a@example.com"}` + "\n\n" +
		`{"identificationType":"customerInfo","shoeSize":42}` + "\n" +
		`{"tags":"not-a-list"}` + "\n" +
		`not json` + "\n" +
		`{"identificationType":"customerId","customerId":"c1"}` // no final newline
	rows, _ := readAll(t, enroll.FormatNDJSON, file)
	if len(rows) != 5 {
		t.Fatalf("%d rows, want 5", len(rows))
	}
	if rows[0].Create == nil || rows[0].Create.Email != "a@example.com" {
		t.Fatalf("row 1 = %+v", rows[0])
	}
	for i, want := range []string{"shoeSize", "tags", ""} {
		r := rows[i+1]
		if r.Create != nil || len(r.Errors) != 1 || r.Errors[0].Field != want {
			t.Errorf("row %d = %+v, want an error on %q", r.Row, r, want)
		}
	}
	if rows[1].Row != 3 || rows[4].Row != 6 || rows[4].Create.CustomerID != "c1" {
		t.Fatalf("line numbers: %d %d", rows[1].Row, rows[4].Row)
	}
	long := strings.Repeat("x", 2<<20) + "\n" + `{"identificationType":"customerId","customerId":"c2"}` + "\n"
	rows, _ = readAll(t, enroll.FormatNDJSON, long)
	if len(rows) != 2 || rows[0].Create != nil || rows[1].Create.CustomerID != "c2" {
		t.Fatalf("a huge line must be one bad row: %d rows", len(rows))
	}
	// A BOM starts the file as in CSV; bytes that are not UTF-8 and lines
	// that are not objects are bad rows, as the API refuses them.
	odd := "\ufeff" + `{"identificationType":"customerId","customerId":"c3"}` + "\n" +
		`{"identificationType":"customerInfo","firstName":"Jos` + "\xe9" + `","lastName":"B","email":"j@example.com"}` + "\n" +
		"null\n[1]\n"
	rows, _ = readAll(t, enroll.FormatNDJSON, odd)
	if len(rows) != 4 || rows[0].Create == nil || rows[0].Create.CustomerID != "c3" {
		t.Fatalf("a BOM: rows %+v", rows)
	}
	for i, want := range []string{"not valid UTF-8", "must be a JSON object (a create body), not null", "must be a JSON object (a create body), not a list"} {
		if r := rows[i+1]; r.Create != nil || len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Message, want) {
			t.Errorf("line %d = %+v, want %q", r.Row, r, want)
		}
	}
	// A string never closed fails its line alone: a line ends at LF,
	// whatever its quotes, so no later line is lost.
	rows, _ = readAll(t, enroll.FormatNDJSON, `{"identificationType":"customerId","customerId":"c6","notes":"never closed}`+"\n"+
		`{"identificationType":"customerId","customerId":"c7"}`+"\n"+`{"identificationType":"customerId","customerId":"c8"}`)
	if len(rows) != 3 || rows[0].Create != nil || rows[1].Create == nil || rows[2].Create == nil || rows[2].Row != 3 {
		t.Errorf("a string never closed: %+v", rows)
	}
	// Lines ending in a bare CR are one line of several values, which
	// fails saying so.
	rows, _ = readAll(t, enroll.FormatNDJSON, `{"identificationType":"customerId","customerId":"c4"}`+"\r"+`{"identificationType":"customerId","customerId":"c5"}`+"\r")
	if len(rows) != 1 || rows[0].Create != nil || !strings.Contains(rows[0].Errors[0].Message, "bare CRs: NDJSON lines end in LF") {
		t.Errorf("bare CR lines: %+v", rows)
	}
}

// TestExportImportRoundTrip checks that an exported enrollment imports as
// the same participant data.
func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	e := &enroll.Enrollment{ID: "e1", IdentificationType: enroll.IdentifyByCustomerInfo, ProgramInstanceID: "i1",
		FirstName: "Suzie", LastName: "Home, \"owner\"", Email: "s@example.com", Phone: "+1",
		Address:           &enroll.Address{StreetOne: "123 Main St", City: "New York", State: "NY", PostalCode: "10001"},
		ManufacturerSlugs: []string{"tesla", "enphase"}, Tags: []string{"a|b", "c", " d "}, GroupIDs: []string{"g|2"},
		Metadata: map[string]any{"k": "v"}, Parameters: []enroll.ParameterValue{{ExternalID: "p", Value: "x"}},
		Devices: []enroll.Device{{SerialNumber: "SN1"}}, ReferenceID: "r1", Notes: "line1\nline2",
		EnrollmentStartDate: &start, Eligibility: enroll.Eligibility{Status: enroll.StatusApproved}, CreatedAt: start, UpdatedAt: start}
	var buf bytes.Buffer
	x, err := enroll.NewCSVExporter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Write(e); err != nil || x.Flush() != nil {
		t.Fatal(err)
	}
	rows, header := readAll(t, enroll.FormatCSV, buf.String())
	if len(header) != 0 || len(rows) != 1 || rows[0].Create == nil {
		t.Fatalf("import of an export: header %+v rows %+v", header, rows)
	}
	c := rows[0].Create
	if c.FirstName != e.FirstName || c.LastName != e.LastName || c.Email != e.Email || *c.Address != *e.Address ||
		!reflect.DeepEqual(c.ManufacturerSlugs, e.ManufacturerSlugs) || !reflect.DeepEqual(c.Tags, e.Tags) ||
		!reflect.DeepEqual(c.GroupIDs, e.GroupIDs) || !reflect.DeepEqual(c.Metadata, e.Metadata) ||
		!reflect.DeepEqual(c.Parameters, e.Parameters) || c.Devices[0].SerialNumber != "SN1" || c.Notes != e.Notes ||
		!c.EnrollmentStartDate.Equal(start) || c.ReferenceID != "r1" {
		t.Fatalf("round trip = %+v", c)
	}
	// Plain lists stay plain; one that would read back otherwise is JSON.
	for _, c := range []struct {
		items []string
		cell  string
	}{
		{[]string{"a", "b"}, "a|b"},
		{nil, ""},
		{[]string{"a|b"}, `["a|b"]`},
		{[]string{`["x"]`}, `["[\"x\"]"]`},
	} {
		var buf bytes.Buffer
		x, _ := enroll.NewCSVExporter(&buf)
		if err := x.Write(&enroll.Enrollment{Tags: c.items}); err != nil || x.Flush() != nil {
			t.Fatal(err)
		}
		rows, _ := readAll(t, enroll.FormatCSV, buf.String())
		if got := rows[0].Create.Tags; !reflect.DeepEqual(got, c.items) {
			t.Errorf("tags %q read back as %q", c.items, got)
		}
		if !strings.Contains(buf.String(), ","+csvQuote(c.cell)+",") && c.cell != "" {
			t.Errorf("tags %q written as %s, want the cell %s", c.items, buf.String(), c.cell)
		}
	}
}

// csvQuote is cell as encoding/csv writes it.
func csvQuote(cell string) string {
	if !strings.ContainsAny(cell, "\",\n") {
		return cell
	}
	return `"` + strings.ReplaceAll(cell, `"`, `""`) + `"`
}

func TestCoerceParameters(t *testing.T) {
	t.Parallel()
	inst := &enroll.ProgramInstance{Parameters: []enroll.Parameter{
		{ExternalID: "n", Type: enroll.ParamNumber}, {ExternalID: "b", Type: enroll.ParamBoolean},
		{ExternalID: "o", Type: enroll.ParamObject}, {ExternalID: "s", Type: enroll.ParamString}}}
	vals := []enroll.ParameterValue{{ExternalID: "n", Value: " 7.5"}, {ExternalID: "b", Value: "true"},
		{ExternalID: "o", Value: `{"a":1}`}, {ExternalID: "s", Value: "7"}, {ExternalID: "n", Value: "seven"}}
	inst.CoerceParameters(vals)
	if vals[0].Value != 7.5 || vals[1].Value != true || vals[2].Value.(map[string]any)["a"] != 1.0 || vals[3].Value != "7" || vals[4].Value != "seven" {
		t.Fatalf("coerced = %+v", vals)
	}
	// strconv parses these, but no JSON number is: left as text, for
	// validation to refuse (as a NaN they failed the import's JSON). So
	// are Go's literals (a hex float, digits with underscores), which
	// neither JSON nor a spreadsheet writes, and "1_0" is likelier a typo
	// than 10.
	for _, word := range []string{"NaN", "Inf", "-Infinity", "+inf", "0x1p4", "0X1.8P1", "1_0", "1_000", "0x10", "+1", ".5", "5.", "01", "1e"} {
		vals := []enroll.ParameterValue{{ExternalID: "n", Value: word}}
		inst.CoerceParameters(vals)
		if vals[0].Value != word {
			t.Errorf("%q coerced to %v", word, vals[0].Value)
		}
	}
	for cell, want := range map[string]float64{"-0.5e3": -500, "0": 0, "10": 10, " 1E2 ": 100, "-0": 0} {
		vals := []enroll.ParameterValue{{ExternalID: "n", Value: cell}}
		inst.CoerceParameters(vals)
		if vals[0].Value != want {
			t.Errorf("%q coerced to %v, want %v", cell, vals[0].Value, want)
		}
	}
	// A boolean is true or false; spreadsheets write them in capitals.
	for cell, want := range map[string]any{"TRUE": true, "False": false, " false ": false,
		"t": "t", "F": "F", "1": "1", "0": "0", "yes": "yes"} {
		vals := []enroll.ParameterValue{{ExternalID: "b", Value: cell}}
		inst.CoerceParameters(vals)
		if vals[0].Value != want {
			t.Errorf("%q coerced to %v, want %v", cell, vals[0].Value, want)
		}
	}
}

// TestCSVReenroll: the reenroll cell is true or false, in any letter case,
// as a boolean parameter's; not t, 1 or 0, which strconv.ParseBool took.
func TestCSVReenroll(t *testing.T) {
	t.Parallel()
	for cell, want := range map[string]any{"true": true, "FALSE": false, "True": true, "t": nil, "1": nil, "0": nil, "F": nil} {
		rows, _ := readAll(t, enroll.FormatCSV, "email,reenroll\nx@example.com,"+cell+"\n")
		r := rows[0]
		switch {
		case want == nil && (r.Create != nil || len(r.Errors) != 1 || r.Errors[0].Field != "reenroll" || r.Errors[0].Message != "must be true or false"):
			t.Errorf("%q: %+v, want an error at reenroll", cell, r)
		case want != nil && (r.Create == nil || r.Create.Reenroll == nil || *r.Create.Reenroll != want):
			t.Errorf("%q: %+v, want %v", cell, r, want)
		}
	}
}

// TestCSVHeaderBOM checks that a byte order mark before a quoted header
// name is skipped (PowerShell's Export-Csv writes one) and that a header
// the CSV reader cannot read says where, not "Internal error".
func TestCSVHeaderBOM(t *testing.T) {
	t.Parallel()
	rows, header := readAll(t, enroll.FormatCSV, "\ufeff\"firstName\",\"lastName\",\"email\"\r\n\"Q\",\"B\",\"q@example.com\"\r\n")
	if len(header) != 0 || len(rows) != 1 || rows[0].Create == nil || rows[0].Create.FirstName != "Q" || rows[0].Create.Email != "q@example.com" {
		t.Fatalf("rows %+v, header errors %+v", rows, header)
	}
	for file, want := range map[string]string{
		"first\"Name,lastName\nA,B\n": `The CSV header cannot be read: line 1, column 6: bare " in non-quoted-field.`,
		"\ufeff":                      "The CSV file has no header row: it holds a byte order mark alone.",
		"\xfe\xffA":                   "The CSV header is not UTF-8 text: save the file as CSV in UTF-8.",
	} {
		_, err := enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(file))
		if enroll.ErrorCode(err) != enroll.EINVALID || enroll.ErrorMessage(err) != want {
			t.Errorf("%q: %v, want %q", file, err, want)
		}
	}
}

// TestCSVCells checks cells that used to pass wrong: bytes that are not
// UTF-8 in cells that reach no validation of text (metadata, parameters,
// JSON cells) became U+FFFD; a metadata or parameters JSON column wiped
// the metadata.* or parameters.* cells before it.
func TestCSVCells(t *testing.T) {
	t.Parallel()
	bad := "x\xffy"
	file := "firstName,lastName,email,metadata.k,parameters.meter,metadata,devices\n" +
		"A,B,a@example.com," + bad + "," + bad + ",\"{\"\"a\"\":\"\"" + bad + "\"\"}\",\"[{\"\"id\"\":\"\"" + bad + "\"\"}]\"\n"
	rows, _ := readAll(t, enroll.FormatCSV, file)
	var fields []string
	for _, e := range rows[0].Errors {
		if e.Message == "must be valid UTF-8" {
			fields = append(fields, e.Field)
		}
	}
	if rows[0].Create != nil || !slices.Equal(fields, []string{"metadata.k", "parameters.meter", "metadata", "devices"}) {
		t.Errorf("not UTF-8: create %+v, errors %+v", rows[0].Create, rows[0].Errors)
	}

	rows, _ = readAll(t, enroll.FormatCSV, "firstName,metadata.a,parameters.kw,metadata,parameters\n"+
		"A,v,8,\"{\"\"b\"\":1}\",\"[{\"\"externalId\"\":\"\"flag\"\",\"\"value\"\":true}]\"\n"+
		"B,v,,\"{\"\"a\"\":\"\"json\"\"}\",\n")
	c := rows[0].Create
	if c == nil || !reflect.DeepEqual(c.Metadata, map[string]any{"a": "v", "b": 1.0}) ||
		!reflect.DeepEqual(c.Parameters, []enroll.ParameterValue{{ExternalID: "kw", Value: "8"}, {ExternalID: "flag", Value: true}}) {
		t.Errorf("merged columns: %+v, errors %+v", c, rows[0].Errors)
	}
	if r := rows[1]; r.Create != nil || len(r.Errors) != 1 || r.Errors[0].Field != "metadata" {
		t.Errorf("a key set twice: %+v", r)
	}
}

// FuzzCSVDecoder feeds arbitrary files to the CSV decoder: it must never
// panic, and every row it returns is either a request or has errors.
func FuzzCSVDecoder(f *testing.F) {
	f.Add("firstName,lastName,email\nA,B,a@example.com\n")
	f.Add("tags,metadata,parameters\na|b,{},[]\n")
	f.Add("email,\"unterminated\n")
	f.Add("address.city,metadata.x,parameters.y,reenroll\nX,Y,Z,maybe\n")
	f.Fuzz(func(t *testing.T, file string) {
		d, err := enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(file))
		if err != nil {
			return
		}
		for range 10000 {
			r, err := d.Next()
			if err != nil {
				return
			}
			if (r.Create == nil) == (len(r.Errors) == 0) {
				t.Fatalf("row %d: request %v with errors %v", r.Row, r.Create, r.Errors)
			}
		}
	})
}

// FuzzNDJSONDecoder does the same for NDJSON files.
func FuzzNDJSONDecoder(f *testing.F) {
	f.Add(`{"identificationType":"customerInfo"}` + "\n")
	f.Add("{}\n[]\nnull\n\"x\"\n")
	f.Add(`{"address":{"city":1}}`)
	f.Fuzz(func(t *testing.T, file string) {
		d, _ := enroll.NewRowDecoder(enroll.FormatNDJSON, strings.NewReader(file))
		for range 10000 {
			r, err := d.Next()
			if err != nil {
				return
			}
			if (r.Create == nil) == (len(r.Errors) == 0) {
				t.Fatalf("row %d: request %v with errors %v", r.Row, r.Create, r.Errors)
			}
		}
	})
}

// TestDecoderJSONErrors checks that rows whose JSON does not fit say so in
// the API's terms, at the member or column, never in Go's type names.
func TestDecoderJSONErrors(t *testing.T) {
	t.Parallel()
	ndjson := "[1,2]\n{\"firstName\": 5}\n{\"devices\": [{\"serialNumber\": 7}]}\n{\"address\": \"x\"}\n{\"tags\": \"x\"}\n{\"oops\": 1}\n{bad\n" +
		"{\"metadata\": {\"a\": 1e400}}\n{\"enrollmentStartDate\": \"2026-05-01\"}\n"
	csvFile := "firstName,devices,metadata,parameters\nA,\"[{\"\"serialNumber\"\": 7}]\",[1],{\n"
	want := []enroll.ImportError{
		{Row: 1, Field: "", Message: "must be a JSON object (a create body), not a list"},
		{Row: 2, Field: "firstName", Message: "must be a string, not a number"},
		{Row: 3, Field: "devices.serialNumber", Message: "must be a string, not a number"},
		{Row: 4, Field: "address", Message: "must be an object, not a string"},
		{Row: 5, Field: "tags", Message: "must be a list, not a string"},
		{Row: 6, Field: "oops", Message: "unknown field"},
		{Row: 7, Field: "", Message: "not valid JSON: invalid character 'b' looking for beginning of object key string"},
		{Row: 8, Field: "metadata", Message: "must be a number within range, not 1e400"},
		{Row: 9, Field: "enrollmentStartDate", Message: `must be an RFC 3339 date-time (such as 2026-05-01T00:00:00Z), not "2026-05-01"`},
		{Row: 2, Field: "devices", Message: "must be JSON: serialNumber must be a string, not a number"},
		{Row: 2, Field: "metadata", Message: "must be JSON: an object, not a list"},
		{Row: 2, Field: "parameters", Message: "must be JSON: unexpected end of JSON input"},
	}
	var got []enroll.ImportError
	for format, file := range map[string]string{enroll.FormatNDJSON: ndjson, enroll.FormatCSV: csvFile} {
		rows, _ := readAll(t, format, file)
		for _, r := range rows {
			got = append(got, r.Errors...)
		}
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("missing %+v in %+v", w, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d errors, want %d: %+v", len(got), len(want), got)
	}
}

// TestCSVRecordLimit: a CSV row over 1 MiB (a huge cell, or a quote never
// closed) ends the file with an error instead of being read into memory
// whole, saying which row it is and why; the rows before it are read, and
// a row just under the limit is a row like any other. Blank lines are no
// part of a row, however many there are.
func TestCSVRecordLimit(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 3<<20)
	const head = "firstName,lastName,email,notes\nA,B,a@example.com,n\n"
	for _, c := range []struct {
		name, file string
		rows       int    // rows before the error; -1: the header is refused
		want       string // in the error; "" for none
	}{
		{"huge cell", head + "C,D,c@example.com," + big + "\nE,F,e@example.com,n\n", 1, "row 3 is longer than 1 MiB (a cell too large)"},
		{"quote never closed", head + "C,D,c@example.com,\"" + big + "\nE,F,e@example.com,n\n", 1,
			"row 3's notes cell opens a quote on line 3 that is never closed, so lines 3 to 4, the rest of the file, were read as that one cell"},
		{"quote closed late", head + "C,D,c@example.com,\"" + big + "\n\"\nE,F,e@example.com,n\n", 1,
			"row 3 is longer than 1 MiB: its notes cell opens a quote on line 3 that closes only on line 4"},
		{"blank lines", head + strings.Repeat("\n", 2<<20) + strings.Repeat("\r\n", 1<<20) + "E,F,e@example.com,n\n", 2, ""},
		{"huge header", big + "\nA\n", -1, "The CSV header cannot be read: it is longer than 1 MiB (a cell too large)."},
	} {
		d, err := enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(c.file))
		if c.rows < 0 {
			if enroll.ErrorCode(err) != enroll.EINVALID || enroll.ErrorMessage(err) != c.want {
				t.Errorf("%s: NewRowDecoder = %v, want %q", c.name, err, c.want)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			r, err := d.Next()
			if err != nil {
				if c.want == "" && !errors.Is(err, io.EOF) || c.want != "" && !strings.Contains(enroll.ErrorMessage(err), c.want) {
					t.Errorf("%s: after %d rows, Next = %v, want %q", c.name, n, err, c.want)
				}
				break
			}
			if r.Create == nil {
				t.Errorf("%s: row %d has errors %v", c.name, r.Row, r.Errors)
			}
			n++
		}
		if n != c.rows {
			t.Errorf("%s: %d rows before the long one, want %d", c.name, n, c.rows)
		}
	}
	// Just under the limit: read, and refused by validation as a row.
	rows, _ := readAll(t, enroll.FormatCSV, "firstName,lastName,email,notes\nA,B,a@example.com,"+strings.Repeat("y", 1<<20-100)+"\nE,F,e@example.com,n\n")
	if len(rows) != 2 || rows[1].Create == nil {
		t.Fatalf("rows after one just under 1 MiB: %d", len(rows))
	}
}

// TestNDJSONExactNames checks that an NDJSON line takes member names in
// their exact case only, as POST .../enrollments does (encoding/json
// alone took "FIRSTNAME" for firstName), at any depth, while free-form
// members (metadata, a device's attributes) take any name.
func TestNDJSONExactNames(t *testing.T) {
	t.Parallel()
	for line, want := range map[string]string{
		`{"FIRSTNAME":"N","lastName":"L","email":"n@example.com"}`:                      "FIRSTNAME",
		`{"firstName":"N","address":{"city":"x","CITY":"y"}}`:                           "address.CITY",
		`{"devices":[{"id":"a"},{"SerialNumber":"s"}]}`:                                 "devices[1].SerialNumber",
		`{"parameters":[{"externalId":"kw","Value":1}]}`:                                "parameters[0].Value",
		`{"tags":["A"],"Reenroll":false}`:                                               "Reenroll",
		`{ "firstName" : "a\"}{" , "lastName":null, "tags":[ ] , "address" : { } }`:     "",
		`{"first\u004eame":"x","enrollmentStartDate":"2026-05-01T00:00:00Z"}`:           "",
		`{"metadata":{"AnyCase":1,"nested":{"X":[{"Y":-1.5e3}]}},"reenroll":true}`:      "",
		`{"devices":[{"attributes":{"Q":1},"configuration":{"R":[true]}}],"notes":"x"}`: "",
	} {
		rows, _ := readAll(t, enroll.FormatNDJSON, line+"\n")
		var got string
		if len(rows[0].Errors) > 0 {
			got = rows[0].Errors[0].Field
			if rows[0].Errors[0].Message != "unknown field" {
				t.Errorf("%s: %+v", line, rows[0].Errors)
			}
		}
		if got != want {
			t.Errorf("%s: refused at %q, want %q (errors %+v)", line, got, want, rows[0].Errors)
		}
	}
}

// TestImportJSONProblems refuses, as bad rows, what the API refuses in a
// body: a member named twice (the decoder would keep the last) and an
// integer a float64 would round, in an NDJSON line, a CSV JSON cell or a
// number parameter's cell.
func TestImportJSONProblems(t *testing.T) {
	t.Parallel()
	lines := `{"identificationType":"customerInfo","firstName":"A","firstName":"B","lastName":"C","email":"a@example.com"}` + "\n" +
		`{"identificationType":"customerInfo","firstName":"A","lastName":"C","email":"b@example.com","metadata":{"big":9007199254740993}}` + "\n" +
		`{"identificationType":"customerInfo","firstName":"A","lastName":"C","email":"c@example.com","metadata":{"big":9007199254740992}}` + "\n"
	rows, _ := readAll(t, enroll.FormatNDJSON, lines)
	if len(rows) != 3 || rows[2].Create == nil {
		t.Fatalf("rows = %+v", rows)
	}
	for i, want := range []string{"firstName", "metadata.big"} {
		if r := rows[i]; r.Create != nil || len(r.Errors) != 1 || r.Errors[0].Field != want {
			t.Errorf("line %d = %+v, want an error at %s", r.Row, r, want)
		}
	}
	csv := "identificationType,firstName,lastName,email,metadata\n" +
		`customerInfo,A,C,d@example.com,"{""x"": 1, ""x"": 2}"` + "\n" +
		`customerInfo,A,C,e@example.com,"{""big"": 12345678901234567890}"` + "\n" +
		`customerInfo,A,C,g@example.com,"{""tiny"": 1e-400, ""s"": ""\ud800""}"` + "\n" +
		`customerInfo,A,C,f@example.com,"{""ok"": 1}"` + "\n"
	rows, _ = readAll(t, enroll.FormatCSV, csv)
	if len(rows) != 4 || rows[3].Create == nil {
		t.Fatalf("rows = %+v", rows)
	}
	for i, want := range []string{`"x" twice`, "beyond ±2^53", "too small"} {
		if r := rows[i]; r.Create != nil || len(r.Errors) != 1 || r.Errors[0].Field != "metadata" || !strings.Contains(r.Errors[0].Message, want) {
			t.Errorf("row %d = %+v, want %q", r.Row, r, want)
		}
	}
	inst := &enroll.ProgramInstance{Parameters: []enroll.Parameter{{ExternalID: "n", Name: "N", Type: enroll.ParamNumber}}}
	for _, cell := range []string{"9007199254740993", "1e-400"} {
		values := []enroll.ParameterValue{{ExternalID: "n", Value: cell}}
		inst.CoerceParameters(values)
		if values[0].Value != cell {
			t.Errorf("%s coerced to %v, another number", cell, values[0].Value)
		}
	}
}

// TestCSVStrictJSONCells checks that the devices and parameters cells take
// the members of their items by their exact names, as the API and an
// NDJSON line do: an unknown member, or one in another letter case, fails
// the row at its column, naming the item and the member. encoding/json
// alone dropped the one and took the other, and the row was created
// without its data. Free-form members (a device's attributes, a value)
// take any name.
func TestCSVStrictJSONCells(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ column, cell, want string }{
		{"devices", `[{"ID":"a"}]`, "item 1, ID: unknown member (names are case-sensitive: id)"},
		{"devices", `[{"serialNumber":"s","manufacturer":"m"}]`, "item 1, manufacturer: unknown member"},
		{"devices", `[{"id":"x","metadata":{"a":1}}]`, "item 1, metadata: unknown member"},
		{"devices", `[{"id":"a"},{"id":"b","zzz":1}]`, "item 2, zzz: unknown member"},
		{"parameters", `[{"externalId":"req","value":"x","zzz":1}]`, "item 1, zzz: unknown member"},
		{"parameters", `[{"EXTERNALID":"req","value":"x"}]`, "item 1, EXTERNALID: unknown member (names are case-sensitive: externalId)"},
		{"parameters", `[{"externalId":"req","error":{"ID":"x"}}]`, "item 1, error.ID: unknown member"},
		{"devices", `[{"id":"a","attributes":{"ANY":1},"configuration":{"x":[{"Y":1}]}}]`, ""},
		{"parameters", `[{"externalId":"o","value":{"Any":{"Case":1}}}]`, ""},
	} {
		rows, _ := readAll(t, enroll.FormatCSV, "email,"+c.column+"\nx@example.com,"+csvQuote(c.cell)+"\n")
		r := rows[0]
		switch {
		case c.want == "" && r.Create == nil:
			t.Errorf("%s %s: %+v", c.column, c.cell, r.Errors)
		case c.want != "" && (r.Create != nil || len(r.Errors) != 1 || r.Errors[0] != enroll.ImportError{Row: 2, Field: c.column, Message: c.want}):
			t.Errorf("%s %s: create %+v, errors %+v, want %q", c.column, c.cell, r.Create, r.Errors, c.want)
		}
	}
}

// TestCSVCellMessages checks the words of a JSON cell's errors, and their
// place: CheckJSON's problem as a cell's (not "must be JSON that names
// member..."), a JSON list cell with an item that is not a string at that
// item (it was read as one item, "[...]", and the error blamed the first),
// and a NUL in a metadata.<key> cell at that column, not at metadata.
func TestCSVCellMessages(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ column, cell, want string }{
		{"metadata", `{"a":1,"a":2}`, `names member "a" twice, at /a`},
		{"metadata", `{"n":[9007199254740993]}`, "holds 9007199254740993 at /n/0, an integer beyond ±2^53, which a 64-bit float does not hold exactly: send it as a string"},
		{"metadata", `{"n":1e400}`, "holds 1e400, a number out of range: numbers must fit a 64-bit float (about ±1.8e308)"},
		{"devices", `[{"id":"a","id":"b"}]`, `names member "id" twice, at /0/id`},
		{"groupIds", `["g1",1]`, "item 2: must be a string, not a number"},
		{"tags", `["a",{"b":1}]`, "item 2: must be a string, not an object"},
		{"tags", `["ok","\ud800"]`, `holds \ud800 at /1, a lone UTF-16 surrogate escape, which stands for no character`},
		{"metadata.k", "a\x00b", "must not contain NUL characters"},
		{"tags", `[draft]|x`, ""},
		{"tags", `["a|b",null]`, ""},
	} {
		rows, _ := readAll(t, enroll.FormatCSV, "email,"+c.column+"\nx@example.com,"+csvQuote(c.cell)+"\n")
		r := rows[0]
		switch {
		case c.want == "" && r.Create == nil:
			t.Errorf("%s %q: %+v", c.column, c.cell, r.Errors)
		case c.want != "" && (r.Create != nil || len(r.Errors) != 1 || r.Errors[0] != enroll.ImportError{Row: 2, Field: c.column, Message: c.want}):
			t.Errorf("%s %q: create %+v, errors %+v, want %q", c.column, c.cell, r.Create, r.Errors, c.want)
		}
	}
	rows, _ := readAll(t, enroll.FormatCSV, "email,tags\nx@example.com,[draft]|x\n")
	if c := rows[0].Create; c == nil || !slices.Equal(c.Tags, []string{"[draft]", "x"}) {
		t.Errorf("a cell that is not JSON: %+v", rows[0])
	}
}

// TestDecoderJSONTimeField checks that an NDJSON row's time that is a
// string but no RFC 3339 date-time names its member, as a CSV cell and
// the API do, also inside a device; it named none.
func TestDecoderJSONTimeField(t *testing.T) {
	t.Parallel()
	in := "{\"enrollmentStartDate\": \"2026-02-30\"}\n{\"devices\": [{}, {\"installDate\": \"soon\"}]}\n{\"enrollmentStartDate\": \"2026-06-30T23:59:60Z\"}\n"
	d, err := enroll.NewRowDecoder(enroll.FormatNDJSON, strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []enroll.ImportError{
		{Row: 1, Field: "enrollmentStartDate", Message: `must be an RFC 3339 date-time (such as 2026-05-01T00:00:00Z), not "2026-02-30"`},
		{Row: 2, Field: "devices", Message: `item 2, installDate: must be an RFC 3339 date-time (such as 2026-05-01T00:00:00Z), not "soon"`},
		{Row: 3, Field: "enrollmentStartDate"},
	} {
		row, err := d.Next()
		if err != nil {
			t.Fatal(err)
		}
		if len(row.Errors) != 1 || row.Errors[0].Field != want.Field || want.Message != "" && row.Errors[0].Message != want.Message {
			t.Errorf("row %d: %+v, want %+v", want.Row, row.Errors, want)
		}
	}
}
