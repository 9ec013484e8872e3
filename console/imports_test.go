package console

import (
	"bytes"
	"encoding/csv"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// upload posts the import form as a browser does: the fields in order,
// then the file.
func (c *client) upload(csrf, instance, filename, body string, dryRun bool) *response {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if csrf != "" {
		_ = mw.WriteField("csrf", csrf)
	}
	_ = mw.WriteField("instance", instance)
	if dryRun {
		_ = mw.WriteField("dryRun", "1")
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+filename+`"`)
	h.Set("Content-Type", "application/octet-stream")
	fw, _ := mw.CreatePart(h)
	_, _ = fw.Write([]byte(body))
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.f.srv.URL+Prefix+"/imports", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// waitImport reloads a job's page until the job has finished.
func (c *client) waitImport(path string) *response {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		page := c.get(path).status(http.StatusOK)
		if !strings.Contains(page.Body, `http-equiv="refresh"`) {
			return page
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("import did not finish:\n%s", page.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

const importCSV = "firstName,lastName,email,address.state\n" +
	"Ann,Ny,ann@example.com,NY\n" +
	"Bad,Email,not-an-email,NY\n" +
	"Cal,Ifornia,cal@example.com,CA\n"

func TestImportUploadProgressAndErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.console.importDir = t.TempDir()
	c := f.signedIn(f.secret)

	form := c.get(Prefix + "/imports").status(http.StatusOK)
	form.contains(`enctype="multipart/form-data"`, `<label for="import-file">`, `id="import-file" name="file" type="file"`,
		`<option value="`+f.inst.ID+`"`, `<option value="`+f.other.ID+`"`, `name="dryRun" type="checkbox"`,
		`href="/console/imports" aria-current="page"`).lacks("not available yet", `Imports <span class="soon">`)

	// No file chosen: the form again, with the choices kept.
	c.upload(form.field("csrf"), f.other.ID, "", "", true).status(http.StatusUnprocessableEntity).
		contains("Choose a file to import.", `value="`+f.other.ID+`" selected`, "checked")
	// A format the console cannot read.
	c.upload(form.field("csrf"), f.other.ID, "people.xlsx", "x", false).status(http.StatusUnsupportedMediaType).
		contains("must be CSV")

	res := c.upload(form.field("csrf"), f.other.ID, "people.csv", importCSV, false).status(http.StatusOK)
	if !strings.HasPrefix(res.URL.Path, Prefix+"/imports/") {
		t.Fatalf("upload ended at %s", res.URL.Path)
	}
	res.contains("<progress", "Solar Rebate 2025")
	page := c.waitImport(res.URL.Path)
	page.contains(`data-status="succeeded"`, `<progress id="import-progress" max="3" value="3">`,
		`data-count="total">3<`, `data-count="processed">3<`, `data-count="created">2<`, `data-count="skipped">0<`,
		`data-count="failed">1<`, `data-count="errors">1<`, "<code>email</code>", "Download all errors").
		lacks(`http-equiv="refresh"`)

	got := c.get(res.URL.Path + "/errors.csv").status(http.StatusOK)
	if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("errors.csv: Content-Type %q", ct)
	}
	rows, err := csv.NewReader(strings.NewReader(got.Body)).ReadAll()
	if err != nil || len(rows) != 2 || strings.Join(rows[0], ",") != "row,field,message" || rows[1][0] != "3" || rows[1][1] != "email" {
		t.Errorf("errors.csv: %v %q", err, rows)
	}
	n, err := f.store.CountEnrollments(f.ctx, f.wsID, f.other.ID)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, k := range n {
		total += k
	}
	if total != 2 {
		t.Errorf("instance has %d enrollments, want 2", total)
	}

	// A dry run counts and writes nothing; sending the file again skips.
	res = c.upload(form.field("csrf"), f.other.ID, "again.csv", importCSV, true).status(http.StatusOK)
	c.waitImport(res.URL.Path).contains("(dry run)", `data-count="skipped">2<`, `data-count="created">0<`)
}

func TestImportUploadNeedsCSRF(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.console.importDir = t.TempDir()
	c := f.signedIn(f.secret)
	c.get(Prefix + "/imports").status(http.StatusOK)
	c.upload("", f.other.ID, "people.csv", importCSV, false).status(http.StatusForbidden).contains("CSRF")
	c.upload("wrong", f.other.ID, "people.csv", importCSV, false).status(http.StatusForbidden).contains("CSRF")
	// A signed-out browser cannot upload either.
	f.client().upload("x", f.other.ID, "people.csv", importCSV, false).status(http.StatusForbidden)
	n, _ := f.store.CountEnrollments(f.ctx, f.wsID, f.other.ID)
	for s, k := range n {
		if k != 0 {
			t.Errorf("refused upload created %d %s enrollments", k, s)
		}
	}
}

// TestImportUploadFieldAfterFile: a form whose dryRun field comes after
// the file (a hand-made request; a browser sends the file last) is
// refused with a 400 page, and nothing is imported. The fields were read
// up to the file only, so the dry run asked for ran as a real import.
func TestImportUploadFieldAfterFile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.console.importDir = t.TempDir()
	c := f.signedIn(f.secret)
	csrf := c.get(Prefix + "/imports").status(http.StatusOK).field("csrf")
	for _, after := range []string{"dryRun", "instance", "notes"} {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("csrf", csrf)
		if after != "instance" {
			_ = mw.WriteField("instance", f.other.ID)
		}
		fw, _ := mw.CreateFormFile("file", "people.csv")
		_, _ = fw.Write([]byte(importCSV))
		_ = mw.WriteField(after, f.other.ID)
		_ = mw.Close()
		req, _ := http.NewRequest(http.MethodPost, c.f.srv.URL+Prefix+"/imports", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		res := c.do(req)
		if after == "instance" {
			// Refused before the file is read: no instance to import into.
			res.status(http.StatusUnprocessableEntity).contains("Choose the program instance")
			continue
		}
		res.status(http.StatusBadRequest).contains("after the file (&#34;"+after+"&#34;)", "Nothing was imported.")
	}
	n, _ := f.store.CountEnrollments(f.ctx, f.wsID, f.other.ID)
	for s, k := range n {
		if k != 0 {
			t.Errorf("refused upload created %d %s enrollments", k, s)
		}
	}
}

func TestImportScopesAndInstances(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.console.importDir = t.TempDir()
	admin := f.signedIn(f.secret)
	form := admin.get(Prefix + "/imports")
	job := admin.upload(form.field("csrf"), f.other.ID, "people.csv", importCSV, false).status(http.StatusOK).URL.Path
	admin.waitImport(job)

	// Without imports:write: no nav entry, 403 on every import page and
	// on the upload.
	secret, _ := f.newKey("reader", []enroll.Scope{enroll.ScopeProgramsRead, enroll.ScopeEnrollmentsRead})
	r := f.signedIn(secret)
	home := r.get(Prefix + "/").status(http.StatusOK).lacks(`href="/console/imports"`)
	r.get(Prefix + "/imports").status(http.StatusForbidden).contains("imports:write")
	r.get(job).status(http.StatusForbidden)
	r.get(job + "/errors.csv").status(http.StatusForbidden)
	r.upload(home.field("csrf"), f.other.ID, "people.csv", importCSV, false).status(http.StatusForbidden).contains("imports:write")

	// Limited to the other instance: its select offers only that one, the
	// job of another instance is not found, and so is an upload to it.
	secret, _ = f.newKey("importer", []enroll.Scope{enroll.ScopeImportsWrite, enroll.ScopeProgramsRead}, f.inst.ID)
	l := f.signedIn(secret)
	page := l.get(Prefix + "/imports").status(http.StatusOK).contains(`<option value="` + f.inst.ID + `"`).lacks(f.other.ID)
	l.get(job).status(http.StatusNotFound)
	l.get(job + "/errors.csv").status(http.StatusNotFound).lacks("email")
	l.get(Prefix + "/imports/" + enroll.NewID()).status(http.StatusNotFound)
	l.get(Prefix + "/imports/not-an-id").status(http.StatusNotFound)
	l.upload(page.field("csrf"), f.other.ID, "people.csv", importCSV, false).status(http.StatusUnprocessableEntity).
		contains("Choose the program instance")
	// Its own instance it may import into.
	res := l.upload(page.field("csrf"), f.inst.ID, "people.csv", importCSV, false).status(http.StatusOK)
	l.waitImport(res.URL.Path).contains(`data-status="succeeded"`)
}

// plainStore hides the store's import methods.
type plainStore struct{ enroll.Store }

func TestImportsUnavailableWithoutImportStore(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	g := *f
	g.console = New(plainStore{f.store}).WithLogger(discard)
	g.srv = httptest.NewServer(g.console)
	t.Cleanup(g.srv.Close)
	c := g.signedIn(f.secret)
	c.get(Prefix+"/imports").status(http.StatusOK).contains("Imports: not available yet", "issue 6").lacks(`type="file"`)
	c.get(Prefix + "/").contains(`href="/console/imports">Imports <span class="soon">soon</span>`)
	c.get(Prefix + "/imports/" + enroll.NewID()).status(http.StatusNotFound)
}
