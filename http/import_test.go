package http_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	enrollhttp "github.com/enrollhq/enroll/http"
)

// upload is a request body sent as is, with its own Content-Type.
type upload struct {
	contentType, body string
}

func csvUpload(body string) upload { return upload{"text/csv", body} }

// importCSV is a CSV upload of n new customers.
func importCSV(n int) upload {
	var b strings.Builder
	b.WriteString("firstName,lastName,email\n")
	for range n {
		fmt.Fprintf(&b, "Imp,Orted,imp%s@example.com\n", uniq())
	}
	return csvUpload(b.String())
}

// job is the import representation the tests read.
type job struct {
	ID            string `json:"id"`
	Status        string `json:"status"`
	Message       string `json:"message"`
	Format        string `json:"format"`
	DryRun        bool   `json:"dryRun"`
	TotalRows     int    `json:"totalRows"`
	ProcessedRows int    `json:"processedRows"`
	CreatedCount  int    `json:"createdCount"`
	SkippedCount  int    `json:"skippedCount"`
	FailedRows    int    `json:"failedRows"`
	ErrorCount    int    `json:"errorCount"`
	Errors        []struct {
		Row     int    `json:"row"`
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// startImport posts a file and returns the job the 202 answer describes.
func (e *env) startImport(instanceID string, body upload, query string, opts ...reqOpt) job {
	e.t.Helper()
	r := e.do("POST", "/v1/programInstances/"+instanceID+"/imports"+query, body, opts...).expect(202)
	var j job
	r.decode(&j)
	if r.Header.Get("Location") != "/v1/imports/"+j.ID || (j.Status != "queued" && j.Status != "running") {
		e.t.Fatalf("202 answer: Location %q, %+v", r.Header.Get("Location"), j)
	}
	return j
}

// waitImport polls a job until it finishes.
func (e *env) waitImport(id string, opts ...reqOpt) job {
	e.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var j job
		e.do("GET", "/v1/imports/"+id, nil, opts...).expect(200).decode(&j)
		if j.Status == "succeeded" || j.Status == "failed" {
			return j
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("import %s still %s: %+v", id, j.Status, j)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// csvRows parses a CSV body into records, header first.
func csvRows(t testing.TB, r *response) [][]string {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("%s: Content-Type %q: %s", r.req, ct, r.Body)
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	if err != nil {
		t.Fatalf("%s: not CSV: %v", r.req, err)
	}
	return rows
}

// column returns the values of a named column of CSV records.
func column(rows [][]string, name string) []string {
	i := slices.Index(rows[0], name)
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[i])
	}
	return out
}

func TestImport_CSV(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(map[string]any{
		"eligibilityRules": []any{map[string]any{"name": "ny", "expression": `has(enrollment.address) && enrollment.address.state == "NY"`, "reason": "Outside NY"}},
		"parameters":       []any{map[string]any{"externalId": "kw", "name": "System size", "type": "number"}},
	})
	file := "firstName,lastName,email,address.state,tags,parameters.kw,favouriteColour\n" +
		"Ann,Ny,ann@example.com,NY,solar|battery,7.5,blue\n" + // 2: created, eligible
		"Cal,Ifornia,cal@example.com,CA,,,\n" + // 3: created, ineligible
		"Bad,Email,not-an-email,NY,,,\n" + // 4: email
		"No,,nolast@example.com,NY,,,\n" + // 5: lastName
		"Ann,Again,ANN@example.com,NY,,,\n" + // 6: duplicate of 2, skipped
		"Kay,Dub,kay@example.com,NY,,NaN,\n" // 7: parameters.kw (strconv reads NaN; JSON has none)
	j := e.startImport(inst, csvUpload(file), "")
	if j.TotalRows != 6 || j.Format != "csv" || j.ErrorCount != 1 || j.Errors[0].Field != "favouriteColour" || j.Errors[0].Row != 1 {
		t.Fatalf("queued job = %+v", j)
	}
	j = e.waitImport(j.ID)
	if j.Status != "succeeded" || j.ProcessedRows != 6 || j.TotalRows != 6 || j.CreatedCount != 2 || j.SkippedCount != 1 ||
		j.FailedRows != 3 || j.ErrorCount != 4 || len(j.Errors) != 4 {
		t.Fatalf("finished job = %+v", j)
	}

	// Every error, a page at a time, then as CSV.
	var fields []string
	path := "/v1/imports/" + j.ID + "/errors?perPage=3"
	for path != "" {
		var page struct {
			Data []struct {
				Row     int
				Field   string
				Message string
			}
			TotalItems    int
			NextPageToken string
		}
		e.do("GET", path, nil).expect(200).decode(&page)
		if page.TotalItems != 4 {
			t.Fatalf("totalItems = %d", page.TotalItems)
		}
		for _, d := range page.Data {
			fields = append(fields, fmt.Sprintf("%d:%s", d.Row, d.Field))
		}
		path = ""
		if page.NextPageToken != "" {
			path = "/v1/imports/" + j.ID + "/errors?perPage=3&pageToken=" + page.NextPageToken
		}
	}
	want := []string{"1:favouriteColour", "4:email", "5:lastName", "7:parameters.kw"}
	if !slices.Equal(fields, want) {
		t.Fatalf("errors = %v, want %v", fields, want)
	}
	rows := csvRows(t, e.do("GET", "/v1/imports/"+j.ID+"/errors?perPage=1", nil, withHeader("Accept", "text/csv")).expect(200))
	if !slices.Equal(rows[0], []string{"row", "field", "message"}) || len(rows) != 5 || rows[2][0] != "4" || rows[2][1] != "email" || rows[2][2] == "" {
		t.Fatalf("errors as CSV = %v", rows)
	}

	// The rows went in through the create path, with the instance's rules.
	var list struct {
		Data []map[string]any `json:"data"`
	}
	e.do("GET", "/v1/programInstances/"+inst+"/enrollments?sort=lastName", nil).expect(200).decode(&list)
	if len(list.Data) != 2 || status(list.Data[0]) != "ineligible" || status(list.Data[1]) != "eligible" {
		t.Fatalf("imported = %v", list.Data)
	}
	if p := list.Data[1]["parameters"].([]any)[0].(map[string]any); p["value"] != 7.5 {
		t.Fatalf("parameter = %v", p)
	}
	hist := e.do("GET", "/v1/enrollments/"+list.Data[1]["id"].(string)+"/history", nil).expect(200).obj()["data"].([]any)
	if len(hist) != 2 || hist[0].(map[string]any)["actorKeyId"] != e.keyID {
		t.Fatalf("history = %v", hist)
	}

	// Again: nothing new, the duplicates skipped, the bad rows reported.
	again := e.waitImport(e.startImport(inst, csvUpload(file), "").ID)
	if again.CreatedCount != 0 || again.SkippedCount != 3 || again.FailedRows != 3 {
		t.Fatalf("re-run = %+v", again)
	}
	if n := e.total("/v1/programInstances/" + inst + "/enrollments"); n != 2 {
		t.Fatalf("%d enrollments after the re-run", n)
	}
}

func TestImport_NDJSONAndDryRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	file := `{"identificationType": "customerInfo", "firstName": "Nd", "lastName": "Json", "email": "nd@example.com", "tags": ["x"]}` + "\n" +
		`{"identificationType": "customerInfo", "firstName": "Two", "lastName": "Lines", "email": "two@example.com"}` + "\n" +
		`{"identificationType": "customerInfo", "firstName": "Broken"` + "\n"
	body := upload{"application/x-ndjson", file}

	dry := e.waitImport(e.startImport(inst, body, "?dryRun=true").ID)
	if !dry.DryRun || dry.Status != "succeeded" || dry.CreatedCount != 2 || dry.FailedRows != 1 || dry.Errors[0].Row != 3 {
		t.Fatalf("dry run = %+v", dry)
	}
	// A dryRun without a value is a dry run, as a flag is: read as false,
	// it would write what the caller meant only to check.
	for _, q := range []string{"?dryRun", "?dryRun="} {
		if dry := e.waitImport(e.startImport(inst, body, q).ID); !dry.DryRun || dry.CreatedCount != 2 {
			t.Fatalf("%s: import = %+v", q, dry)
		}
	}
	if n := e.total("/v1/programInstances/" + inst + "/enrollments"); n != 0 {
		t.Fatalf("dry run created %d enrollments", n)
	}
	if n := e.total("/v1/customers?email=nd@example.com"); n != 0 {
		t.Fatalf("dry run created a customer")
	}
	wet := e.waitImport(e.startImport(inst, body, "").ID)
	if wet.DryRun || wet.CreatedCount != 2 || wet.FailedRows != 1 || wet.Format != "ndjson" {
		t.Fatalf("import = %+v", wet)
	}
	if n := e.total("/v1/programInstances/" + inst + "/enrollments?status=candidate&tag=x"); n != 1 {
		t.Fatalf("%d imported candidates tagged x", n)
	}
}

func TestImport_Refusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	path := "/v1/programInstances/" + inst + "/imports"
	for _, ct := range []string{"application/json", "application/xml", "text/csv; charset=latin1", "", "multipart/form-data; boundary=x"} {
		e.do("POST", path, upload{ct, "email\nx@example.com\n"}).expect(415).problem()
	}
	e.do("POST", path, csvUpload("")).expect(422).problem()
	e.do("POST", path, csvUpload("\ufeff\r\n")).expect(422).problem()
	e.do("POST", path, csvUpload("\xff\xfef\x00i\x00r\x00s\x00t\x00\n\x00")).expect(422).problem() // UTF-16
	e.do("POST", "/v1/programInstances/"+enroll.NewID()+"/imports", importCSV(1)).expect(404).problem()
	archived := e.createInstance(map[string]any{"status": "archived"})
	e.do("POST", "/v1/programInstances/"+archived+"/imports", importCSV(1)).expect(409).problem()
	e.do("GET", "/v1/imports/"+enroll.NewID(), nil).expect(404).problem()
	e.do("GET", "/v1/imports/not-an-id/errors", nil).expect(404).problem()

	// imports:write is needed to start an import and to follow it.
	j := e.startImport(inst, importCSV(2), "")
	reader := e.scopedKey([]string{"enrollments:read", "enrollments:write", "programs:read"}, nil)
	e.do("POST", path, importCSV(1), withKey(reader)).expect(403).problem()
	e.do("GET", "/v1/imports/"+j.ID, nil, withKey(reader)).expect(403).problem()
	importer := e.scopedKey([]string{"imports:write"}, []string{inst})
	if got := e.waitImport(j.ID, withKey(importer)); got.CreatedCount != 2 {
		t.Fatalf("import = %+v", got)
	}
	elsewhere := e.scopedKey([]string{"imports:write"}, []string{e.manualInstance()})
	e.do("GET", "/v1/imports/"+j.ID, nil, withKey(elsewhere)).expect(404).problem()
	e.do("GET", "/v1/imports/"+j.ID+"/errors", nil, withKey(elsewhere)).expect(404).problem()

	// A limited key cannot re-enroll, and so copy, an enrollment of an
	// instance it may not see; a key that sees it can.
	hidden := e.enrollIn(e.manualInstance(), customerInfo(nil))["id"].(string)
	reenroll := upload{"application/x-ndjson", `{"identificationType": "enrollmentId", "enrollmentId": "` + hidden + `"}` + "\n"}
	refused := e.waitImport(e.startImport(inst, reenroll, "", withKey(importer)).ID, withKey(importer))
	if refused.CreatedCount != 0 || refused.FailedRows != 1 || refused.Errors[0].Field != "enrollmentId" || strings.Contains(refused.Errors[0].Message, "instance") {
		t.Fatalf("limited key re-enrolling elsewhere: %+v", refused)
	}
	if done := e.waitImport(e.startImport(inst, reenroll, "").ID); done.CreatedCount != 1 {
		t.Fatalf("secret key re-enrolling: %+v", done)
	}
}

