package enroll_test

import (
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestHimpImportTimeErrorsNameTheMember checks that a time member an
// import cannot read (enrollmentStartDate, a device's installDate) is an
// error at that member, in the API's words, as any other member of the
// wrong type is: an NDJSON line's error had no field, and said "not valid
// JSON: Time.UnmarshalJSON: input is not a JSON string" of a valid line
// whose enrollmentStartDate is a number; a CSV devices cell's said "must be
// JSON: parsing time ... as "2006-01-02T15:04:05Z07:00"", Go's layout.
func TestHimpImportTimeErrorsNameTheMember(t *testing.T) {
	t.Parallel()
	body := `{"identificationType":"customerInfo","firstName":"A","lastName":"B","email":"t@example.com",`
	for _, c := range []struct {
		name, file, field, member string
	}{
		// A string that is not RFC 3339 keeps its error, with no field,
		// as TestDecoderJSONErrors has it.
		{"ndjson number", body + `"enrollmentStartDate":5}`, "enrollmentStartDate", ""},
		{"ndjson device object", body + `"devices":[{"id":"a"},{"id":"b","installDate":{}}]}`, "devices", "installDate"},
	} {
		rows := decodeAll(t, enroll.FormatNDJSON, c.file+"\n")
		checkTimeError(t, c.name, rows, c.field, c.member)
	}
	csvFile := "firstName,lastName,email,devices\nA,B,t@example.com,\"[{\"\"id\"\":\"\"a\"\"},{\"\"id\"\":\"\"b\"\",\"\"installDate\"\":\"\"2026-01-01\"\"}]\"\n"
	checkTimeError(t, "csv device", decodeAll(t, enroll.FormatCSV, csvFile), "devices", "installDate")
}

func decodeAll(t *testing.T, format, file string) []*enroll.ImportRow {
	t.Helper()
	d, err := enroll.NewRowDecoder(format, strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	var rows []*enroll.ImportRow
	for {
		row, err := d.Next()
		if err != nil {
			return rows
		}
		rows = append(rows, row)
	}
}

func checkTimeError(t *testing.T, name string, rows []*enroll.ImportRow, field, member string) {
	t.Helper()
	if len(rows) != 1 || len(rows[0].Errors) != 1 {
		t.Errorf("%s: rows %+v, want one row with one error", name, rows)
		return
	}
	e := rows[0].Errors[0]
	where := e.Field + ": " + e.Message
	if !strings.HasPrefix(e.Field, field) || !strings.Contains(where, member) {
		t.Errorf("%s: error %q is not at %s %s", name, where, field, member)
	}
	for _, wrong := range []string{"not valid JSON", "must be JSON", "UnmarshalJSON", "2006-01-02"} {
		if strings.Contains(e.Message, wrong) {
			t.Errorf("%s: error %q says %q", name, where, wrong)
		}
	}
	if !strings.Contains(e.Message, "RFC 3339") {
		t.Errorf("%s: error %q does not say a time is RFC 3339", name, where)
	}
}
