package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestH5ImportWrongFormat: an NDJSON file sent as text/csv (a script's
// Content-Type left at its default, a .csv name on an NDJSON export) is
// refused with a 422 saying that the body looks like NDJSON and to send
// it as application/x-ndjson, rather than one about a bare quote at line
// 1, column 2 of a CSV header; a CSV file sent as NDJSON is refused the
// same way, naming text/csv, rather than accepted as a job whose every
// line fails as "not valid JSON". A file of either kind sent as what it
// is still imports, and a first NDJSON line that is no CSV header either
// is still the error of its line.
func TestH5ImportWrongFormat(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	path := "/v1/programInstances/" + inst + "/imports"
	ndjson := `{"identificationType":"customerInfo","firstName":"Nd","lastName":"Json","email":"wf-` + uniq() + `@example.com"}` + "\n"
	for name, body := range map[string]string{
		"object":                  ndjson,
		"byte order mark, blanks": "\ufeff\n  \r\n" + ndjson,
		"indented":                "  " + ndjson,
		"a JSON list":             "[" + strings.TrimSpace(ndjson) + "]\n",
		"CRLF":                    strings.TrimSpace(ndjson) + "\r\n",
	} {
		p := e.do("POST", path, upload{"text/csv", body}).expect(http.StatusUnprocessableEntity).problem()
		if !strings.Contains(p.Detail, "looks like NDJSON") || !strings.Contains(p.Detail, "application/x-ndjson") {
			t.Errorf("NDJSON sent as CSV (%s): detail %q, want it to say the body looks like NDJSON and to send application/x-ndjson", name, p.Detail)
		}
	}
	csvFile := "firstName,lastName,email\nCs,Vee,wf-" + uniq() + "@example.com\n"
	for name, body := range map[string]string{
		"header":                  csvFile,
		"byte order mark, quoted": "\ufeff\"firstName\",\"lastName\",\"email\"\r\nCs,Vee,wf-" + uniq() + "@example.com\r\n",
		"blank lines first":       "\n\n" + csvFile,
	} {
		p := e.do("POST", path, upload{"application/x-ndjson", body}).expect(http.StatusUnprocessableEntity).problem()
		if !strings.Contains(p.Detail, "looks like CSV") || !strings.Contains(p.Detail, "text/csv") {
			t.Errorf("CSV sent as NDJSON (%s): detail %q, want it to say the body looks like CSV and to send text/csv", name, p.Detail)
		}
	}
	// Each sent as what it is imports.
	for _, u := range []upload{{"application/x-ndjson", ndjson}, {"text/csv", csvFile}} {
		if j := e.waitImport(e.startImport(inst, u, "").ID); j.Status != "succeeded" || j.CreatedCount != 1 {
			t.Errorf("%s sent as such: %+v", u.contentType, j)
		}
	}
	// A first line that is neither JSON nor a CSV header of known columns
	// is the error of its line, as before.
	j := e.waitImport(e.startImport(inst, upload{"application/x-ndjson", "hello, world\n" + ndjson}, "").ID)
	if j.Status != "succeeded" || j.FailedRows != 1 {
		t.Errorf("NDJSON with a first line of text: %+v", j)
	}
}