// TestImport_DocumentedMediaTypes: /openapi.json lists every media type
// POST .../imports accepts, and none it refuses.
func TestImport_DocumentedMediaTypes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]any `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	e.do("GET", "/openapi.json", nil, withKey("")).expect(200).decode(&doc)
	documented := doc.Paths["/v1/programInstances/{instanceId}/imports"]["post"].RequestBody.Content
	if len(documented) == 0 {
		t.Fatal("no request body documented")
	}
	files := map[string]string{
		"csv":    "firstName,lastName,email\nDoc,Umented,doc@example.com\n",
		"ndjson": `{"identificationType":"customerInfo","firstName":"Doc","lastName":"Umented","email":"doc@example.com"}` + "\n",
	}
	// Every type the docs name, and near misses a client might try.
	candidates := []string{"text/csv", "application/csv", "application/x-ndjson", "application/ndjson", "application/jsonl",
		"application/json", "text/plain", "text/tab-separated-values", "application/x-jsonlines", "application/jsonlines", "text/x-csv",
		"application/vnd.ms-excel", "application/octet-stream"}
	for mt := range documented {
		if !slices.Contains(candidates, mt) {
			candidates = append(candidates, mt)
		}
	}
	for _, mt := range candidates {
		format := "csv"
		if strings.Contains(mt, "json") {
			format = "ndjson"
		}
		r := e.do("POST", "/v1/programInstances/"+inst+"/imports?dryRun=true", upload{mt, files[format]})
		if _, listed := documented[mt]; listed != (r.Status == 202) {
			t.Errorf("%s: documented %v, answered %d: %s", mt, listed, r.Status, r.Body)
		}
		if r.Status == 202 {
			var j job
			r.decode(&j)
			if j.Format != format {
				t.Errorf("%s: read as %s", mt, j.Format)
			}
		} else if r.Status != 415 {
			t.Errorf("%s: %d, want 202 or 415", mt, r.Status)
		}
	}
}

// TestImport_CSVLines checks the import's honesty about how it read a CSV
// file's lines: a quote never closed fails the job, saying where it opens
// and that the rest of the file was not read, with the rows before it
// imported; a file of old Mac line ends (a bare CR) imports its rows; a
// header cell holding a line break refuses the file before any row.
func TestImport_CSVLines(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	var b strings.Builder
	b.WriteString("firstName,lastName,email,notes\nP,Q,before@example.com,n\nA,B,unc0@example.com,\"never closed\n")
	for i := range 10 {
		fmt.Fprintf(&b, "C,D,unc%d@example.com,short\n", i+1)
	}
	j := e.waitImport(e.startImport(inst, csvUpload(b.String()), "").ID)
	if j.Status != "failed" || j.CreatedCount != 1 || j.ProcessedRows != 1 || j.FailedRows != 0 ||
		!strings.Contains(j.Message, "row 3's notes cell opens a quote on line 3 that is never closed, so lines 3 to 13, the rest of the file, were read as that one cell and not imported") {
		t.Fatalf("quote never closed: %+v", j)
	}
	if n := e.total("/v1/programInstances/" + inst + "/enrollments"); n != 1 {
		t.Fatalf("%d enrollments after a quote never closed, want the row before it", n)
	}

	cr := e.manualInstance()
	j = e.startImport(cr, csvUpload("firstName,lastName,email,address.state\rCr,Only,cronly@example.com,NY\r"), "")
	if j.TotalRows != 1 || j.ErrorCount != 0 {
		t.Fatalf("CR lines, queued: %+v", j)
	}
	if j = e.waitImport(j.ID); j.Status != "succeeded" || j.TotalRows != 1 || j.CreatedCount != 1 || j.ErrorCount != 0 {
		t.Fatalf("CR lines: %+v", j)
	}
	var list struct {
		Data []struct {
			Email   string            `json:"email"`
			Address map[string]string `json:"address"`
		} `json:"data"`
	}
	e.do("GET", "/v1/programInstances/"+cr+"/enrollments", nil).expect(200).decode(&list)
	if len(list.Data) != 1 || list.Data[0].Email != "cronly@example.com" || list.Data[0].Address["state"] != "NY" {
		t.Fatalf("CR lines imported %+v", list.Data)
	}

	p := e.do("POST", "/v1/programInstances/"+cr+"/imports", csvUpload("firstName,lastName,email,\"address.state\rCr\"\rA,B,a@example.com,NY\r")).expect(422).problem()
	if !strings.Contains(p.Detail, "cell 4 holds a line break") {
		t.Fatalf("a header cell with a line break: %+v", p)
	}
}

// TestImport_LargeBody sends a file well over the 1 MiB limit of other
// bodies: an import streams it to disk.
func TestImport_LargeBody(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(c *enrollhttp.Config) { c.DataDir = t.TempDir() })
	inst := e.manualInstance()
	var b strings.Builder
	b.WriteString("firstName,lastName,email,notes\n")
	notes := strings.Repeat("n", 3000)
	for i := range 800 {
		fmt.Fprintf(&b, "Big,File,big%d@example.com,%s\n", i, notes)
	}
	if b.Len() < 2<<20 {
		t.Fatalf("file of %d bytes is too small to prove anything", b.Len())
	}
	j := e.waitImport(e.startImport(inst, csvUpload(b.String()), "").ID)
	if j.Status != "succeeded" || j.CreatedCount != 800 {
		t.Fatalf("import = %+v", j)
	}
}

// TestImport_StalledUpload sends the head and header row of an upload,
// then nothing: past the idle timeout (shortened, with the write timeout,
// to seconds) the client receives the 408 the docs promise, though the
// server's write timeout, counted from the head, has passed by then.
func TestImport_StalledUpload(t *testing.T) {
	t.Parallel()
	e := newEnvOpening(t, nil, func(c *enrollhttp.Config) { c.DataDir = t.TempDir() },
		func(s *enrollhttp.Server) { s.SetUploadTimeouts(2*time.Second, time.Second) })
	inst := e.manualInstance()
	head := "POST /v1/programInstances/" + inst + "/imports HTTP/1.1\r\nHost: enroll\r\nAuthorization: Bearer " + e.secret +
		"\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n"
	row := "firstName,lastName,email\n"
	res := rawRequest(t, e, head+fmt.Sprintf("%x\r\n%s\r\n", len(row), row))
	defer func() { _ = res.Body.Close() }()
	if res.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("stalled upload: status %d, want 408", res.StatusCode)
	}
	var p problem
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil || !strings.Contains(p.Detail, "sent nothing for 2s") {
		t.Errorf("stalled upload: %+v (%v)", p, err)
	}
}

// TestImport_Shutdown closes the server while an import runs: the job
// stops at a batch boundary, failed with a message saying to run the file
// again, and running it again on a new server completes it.
func TestImport_Shutdown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	var b strings.Builder
	b.WriteString("firstName,lastName,email\n")
	const n = 3000
	for i := range n {
		fmt.Fprintf(&b, "Shut,Down,shut%d@example.com\n", i)
	}
	j := e.startImport(inst, csvUpload(b.String()), "")
	for {
		var now job
		e.do("GET", "/v1/imports/"+j.ID, nil).expect(200).decode(&now)
		if now.ProcessedRows > 0 || now.Status != "queued" && now.Status != "running" {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	stopped, err := e.store.(enroll.ImportStore).FindImport(context.Background(), e.wsID, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stopped.Status != enroll.ImportFailed || !strings.Contains(stopped.Message, "Run the same file again") || stopped.ProcessedRows >= n {
		t.Skipf("the import was not stopped midway: %+v", stopped) // a very fast machine
	}

	srv := enrollhttp.NewServer(enrollhttp.Config{Addr: "127.0.0.1:0", Store: e.store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	e.url = srv.URL()
	rest := e.waitImport(e.startImport(inst, csvUpload(b.String()), "").ID)
	if rest.Status != "succeeded" || rest.CreatedCount+stopped.CreatedCount != n || rest.SkippedCount != stopped.CreatedCount {
		t.Fatalf("re-run %+v after %+v", rest, stopped)
	}
	if got := e.total("/v1/programInstances/" + inst + "/enrollments"); got != n {
		t.Fatalf("%d enrollments, want %d", got, n)
	}
}

func TestExport_CSV(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(map[string]any{
		"autoEvaluate": false,
		"parameters": []any{
			map[string]any{"externalId": "secret", "name": "Secret", "type": "string", "constraints": map[string]any{"hidden": true}},
			map[string]any{"externalId": "kw", "name": "Size", "type": "number"},
		},
	})
	// 1,100 enrollments (three export pages), imported.
	var b strings.Builder
	b.WriteString("firstName,lastName,email,address.city,address.state,tags,metadata.source,parameters.secret,parameters.kw,referenceId\n")
	for i := range 1100 {
		tags := "even"
		if i%2 == 1 {
			tags = "odd|x"
		}
		fmt.Fprintf(&b, "Ex,Port%04d,ex%d@example.com,\"Albany, NY\",NY,%s,mailer,s3cr3t,%d,REF-%d\n", i, i, tags, i, i)
	}
	setup := e.waitImport(e.startImport(inst, csvUpload(b.String()), "").ID)
	if setup.CreatedCount != 1100 {
		t.Fatalf("setup import = %+v", setup)
	}
	var some struct {
		Data []map[string]any `json:"data"`
	}
	e.do("GET", "/v1/programInstances/"+inst+"/enrollments?perPage=3&sort=lastName", nil).expect(200).decode(&some)
	for _, m := range some.Data[:2] {
		e.patchStatus(m["id"].(string), "eligible")
	}
	other := e.manualInstance()
	e.enrollIn(other, customerInfo(map[string]any{"tags": []string{"odd"}}))

	accept := withHeader("Accept", "text/csv")
	rows := csvRows(t, e.do("GET", "/v1/programInstances/"+inst+"/enrollments?perPage=5&page=3", nil, accept).expect(200))
	if !slices.Equal(rows[0], enroll.ExportColumns) || len(rows) != 1101 {
		t.Fatalf("export: header %v, %d rows", rows[0], len(rows)-1)
	}
	if emails := slices.Compact(slices.Sorted(slices.Values(column(rows, "email")))); len(emails) != 1100 {
		t.Fatalf("%d distinct emails", len(emails))
	}
	if r := rows[1]; r[slices.Index(rows[0], "address.city")] != "Albany, NY" || r[slices.Index(rows[0], "metadata")] != `{"source":"mailer"}` {
		t.Fatalf("first row = %v", r)
	}
	// Filters and sort apply.
	rows = csvRows(t, e.do("GET", "/v1/programInstances/"+inst+"/enrollments?status=eligible&sort=lastName", nil, accept).expect(200))
	if got := column(rows, "lastName"); !slices.Equal(got, []string{"Port0000", "Port0001"}) {
		t.Fatalf("eligible = %v", got)
	}
	rows = csvRows(t, e.do("GET", "/v1/programInstances/"+inst+"/enrollments?status=eligible&createdAfter=2000-01-01t00:00:00+02:00", nil, accept).expect(200))
	if len(rows) != 1+2 {
		t.Fatalf("eligible, created after a time typed in lower case with its + unencoded: %d rows", len(rows)-1)
	}
	rows = csvRows(t, e.do("GET", "/v1/enrollments?tag=odd&sort=createdAt", nil, accept).expect(200))
	if len(rows) != 1+551 || column(rows, "programInstanceId")[550] != other {
		t.Fatalf("tag=odd across instances: %d rows", len(rows)-1)
	}
	e.do("GET", "/v1/enrollments?status=nope", nil, accept).expect(422).problem()
	e.do("GET", "/v1/programInstances/"+enroll.NewID()+"/enrollments", nil, accept).expect(404).problem()

	// Accept is negotiated by RFC 9110's media ranges and qualities: JSON
	// stays the default and wins a tie; text/* is CSV's range.
	for _, c := range []struct {
		accept string
		csv    bool
	}{
		{"", false}, {"*/*", false}, {"application/json", false}, {"application/*", false},
		{"text/csv;q=0.5, application/json", false}, {"text/csv, application/json", false},
		{"image/png", false}, // nothing acceptable: JSON, as every route answers
		{"text/*", true}, {"text/*;q=0.9, application/*;q=0.8", true}, {"*/*;q=0.1, text/csv", true},
	} {
		for _, path := range []string{"/v1/programInstances/" + inst + "/enrollments?perPage=1", "/v1/enrollments?perPage=1", "/v1/imports/" + setup.ID + "/errors"} {
			r := e.do("GET", path, nil, withHeader("Accept", c.accept)).expect(200)
			ct := r.Header.Get("Content-Type")
			if c.csv != strings.HasPrefix(ct, "text/csv") || !c.csv && !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("GET %s, Accept %q: %s", path, c.accept, ct)
			}
			if !c.csv && strings.Contains(path, "enrollments") && r.obj()["totalItems"] == float64(0) {
				t.Fatalf("GET %s, Accept %q: an empty page", path, c.accept)
			}
		}
	}
	// Accept sent as two lines is one list (RFC 9110 §5.3).
	twoLines := func(r *http.Request) { r.Header["Accept"] = []string{"application/json;q=0.5", "text/csv"} }
	if ct := e.do("GET", "/v1/enrollments?perPage=1", nil, twoLines).expect(200).Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("Accept in two lines, text/csv preferred: %s", ct)
	}

	// A key sees its instances only, and no hidden values without programs:write.
	limited := e.scopedKey([]string{"enrollments:read"}, []string{other})
	rows = csvRows(t, e.do("GET", "/v1/enrollments", nil, accept, withKey(limited)).expect(200))
	if len(rows) != 2 || rows[1][slices.Index(rows[0], "programInstanceId")] != other {
		t.Fatalf("limited key exports %v", rows)
	}
	reader := e.scopedKey([]string{"enrollments:read"}, nil)
	rows = csvRows(t, e.do("GET", "/v1/programInstances/"+inst+"/enrollments", nil, accept, withKey(reader)).expect(200))
	for _, p := range column(rows, "parameters") {
		if strings.Contains(p, "s3cr3t") || !strings.Contains(p, `"kw"`) {
			t.Fatalf("reader sees parameters %s", p)
		}
	}

	// Round trip: the export imports into another instance as it is.
	full := e.do("GET", "/v1/programInstances/"+inst+"/enrollments", nil, accept).expect(200)
	next := e.createInstance(map[string]any{
		"autoEvaluate": false,
		"parameters":   []any{map[string]any{"externalId": "secret", "name": "Secret", "type": "string"}, map[string]any{"externalId": "kw", "name": "Size", "type": "number"}},
	})
	j := e.waitImport(e.startImport(next, csvUpload(string(full.Body)), "").ID)
	if j.Status != "succeeded" || j.CreatedCount != 1100 || j.ErrorCount != 0 {
		t.Fatalf("re-import of the export = %+v", j)
	}
	back := csvRows(t, e.do("GET", "/v1/programInstances/"+next+"/enrollments?sort=lastName", nil, accept).expect(200))
	orig := csvRows(t, e.do("GET", "/v1/programInstances/"+inst+"/enrollments?sort=lastName", nil, accept).expect(200))
	for _, col := range []string{"email", "firstName", "address.city", "tags", "metadata", "parameters", "referenceId", "customerId"} {
		if !slices.Equal(column(back, col), column(orig, col)) {
			t.Fatalf("column %s differs after the round trip", col)
		}
	}
	if got := column(back, "status"); got[0] != "candidate" {
		t.Fatalf("re-imported status %s: imports create candidates", got[0])
	}
}

// TestExport_Stream reads an export as a client does: streamed, without a
// length, offered as a file.
func TestExport_Stream(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	e.waitImport(e.startImport(inst, importCSV(600), "").ID)
	req, _ := http.NewRequest("GET", e.url+"/v1/programInstances/"+inst+"/enrollments", nil)
	req.Header.Set("Authorization", "Bearer "+e.secret)
	req.Header.Set("Accept", "text/csv")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Length") != "" || res.Header.Get("Content-Disposition") == "" {
		t.Fatalf("status %d, headers %v", res.StatusCode, res.Header)
	}
	rows, err := csv.NewReader(res.Body).ReadAll()
	if err != nil || len(rows) != 601 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
}

// TestImport_ListRepeats checks that an import row listing a tag, a
// manufacturer slug or a group twice fails, at its column with the
// item's position (docs/import.md), on the planned path (customerInfo
// rows) and the create path (customerId) alike; items differing in case
// are two, as in the API.
func TestImport_ListRepeats(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(map[string]any{"autoEvaluate": false, "groups": []any{map[string]any{"id": "g1", "name": "One"}}})
	cust := e.do("POST", "/v1/customers", map[string]any{"firstName": "Cu", "lastName": "Stomer", "email": "cu" + uniq() + "@example.com"}).expect(201).obj()["id"].(string)
	file := "identificationType,customerId,firstName,lastName,email,tags,manufacturerSlugs,groupIds\n" +
		",,Tag,Twice,tag" + uniq() + "@example.com,solar|battery|solar,,\n" + // 2: tags, item 3
		",,Slug,Twice,slug" + uniq() + "@example.com,,lg| lg ,\n" + // 3: manufacturerSlugs, item 2 (spaces dropped)
		",,Group,Twice,group" + uniq() + "@example.com,,,g1|g1\n" + // 4: groupIds, item 2
		`,,Json,Twice,json` + uniq() + `@example.com,"[""a"",""a""]",,` + "\n" + // 5: tags as JSON, item 2
		",,Case,Differs,case" + uniq() + "@example.com,x|X,lg|LG,g1\n" + // 6: created
		"customerId," + cust + ",,,,t|t,,\n" // 7: tags, on the create path
	j := e.waitImport(e.startImport(inst, csvUpload(file), "").ID)
	var got []string
	for _, er := range j.Errors {
		got = append(got, fmt.Sprintf("%d %s: %s", er.Row, er.Field, er.Message))
	}
	want := []string{
		"2 tags: item 3: is listed twice",
		"3 manufacturerSlugs: item 2: is listed twice",
		"4 groupIds: item 2: is listed twice",
		"5 tags: item 2: is listed twice",
		"7 tags: item 2: is listed twice",
	}
	if j.Status != "succeeded" || j.CreatedCount != 1 || j.FailedRows != 5 || !slices.Equal(got, want) {
		t.Fatalf("job %+v\nerrors %q\nwant   %q", j, got, want)
	}
	if n := e.total("/v1/programInstances/" + inst + "/enrollments?tag=X&manufacturerSlug=LG"); n != 1 {
		t.Fatalf("%d enrollments tagged X", n)
	}
}

// TestImport_DeviceChecks checks that an import row's devices get the
// API's checks, as errors of the row at its devices column with the
// device's position: an empty device, and an id a device before it has,
// in a CSV cell and an NDJSON line alike, on the planned path
// (customerInfo rows) and the create path (customerId).
func TestImport_DeviceChecks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	cust := e.do("POST", "/v1/customers", map[string]any{"firstName": "Cu", "lastName": "Stomer", "email": "cu" + uniq() + "@example.com"}).expect(201).obj()["id"].(string)
	file := "identificationType,customerId,firstName,lastName,email,devices\n" +
		`,,Id,Twice,id` + uniq() + `@example.com,"[{""id"":""a""},{""id"":""b""},{""id"":""a""}]"` + "\n" + // 2: item 3, id
		`,,Empty,Device,empty` + uniq() + `@example.com,"[{""id"":""a""},{}]"` + "\n" + // 3: item 2
		`,,Serial,Numbers,serial` + uniq() + `@example.com,"[{""serialNumber"":""s""},{""serialNumber"":""s""}]"` + "\n" + // 4: created
		`customerId,` + cust + `,,,,"[{""id"":""x""},{""id"":""x""}]"` + "\n" // 5: item 2, id, on the create path
	j := e.waitImport(e.startImport(inst, csvUpload(file), "").ID)
	nd := e.waitImport(e.startImport(inst, upload{"application/x-ndjson",
		`{"identificationType": "customerInfo", "firstName": "Nd", "lastName": "Json", "email": "nd` + uniq() + `@example.com", "devices": [{}, {"id": "a"}, {"id": "a"}]}` + "\n"}, "").ID)
	var got []string
	for _, job := range []job{j, nd} {
		for _, er := range job.Errors {
			got = append(got, fmt.Sprintf("%s %d %s: %s", job.Format, er.Row, er.Field, er.Message))
		}
	}
	empty := "is empty: a device needs a value, such as its id or serialNumber"
	want := []string{
		"csv 2 devices: item 3, id: is listed twice",
		"csv 3 devices: item 2: " + empty,
		"csv 5 devices: item 2, id: is listed twice",
		"ndjson 1 devices: item 1: " + empty,
		"ndjson 1 devices: item 3, id: is listed twice",
	}
	if j.Status != "succeeded" || j.CreatedCount != 1 || j.FailedRows != 3 || nd.FailedRows != 1 || !slices.Equal(got, want) {
		t.Fatalf("jobs %+v\n%+v\nerrors %q\nwant   %q", j, nd, got, want)
	}
}

// TestImport_ObjectParameterCells checks that an object parameter's CSV
// cell is refused, at its column, for what a metadata cell is refused
// for, in the same words (docs/api.md: an import refuses them in any JSON
// cell): a member named twice, an integer a float64 would round, a number
// it would hold as 0, a lone surrogate escape, a number out of range.
// They were stored changed (the first member dropped, the integer
// rounded, 0, U+FFFD), and the last read "must be a object".
func TestImport_ObjectParameterCells(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(map[string]any{"autoEvaluate": false,
		"parameters": []any{map[string]any{"externalId": "o", "name": "O", "type": "object"}}})
	cells := []string{`{"a":1,"a":2}`, `{"n":9007199254740993}`, `{"n":1e-400}`, `{"s":"\ud800"}`, `{"n":1e400}`}
	want := []string{
		`names member "a" twice, at /a`,
		"holds 9007199254740993 at /n, an integer beyond ±2^53, which a 64-bit float does not hold exactly: send it as a string",
		"holds 1e-400 at /n, a number too small for a 64-bit float, which would hold it as 0",
		`holds \ud800 at /s, a lone UTF-16 surrogate escape, which stands for no character`,
		"holds 1e400, a number out of range: numbers must fit a 64-bit float (about ±1.8e308)",
	}
	u := uniq()
	var file strings.Builder
	file.WriteString("firstName,lastName,email,parameters.o,metadata\n")
	for i, c := range cells {
		q := `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
		fmt.Fprintf(&file, "O,Bject,o%d-%s@example.com,%s,\n", i, u, q) // the parameter's cell
		fmt.Fprintf(&file, "M,Eta,m%d-%s@example.com,,%s\n", i, u, q)   // the same JSON as metadata
	}
	fmt.Fprintf(&file, "O,Bject,ok-%s@example.com,\"{\"\"n\"\":1}\",\n", u)
	fmt.Fprintf(&file, "O,Bject,text-%s@example.com,text,\n", u)
	j := e.waitImport(e.startImport(inst, csvUpload(file.String()), "").ID)
	var got []string
	for _, er := range j.Errors {
		got = append(got, fmt.Sprintf("%d %s: %s", er.Row, er.Field, er.Message))
	}
	var wantErrors []string
	for i, w := range want {
		wantErrors = append(wantErrors, fmt.Sprintf("%d parameters.o: O %s.", 2*i+2, w), fmt.Sprintf("%d metadata: %s", 2*i+3, w))
	}
	wantErrors = append(wantErrors, "13 parameters.o: O must be an object.")
	if j.Status != "succeeded" || j.CreatedCount != 1 || j.FailedRows != 11 || !slices.Equal(got, wantErrors) {
		t.Fatalf("job %+v\nerrors %q\nwant   %q", j, got, wantErrors)
	}
	var list struct {
		Data []struct {
			Parameters []map[string]any `json:"parameters"`
		} `json:"data"`
	}
	e.do("GET", "/v1/programInstances/"+inst+"/enrollments", nil).expect(200).decode(&list)
	if len(list.Data) != 1 || fmt.Sprint(list.Data[0].Parameters) != "[map[externalId:o value:map[n:1]]]" {
		t.Fatalf("imported = %+v", list.Data)
	}
}

