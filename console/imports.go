package console

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
)

// Bulk import from the console (issue 8, "upload a CSV, watch its progress,
// download its errors"). The upload is a multipart form whose parts are
// read in order as a stream: the small fields first (CSRF token, instance,
// dry run), then the file, which is copied to a spool file on disk while
// its rows are counted, never held in memory; a part after the file would
// be read too late, and refuses the form. The job is then stored with
// CreateImport and run in the background with enroll.RunImport, as the
// API's POST .../imports does, and the browser is sent to the job's page.

// maxUploadBytes bounds an upload's whole multipart body. The API takes
// files of any size; the console, used from a browser, stops at 1 GiB.
const maxUploadBytes = 1 << 30

// maxUploadField bounds each of the upload form's other fields.
const maxUploadField = 4 << 10

// uploadIdleTimeout is how long an upload's file may send nothing before
// it is cut off, and uploadWriteTimeout how long the answer may take once
// it has arrived. The server's read timeout (30 s under enroll serve)
// bounds whole requests, which a large file outlasts, and its write
// timeout counts from the request's head: as the API's uploads do, the
// file replaces them with these rolling limits.
const (
	uploadIdleTimeout  = time.Minute
	uploadWriteTimeout = time.Minute
)

// uploadFormat returns the import format of an uploaded file, by its
// extension first, then by its part's Content-Type.
func uploadFormat(filename, contentType string) (string, bool) {
	switch strings.ToLower(filepath.Ext(filename)) {
	case ".csv":
		return enroll.FormatCSV, true
	case ".ndjson", ".jsonl":
		return enroll.FormatNDJSON, true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", false
	}
	f, ok := enroll.ImportMediaTypes[mt]
	return f, ok
}

// importsData is the upload page.
type importsData struct {
	Instances []instanceChoice
	// Instance and DryRun are the choices to show again after an error.
	Instance string
	DryRun   bool
	Error    string
	MaxSize  string
	// Note names an instance a link asked for that the form does not
	// offer; the form then preselects none.
	Note string
}

// importInstances lists the active instances the key sees, named with
// their programs and slugs. A key without programs:read cannot read
// instances through the API, so it sees ids.
func (c *Console) importInstances(ctx context.Context, rq *request) ([]instanceChoice, error) {
	insts, _, err := c.visibleInstances(ctx, rq)
	if err != nil {
		return nil, err
	}
	insts = slices.DeleteFunc(insts, func(in *enroll.ProgramInstance) bool { return in.Status != enroll.InstanceActive })
	if !rq.has(enroll.ScopeProgramsRead) {
		out := make([]instanceChoice, len(insts))
		for i, in := range insts {
			out[i] = instanceChoice{ID: in.ID, Name: in.ID}
		}
		return out, nil
	}
	return c.labelInstances(ctx, rq, insts, true)
}

// importForm shows the upload form.
func (c *Console) importForm(w http.ResponseWriter, r *http.Request, rq *request) {
	if !rq.has(enroll.ScopeImportsWrite) {
		c.forbidden(w, r, rq, enroll.ScopeImportsWrite, "import enrollments")
		return
	}
	d := importsData{Instance: r.URL.Query().Get("instance")}
	insts, err := c.importInstances(r.Context(), rq)
	if err != nil {
		c.storeError(w, r, rq, err)
		return
	}
	// A link naming an instance the form does not offer (archived, not
	// visible, mistyped) says so, rather than leave the browser's first
	// choice selected in its place: the file would go to another instance.
	if d.Instance != "" && !slices.ContainsFunc(insts, func(in instanceChoice) bool { return in.ID == d.Instance }) {
		d.Note = "The program instance " + shown(d.Instance) + " is not an active instance your key can import into; choose one below."
		d.Instance = ""
	}
	d.Instances = insts
	c.renderImportForm(w, r, rq, http.StatusOK, d)
}

// renderImportForm shows the upload form with d's choices and error, and
// the instances offered (read now unless d has them).
func (c *Console) renderImportForm(w http.ResponseWriter, r *http.Request, rq *request, status int, d importsData) {
	if d.Instances == nil {
		insts, err := c.importInstances(r.Context(), rq)
		if err != nil {
			c.storeError(w, r, rq, err)
			return
		}
		d.Instances = insts
	}
	d.MaxSize = "1 GiB"
	c.render(w, r, rq, status, "imports", "Imports", d)
}

