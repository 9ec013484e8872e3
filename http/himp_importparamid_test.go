package http_test

import (
	"strings"
	"testing"
)

// TestHimpImportParameterWithoutExternalID checks that a parameter value
// without its externalId, in an NDJSON line or a CSV parameters cell, is
// one error of its row, at parameters, naming the item and the member, as
// POST .../enrollments names body.parameters[0].externalId: it was two
// errors at a column named "parameters." (the externalId left empty),
// "is required" and "is not a parameter of program instance ...".
func TestHimpImportParameterWithoutExternalID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(map[string]any{"autoEvaluate": false,
		"parameters": []map[string]any{{"externalId": "kw", "name": "kW", "type": "string"}}})
	ndjson := upload{"application/x-ndjson",
		`{"identificationType":"customerInfo","firstName":"A","lastName":"B","email":"pid-` + uniq() + `@example.com","parameters":[{"externalId":"kw","value":"1"},{"value":"s"}]}` + "\n"}
	csvFile := csvUpload("firstName,lastName,email,parameters\nA,B,pid-" + uniq() + `@example.com,"[{""externalId"":""kw"",""value"":""1""},{""externalId"":"""",""value"":""s""}]"` + "\n")
	for name, file := range map[string]upload{"ndjson": ndjson, "csv": csvFile} {
		j := e.waitImport(e.startImport(inst, file, "").ID)
		if j.FailedRows != 1 || len(j.Errors) != 1 {
			t.Errorf("%s: %d failed rows, errors %+v; want one row with one error", name, j.FailedRows, j.Errors)
			continue
		}
		got := j.Errors[0]
		if got.Field != "parameters" || !strings.Contains(got.Message, "item 2") || !strings.Contains(got.Message, "externalId") ||
			!strings.Contains(got.Message, "is required") {
			t.Errorf("%s: error %q: %q, want parameters: item 2, externalId: is required", name, got.Field, got.Message)
		}
	}
}