// TestImport_NumberAndBooleanCells checks that a number parameter's cell
// takes a JSON number only, and a boolean's true or false in any letter
// case: strconv took Go's hex floats and digit underscores (0x1p4 was
// stored as 16, 1_0 as 10) and t, F, 1 and 0 for booleans.
func TestImport_NumberAndBooleanCells(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(map[string]any{"autoEvaluate": false, "parameters": []any{
		map[string]any{"externalId": "kw", "name": "Size", "type": "number"},
		map[string]any{"externalId": "flag", "name": "Flag", "type": "boolean"}}})
	u := uniq()
	file := "firstName,lastName,email,parameters.kw,parameters.flag\n" +
		"A,B,a" + u + "@example.com,0x1p4,\n" + // 2
		"A,B,b" + u + "@example.com,1_0,\n" + // 3
		"A,B,c" + u + "@example.com,1e400,\n" + // 4
		"A,B,d" + u + "@example.com,,t\n" + // 5
		"A,B,e" + u + "@example.com,,0\n" + // 6
		"A,F,f" + u + "@example.com,-1.5e1,TRUE\n" + // 7: created
		"A,G,g" + u + "@example.com,7,false\n" // 8: created
	j := e.waitImport(e.startImport(inst, csvUpload(file), "").ID)
	var got []string
	for _, er := range j.Errors {
		got = append(got, fmt.Sprintf("%d %s: %s", er.Row, er.Field, er.Message))
	}
	want := []string{
		"2 parameters.kw: Size must be a number.",
		"3 parameters.kw: Size must be a number.",
		"4 parameters.kw: Size holds 1e400, a number out of range: numbers must fit a 64-bit float (about ±1.8e308).",
		"5 parameters.flag: Flag must be a boolean.",
		"6 parameters.flag: Flag must be a boolean.",
	}
	if j.Status != "succeeded" || j.CreatedCount != 2 || j.FailedRows != 5 || !slices.Equal(got, want) {
		t.Fatalf("job %+v\nerrors %q\nwant   %q", j, got, want)
	}
	var list struct {
		Data []struct {
			Parameters []map[string]any `json:"parameters"`
		} `json:"data"`
	}
	e.do("GET", "/v1/programInstances/"+inst+"/enrollments?sort=lastName", nil).expect(200).decode(&list)
	if len(list.Data) != 2 || fmt.Sprint(list.Data[0].Parameters, list.Data[1].Parameters) !=
		"[map[externalId:kw value:-15] map[externalId:flag value:true]] [map[externalId:kw value:7] map[externalId:flag value:false]]" {
		t.Fatalf("imported = %+v", list.Data)
	}
}

