package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestHimpImportOtherSeparator checks that a "CSV" file whose columns are
// separated by semicolons (as spreadsheets save CSV where the comma is the
// decimal separator) or tabs, or that opens with Excel's "sep=" line, is
// refused at upload with a 422 that says so, rather than read as one
// column, "firstName;lastName;email", unknown, with every row then failing
// as if it lacked its names and email.
func TestHimpImportOtherSeparator(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	path := "/v1/programInstances/" + inst + "/imports"
	for file, want := range map[string]string{
		"firstName;lastName;email\nA;B;semi-" + uniq() + "@example.com\n":           "semicolon",
		"\ufefffirstName;lastName;email\r\nA;B;semi-" + uniq() + "@example.com\r\n": "semicolon",
		"firstName\tlastName\temail\nA\tB\ttab-" + uniq() + "@example.com\n":        "tab",
		"sep=,\nfirstName,lastName,email\nA,B,sep-" + uniq() + "@example.com\n":     "sep=",
		"sep=;\nfirstName;lastName;email\nA;B;sep-" + uniq() + "@example.com\n":     "sep=",
	} {
		p := e.do("POST", path, csvUpload(file)).expect(http.StatusUnprocessableEntity).problem()
		if !strings.Contains(p.Detail, want) {
			t.Errorf("%q: detail %q does not say %q", file, p.Detail, want)
		}
	}
	// A header of one column that happens to hold a semicolon is read as ever.
	j := e.waitImport(e.startImport(inst, csvUpload("email\nsemi;colon-"+uniq()+"@example.com\n"), "").ID)
	if j.Status != "succeeded" || j.FailedRows != 1 {
		t.Fatalf("one column: %+v", j)
	}
}
