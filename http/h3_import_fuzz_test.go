package http_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// FuzzImportBodies uploads small arbitrary CSV and NDJSON files: a 4xx is
// a problem pointing at real places and starts no job; a 202 job finishes
// with counters that add up, creates exactly createdCount enrollments (none
// on a dry run), and names in its errors only fields of the file.
//
//	go test ./http -run XXX -fuzz FuzzImportBodies -fuzztime 3m
func FuzzImportBodies(f *testing.F) {
	ft := newFuzzTarget(f, func(op *huma.Operation) bool { return op.OperationID == "createImport" })
	instance := ft.e.createInstance(map[string]any{
		"autoEvaluate": false,
		"groups":       []any{map[string]any{"id": "g1", "name": "One"}},
		"parameters": []any{
			map[string]any{"externalId": "kw", "name": "KW", "type": "number"},
			map[string]any{"externalId": "code", "name": "Code", "type": "string", "constraints": map[string]any{"unique": true}},
		},
	})
	for _, s := range []struct {
		ndjson bool
		body   string
	}{
		{false, "firstName,lastName,email\nA,B,a@example.com\nA,B,a@example.com\n"},
		{false, "firstName,lastName,email,tags,groupIds,parameters.kw,parameters.code,metadata.x,address.city\nA,B,b@example.com,x|y,g1,7,C1,m,Paris\nC,D,c@example.com,\"[\"\"a\"\"]\",g2,x,C1,,\n"},
		{false, "\ufefffirstName,lastName,email,,\r\nA,B,d@example.com,,z\r\n,,,,\r\n"},
		{false, "Email,First Name\nx,y\n"},
		{false, "firstName;lastName;email\nA;B;e@example.com\n"},
		{false, "firstName,lastName,email\n\"A,B,f@example.com\n"},
		{false, "identificationType,customerId,enrollmentId,leadId\ncustomerId," + ft.fx.customer + ",,\nenrollmentId,," + ft.fx.enrollment + ",\nleadId,,," + ft.fx.lead + "\n"},
		{false, "firstName,lastName,email,devices,parameters\nA,B,g@example.com,\"[{\"\"id\"\":\"\"a\"\"},{\"\"id\"\":\"\"a\"\"}]\",\"[{\"\"externalId\"\":\"\"kw\"\",\"\"value\"\":1}]\"\n"},
		{false, "firstName,lastName,email,eligibilityStatus,enrollmentStartDate,reenroll\nA,B,h@example.com,submitted,2026-13-01,maybe\n"},
		{false, ""}, {false, "\n\n"}, {false, "{\"a\":1}\n"},
		{true, `{"firstName":"A","lastName":"B","email":"i@example.com","parameters":[{"externalId":"kw","value":2}]}` + "\n" + `{"firstName":1}` + "\nnot json\n\n[]\n"},
		{true, `{"identificationType":"leadId","leadId":"` + ft.fx.lead + `","address":{"city":2}}` + "\n"},
		{true, "firstName,lastName,email\n"},
		{true, ""},
	} {
		f.Add(s.ndjson, false, []byte(s.body))
		f.Add(s.ndjson, true, []byte(s.body))
	}
	op := ft.ops[0]
	f.Fuzz(func(t *testing.T, ndjson, dryRun bool, body []byte) {
		if len(body) > 4096 {
			return
		}
		header := map[string]string{"Content-Type": "text/csv"}
		if ndjson {
			header["Content-Type"] = "application/x-ndjson"
		}
		path := "/v1/programInstances/" + instance + "/imports"
		if dryRun {
			path += "?dryRun=true"
		}
		before := ft.instanceTotal(t, instance)
		w := ft.write(t, op, path, "", body, header)
		if w == nil || w.Code != http.StatusAccepted {
			return
		}
		var j job
		if err := json.Unmarshal(w.Body.Bytes(), &j); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(time.Minute)
		for j.Status != "succeeded" && j.Status != "failed" {
			if time.Now().After(deadline) {
				t.Fatalf("import of %q still %s", body, j.Status)
			}
			time.Sleep(5 * time.Millisecond)
			if err := json.Unmarshal(ft.get(t, "/v1/imports/"+j.ID).Body.Bytes(), &j); err != nil {
				t.Fatal(err)
			}
		}
		if j.ProcessedRows != j.CreatedCount+j.SkippedCount+j.FailedRows ||
			j.Status == "succeeded" && j.TotalRows != j.ProcessedRows {
			t.Fatalf("import of %q: counters do not add up: %+v", body, j)
		}
		want := before + j.CreatedCount
		if dryRun {
			want = before
		}
		if got := ft.instanceTotal(t, instance); got != want {
			t.Fatalf("import (dryRun %v) of %q: %d enrollments, had %d and created %d: %+v", dryRun, body, got, before, j.CreatedCount, j)
		}
		for _, e := range j.Errors {
			// A field the file lacks may be named as required; a quoted
			// CSV cell doubles its quotes.
			last := e.Field[strings.LastIndex(e.Field, ".")+1:]
			inFile := bytes.Contains(body, []byte(last)) || bytes.Contains(body, []byte(strings.ReplaceAll(last, `"`, `""`)))
			if e.Row < 1 || e.Message == "" || !inFile && e.Message != "is required" {
				t.Fatalf("import of %q: error %+v names no place of the file", body, e)
			}
		}
	})
}

// instanceTotal counts an instance's enrollments.
func (ft *fuzzTarget) instanceTotal(t *testing.T, instance string) int {
	t.Helper()
	var page struct {
		TotalItems int `json:"totalItems"`
	}
	if err := json.Unmarshal(ft.get(t, "/v1/programInstances/"+instance+"/enrollments?perPage=1").Body.Bytes(), &page); err != nil {
		t.Fatal(err)
	}
	return page.TotalItems
}