// uploadImport receives the form: it checks the CSRF token before it reads
// the file, spools the file, stores the job and starts it.
func (c *Console) uploadImport(w http.ResponseWriter, r *http.Request, rq *request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		c.renderError(w, r, rq, http.StatusBadRequest, "Bad request", "The form could not be read.")
		return
	}
	var d importsData
	var token string
	for {
		p, err := mr.NextPart()
		if err != nil && !errors.Is(err, io.EOF) {
			c.uploadReadError(w, r, rq, err)
			return
		}
		if p == nil || p.FormName() == "file" {
			// Nothing is done before the token is checked, not even a 403
			// for a missing scope that would tell another site about the key.
			if !c.sameOrigin(r) || !tokensEqual(token, rq.sess.CSRF) {
				c.renderError(w, r, rq, http.StatusForbidden, "Form refused",
					"This form was not issued to your session (missing or wrong CSRF token). Reload the page and try again; nothing was changed.")
				return
			}
			if !rq.has(enroll.ScopeImportsWrite) {
				c.forbidden(w, r, rq, enroll.ScopeImportsWrite, "import enrollments")
				return
			}
			if p == nil || p.FileName() == "" {
				d.Error = "Choose a file to import."
				c.renderImportForm(w, r, rq, http.StatusUnprocessableEntity, d)
				return
			}
			c.importFile(w, r, rq, d, p.FileName(), p.Header.Get("Content-Type"), p, mr)
			return
		}
		v, err := io.ReadAll(io.LimitReader(p, maxUploadField+1))
		if err != nil {
			c.uploadReadError(w, r, rq, err)
			return
		}
		if len(v) > maxUploadField {
			c.renderError(w, r, rq, http.StatusBadRequest, "Bad request", "A field of the form is too long.")
			return
		}
		switch p.FormName() {
		case csrfField:
			token = string(v)
		case "instance":
			d.Instance = strings.TrimSpace(string(v))
		case "dryRun":
			d.DryRun = len(v) > 0
		}
	}
}

// uploadReadError answers an upload that could not be read.
func (c *Console) uploadReadError(w http.ResponseWriter, r *http.Request, rq *request, err error) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		c.renderError(w, r, rq, http.StatusRequestEntityTooLarge, "File too large",
			"The console accepts files up to 1 GiB. Split the file, or send it through the API, which has no limit.")
		return
	}
	c.renderError(w, r, rq, http.StatusBadRequest, "Upload interrupted", "The upload could not be read; send the file again.")
}

// importFile spools the file part body, stores the job and starts it, once
// mr, the form, is known to hold nothing after the file.
func (c *Console) importFile(w http.ResponseWriter, r *http.Request, rq *request, d importsData, name, ctype string, body io.Reader, mr *multipart.Reader) {
	ctx := r.Context()
	format, ok := uploadFormat(name, ctype)
	if !ok {
		d.Error = "The file must be CSV (.csv, with a header row) or NDJSON (.ndjson or .jsonl, one enrollment per line), in UTF-8."
		c.renderImportForm(w, r, rq, http.StatusUnsupportedMediaType, d)
		return
	}
	if d.Instance == "" || !enroll.ValidID(d.Instance) || !rq.key.SeesInstance(d.Instance) {
		d.Error = "Choose the program instance to import into."
		c.renderImportForm(w, r, rq, http.StatusUnprocessableEntity, d)
		return
	}
	if _, err := c.store.FindInstance(ctx, rq.ws(), d.Instance); err != nil {
		if enroll.ErrorCode(err) != enroll.ENOTFOUND {
			c.storeError(w, r, rq, err)
			return
		}
		d.Error = "Choose the program instance to import into."
		c.renderImportForm(w, r, rq, http.StatusUnprocessableEntity, d)
		return
	}
	rc := http.NewResponseController(w)
	f, rows, err := c.spool(&uploadBody{r: body, rc: rc}, format)
	_ = rc.SetWriteDeadline(time.Now().Add(uploadWriteTimeout))
	if err != nil {
		if errors.Is(err, errSpool) {
			c.serverError(w, r, rq, err)
		} else {
			c.uploadReadError(w, r, rq, err)
		}
		return
	}
	// The fields are taken as they come, before the file; one sent after
	// it (by hand: a browser sends the form's fields in order, the file
	// last) would be read too late to count, and a dry run asked for
	// there would run as a real import. The form is refused instead.
	if after, err := mr.NextPart(); !errors.Is(err, io.EOF) {
		f.discard()
		if err != nil {
			c.uploadReadError(w, r, rq, err)
			return
		}
		c.renderError(w, r, rq, http.StatusBadRequest, "Bad request",
			"The form has a part after the file ("+strconv.Quote(after.FormName())+"), which would be read too late to apply: "+
				"send the fields first and the file last, as the import form does. Nothing was imported.")
		return
	}
	dec, err := enroll.NewRowDecoder(format, f)
	if err == nil {
		im := &enroll.Import{ProgramInstanceID: d.Instance, Format: format, DryRun: d.DryRun, TotalRows: rows, Errors: dec.HeaderErrors()}
		if err = c.imports.CreateImport(ctx, rq.actor(), im); err == nil {
			if rq.limited() != nil {
				dec = &visibleRows{RowDecoder: dec, c: c, key: rq.key}
			}
			c.startImport(rq.actor(), im, dec, f)
			http.Redirect(w, r, Prefix+"/imports/"+im.ID, http.StatusSeeOther)
			return
		}
	}
	f.discard()
	switch enroll.ErrorCode(err) {
	case enroll.EINVALID, enroll.EBADREQUEST, enroll.ECONFLICT, enroll.ENOTFOUND:
		d.Error = "The import cannot start: " + enroll.ErrorMessage(err)
		c.renderImportForm(w, r, rq, http.StatusUnprocessableEntity, d)
	default:
		c.storeError(w, r, rq, err)
	}
}

