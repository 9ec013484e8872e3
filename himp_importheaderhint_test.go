package enroll_test

import (
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestHimpHeaderNamesTheColumnMeant checks that a CSV header cell that
// names a column in another letter case, or with spaces, underscores or
// hyphens between its words ("Email", "First Name", "last_name", as
// spreadsheets head them), is reported with the name the import takes:
// the column is ignored, so every row then fails at it with "is
// required", and "unknown column" alone does not say why. A JSON cell's
// member in another letter case is already named so ("names are
// case-sensitive: id"). A column like no known one keeps the plain
// message.
func TestHimpHeaderNamesTheColumnMeant(t *testing.T) {
	t.Parallel()
	file := "Email,First Name,last_name,Address.City,postal-code,Parameters.kw,METADATA.Source,reEnroll,shoeSize\n" +
		"a@example.com,A,B,Paris,75001,7,web,true,42\n"
	d, err := enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Email":           "email",
		"First Name":      "firstName",
		"last_name":       "lastName",
		"Address.City":    "address.city",
		"Parameters.kw":   "parameters.kw",
		"METADATA.Source": "metadata.Source",
		"reEnroll":        "reenroll",
	}
	got := map[string]string{}
	for _, e := range d.HeaderErrors() {
		got[e.Field] = e.Message
	}
	for field, name := range want {
		msg, ok := got[field]
		if !ok {
			t.Errorf("%q: no header error (errors: %v)", field, got)
			continue
		}
		if !strings.HasPrefix(msg, "unknown column; ignored") || !strings.Contains(msg, "("+"did you mean "+name+"?)") {
			t.Errorf("%q: message %q, want it to name %s", field, msg, name)
		}
	}
	// postal-code is a member of address, not a column by that name.
	for _, field := range []string{"shoeSize", "postal-code"} {
		if msg := got[field]; msg != "unknown column; ignored" {
			t.Errorf("%q: message %q, want the plain one", field, msg)
		}
	}
}