// TestImport_CreatedAtKeepsFileOrder: the rows of an import batch share
// their createdAt, and lists break the tie by id, so a createdAt sort (and
// an export by it) lists them in the file's order only because the ids a
// process makes increase, within a millisecond too; random there, they
// shuffled each batch.
func TestImport_CreatedAtKeepsFileOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	var file strings.Builder
	file.WriteString("firstName,lastName,email\n")
	var want []string
	for i := range 300 {
		name := fmt.Sprintf("r%03d", (i*7919)%1000) // not in order by name
		want = append(want, name)
		fmt.Fprintf(&file, "F,%s,%s-%s@example.com\n", name, name, uniq())
	}
	j := e.waitImport(e.startImport(inst, csvUpload(file.String()), "").ID)
	if j.Status != "succeeded" || j.CreatedCount != 300 {
		t.Fatalf("job %+v", j)
	}
	for _, sort := range []string{"createdAt", "-createdAt"} {
		var got []string
		path := "/v1/programInstances/" + inst + "/enrollments?perPage=100&sort=" + sort
		for path != "" {
			var page struct {
				Data []struct {
					LastName string `json:"lastName"`
				} `json:"data"`
				NextPageToken string `json:"nextPageToken"`
			}
			e.do("GET", path, nil).expect(200).decode(&page)
			for _, d := range page.Data {
				got = append(got, d.LastName)
			}
			path = ""
			if page.NextPageToken != "" {
				path = "/v1/programInstances/" + inst + "/enrollments?perPage=100&sort=" + sort + "&pageToken=" + page.NextPageToken
			}
		}
		w := slices.Clone(want)
		if sort == "-createdAt" {
			slices.Reverse(w)
		}
		if !slices.Equal(got, w) {
			t.Errorf("sort=%s: %v\nwant %v", sort, got, w)
		}
	}
}