// errSpool marks a failure to write the spool file (the server's fault,
// unlike a failure to read the upload).
var errSpool = errors.New("import spool")

// spoolFile is an uploaded file waiting for, or read by, its job.
type spoolFile struct {
	*os.File
	unlinked bool
}

// discard closes the file and removes it if it was not unlinked already.
func (f *spoolFile) discard() {
	_ = f.Close()
	if !f.unlinked {
		_ = os.Remove(f.Name())
	}
}

// spool copies body to a new file and returns it, read from its start,
// with the rows counted on the way. The file is unlinked at once where the
// system allows it, so a crash leaves nothing behind.
func (c *Console) spool(body io.Reader, format string) (*spoolFile, int, error) {
	dir := c.importDir
	if dir == "" {
		// The temporary directory itself, as the API's default: a fixed
		// directory under it is the first user's to run a console.
		dir = os.TempDir()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, 0, fmt.Errorf("%w: %v", errSpool, err)
	}
	f, err := os.CreateTemp(dir, "import-*."+format)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", errSpool, err)
	}
	sf := &spoolFile{File: f, unlinked: os.Remove(f.Name()) == nil}
	counter := enroll.NewRowCounter(format)
	src := &readErr{r: body}
	_, err = io.Copy(io.MultiWriter(f, counter), src)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		sf.discard()
		if src.err != nil {
			return nil, 0, src.err
		}
		return nil, 0, fmt.Errorf("%w: %v", errSpool, err)
	}
	return sf, counter.Rows(), nil
}

// readErr remembers a read error, as opposed to a write error of the file.
type readErr struct {
	r   io.Reader
	err error
}

func (r *readErr) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		r.err = err
	}
	return n, err
}

// uploadBody reads an upload's file, pushing the connection's read
// deadline forward as data arrives (at most once a second), and its write
// deadline past it, so that the answer can still be written.
type uploadBody struct {
	r        io.Reader
	rc       *http.ResponseController
	extended time.Time
}

func (b *uploadBody) Read(p []byte) (int, error) {
	if now := time.Now(); now.Sub(b.extended) > time.Second {
		_ = b.rc.SetReadDeadline(now.Add(uploadIdleTimeout))
		_ = b.rc.SetWriteDeadline(now.Add(uploadIdleTimeout + uploadWriteTimeout))
		b.extended = now
	}
	return b.r.Read(p)
}

// startImport runs a stored job in the background; it owns f from now on.
// Served by enroll serve, the server runs it (WithImportRunner); a console
// on its own runs it to the end, whatever happens to the console.
func (c *Console) startImport(a enroll.Actor, im *enroll.Import, dec enroll.RowDecoder, f *spoolFile) {
	if c.runImport != nil {
		c.runImport(a, im, dec, f.discard)
		return
	}
	go func() {
		defer f.discard()
		defer func() {
			if v := recover(); v != nil {
				c.logger.Error("console: import panicked", "panic", v, "importId", im.ID)
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_, _ = c.imports.FinishImport(ctx, a, im.ID, enroll.ImportFailed, "Internal error. "+im.RunAgain())
			}
		}()
		done, err := enroll.RunImport(context.Background(), c.imports, a, im, dec, enroll.DefaultImportBatch)
		if err != nil {
			c.logger.Error("console: import failed", "importId", im.ID, "err", err, "requestId", a.RequestID)
			return
		}
		c.logger.Info("console: import finished", "importId", im.ID, "status", done.Status, "rows", done.ProcessedRows,
			"created", done.CreatedCount, "skipped", done.SkippedCount, "failedRows", done.FailedRows, "requestId", a.RequestID)
	}()
}

// visibleRows refuses, for a key limited to program instances, the rows
// that re-enroll an enrollment of an instance the key may not see, as the
// API does: a re-enrollment copies that enrollment's data.
type visibleRows struct {
	enroll.RowDecoder
	c   *Console
	key *enroll.APIKey
}

// Next returns the next row, turned into an error row when it names an
// enrollment the key may not see.
func (v *visibleRows) Next() (*enroll.ImportRow, error) {
	row, err := v.RowDecoder.Next()
	if err != nil || row.Create == nil || row.Create.IdentificationType != enroll.IdentifyByEnrollmentID || row.Create.EnrollmentID == "" {
		return row, err
	}
	id := row.Create.EnrollmentID
	e, ferr := v.c.store.FindEnrollment(context.Background(), v.key.WorkspaceID, id)
	switch {
	case ferr == nil && v.key.SeesInstance(e.ProgramInstanceID):
		return row, nil
	case ferr != nil && enroll.ErrorCode(ferr) != enroll.ENOTFOUND:
		return nil, enroll.Errorf(enroll.EINTERNAL, "enrollment %s cannot be checked now", id)
	}
	return &enroll.ImportRow{Row: row.Row, Errors: []enroll.ImportError{{Row: row.Row, Field: "enrollmentId", Message: "Enrollment " + id + " not found."}}}, nil
}

// importData is a job's page.
type importData struct {
	Import *enroll.Import
	// Instance names the instance imported into, as the menus do; nil
	// without programs:read (the page shows its id).
	Instance *instanceChoice
	// InstanceLinked links the Instance to its enrollments, for a key that
	// may list them.
	InstanceLinked bool
	// Max and Value are the progress bar's.
	Max, Value int
	Percent    int
	// MoreErrors is set when the page shows only the first errors.
	MoreErrors bool
	ErrorsURL  string
}

// findImport loads a job the key may see: one of an instance outside the
// key's list is not found.
func (c *Console) findImport(w http.ResponseWriter, r *http.Request, rq *request) *enroll.Import {
	if !rq.has(enroll.ScopeImportsWrite) {
		c.forbidden(w, r, rq, enroll.ScopeImportsWrite, "see imports")
		return nil
	}
	id := r.PathValue("id")
	notFound := func() {
		c.renderError(w, r, rq, http.StatusNotFound, "Not found", "Import "+id+" not found.")
	}
	if !enroll.ValidID(id) {
		notFound()
		return nil
	}
	im, err := c.imports.FindImport(r.Context(), rq.ws(), id)
	switch {
	case enroll.ErrorCode(err) == enroll.ENOTFOUND:
		notFound()
		return nil
	case err != nil:
		c.storeError(w, r, rq, err)
		return nil
	case !rq.key.SeesInstance(im.ProgramInstanceID):
		notFound()
		return nil
	}
	return im
}

// importJob shows a job: status, counters, progress and first errors. The
// page reloads itself every 2 seconds while the job is queued or running.
func (c *Console) importJob(w http.ResponseWriter, r *http.Request, rq *request) {
	im := c.findImport(w, r, rq)
	if im == nil {
		return
	}
	d := importData{Import: im, InstanceLinked: rq.has(enroll.ScopeEnrollmentsRead), Max: max(im.TotalRows, im.ProcessedRows, 1), Value: im.ProcessedRows,
		MoreErrors: im.ErrorCount > len(im.Errors), ErrorsURL: Prefix + "/imports/" + im.ID + "/errors.csv"}
	if im.Finished() && im.Status == enroll.ImportSucceeded {
		d.Value = d.Max
	}
	d.Percent = d.Value * 100 / d.Max
	if rq.has(enroll.ScopeProgramsRead) {
		if in, err := c.store.FindInstance(r.Context(), rq.ws(), im.ProgramInstanceID); err == nil {
			d.Instance = c.instanceLabel(r.Context(), rq, in)
		}
	}
	c.render(w, r, rq, http.StatusOK, "import", "Import "+im.ID, d)
}

// importErrorsCSV streams every error of a job as CSV, a page at a time.
func (c *Console) importErrorsCSV(w http.ResponseWriter, r *http.Request, rq *request) {
	im := c.findImport(w, r, rq)
	if im == nil {
		return
	}
	ctx := r.Context()
	p := enroll.ListParams{PerPage: enroll.MaxPerPage}
	page, err := c.imports.ListImportErrors(ctx, rq.ws(), im.ID, p)
	if err != nil {
		c.storeError(w, r, rq, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="import-`+im.ID+`-errors.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"row", "field", "message"})
	for {
		for _, e := range page.Data {
			_ = cw.Write([]string{strconv.Itoa(e.Row), safeCell(e.Field), safeCell(e.Message)})
		}
		if cw.Flush(); cw.Error() != nil || page.NextPageToken == "" {
			return
		}
		p.PageToken = string(page.NextPageToken)
		if page, err = c.imports.ListImportErrors(ctx, rq.ws(), im.ID, p); err != nil {
			// The status is sent; the log says why the file is short.
			c.logger.Error("console: listing import errors", "importId", im.ID, "err", err, "requestId", requestID(r))
			return
		}
	}
}

// safeCell keeps a cell that quotes the uploaded file from being read as a
// formula by a spreadsheet.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
