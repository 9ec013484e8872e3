package http

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/enrollhq/enroll"
)

// Bulk import (SPEC §7). POST .../imports streams the request body to a
// spool file (never into memory), counting its rows on the way, stores a
// queued job and answers 202 at once; a goroutine then runs the job with
// enroll.RunImport and deletes the file. Clients follow the job at
// GET /v1/imports/{importId}.

// uploadIdleTimeout is how long an upload may send nothing before it is
// cut off: the server's ReadTimeout bounds whole requests, which a large
// file outlasts, so the import route replaces it with this rolling limit.
const uploadIdleTimeout = time.Minute

// importRunner runs import jobs in the background, and stops them at a
// batch boundary when the server shuts down.
type importRunner struct {
	store  enroll.ImportStore // nil when the store cannot import
	dir    string
	logger *slog.Logger
	// idle and write are uploadIdleTimeout and the server's write
	// timeout, shorter in tests of uploads that stall.
	idle, write time.Duration
	ctx         context.Context
	cancel      context.CancelFunc

	mu      sync.Mutex
	stopped bool
	wg      sync.WaitGroup
	// running counts jobs in flight: the job queue's depth in /metrics.
	running atomic.Int64
}

func newImportRunner(store enroll.Store, dir string, logger *slog.Logger) *importRunner {
	r := &importRunner{dir: dataDir(dir), logger: logger, idle: uploadIdleTimeout, write: writeTimeout}
	r.store, _ = store.(enroll.ImportStore)
	r.ctx, r.cancel = context.WithCancel(context.Background())
	return r
}

// spool copies an upload to a new file in r.dir and returns the file, read
// from its start, and the rows counted on the way. The file is unlinked
// at once where the system allows it, so a crash leaves no file behind:
// the open descriptor keeps the data until the job closes it.
func (r *importRunner) spool(ctx huma.Context, body io.Reader, format string) (*spoolFile, int, error) {
	if err := os.MkdirAll(r.dir, 0o700); err != nil {
		return nil, 0, fmt.Errorf("import spool: %w", err)
	}
	f, err := os.CreateTemp(r.dir, "import-*."+format)
	if err != nil {
		return nil, 0, fmt.Errorf("import spool: %w", err)
	}
	sf := &spoolFile{File: f, unlinked: os.Remove(f.Name()) == nil}
	counter := enroll.NewRowCounter(format)
	src := &idleReader{r: body, ctx: ctx, idle: r.idle, write: r.write}
	if w := responseWriter(ctx); w != nil {
		src.rc = http.NewResponseController(w)
	}
	_, err = io.Copy(io.MultiWriter(f, counter), src)
	// However long the upload took, the answer may still be written: the
	// server's WriteTimeout counts from the request's head, which an
	// upload outlasts (its 408 comes a minute after the last data).
	if src.rc != nil {
		_ = src.rc.SetWriteDeadline(time.Now().Add(r.write))
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		sf.discard()
		switch {
		case src.err != nil && errors.Is(src.err, os.ErrDeadlineExceeded):
			return nil, 0, newProblem(http.StatusRequestTimeout, fmt.Sprintf("The upload sent nothing for %v; send the file again.", r.idle))
		case src.err != nil:
			return nil, 0, newProblem(http.StatusBadRequest, "The upload was interrupted: "+src.err.Error())
		case errors.Is(err, syscall.ENOSPC):
			return nil, 0, newProblem(http.StatusInsufficientStorage, "There is not enough disk space to receive this file.")
		}
		return nil, 0, fmt.Errorf("import spool: %w", err)
	}
	return sf, counter.Rows(), nil
}

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

// idleReader reads an upload, pushing the connection's read deadline
// forward as data arrives, and the write deadline past it so that the
// answer to an upload that stalls can still be written, and remembers a
// read error (as opposed to a write error of the spool file).
type idleReader struct {
	r           io.Reader
	ctx         huma.Context
	rc          *http.ResponseController // nil when the writer is not reachable
	idle, write time.Duration
	extended    time.Time
	err         error
}

// Read reads from the body, extending the deadlines at most once a second.
func (r *idleReader) Read(p []byte) (int, error) {
	if now := time.Now(); now.Sub(r.extended) > time.Second {
		_ = r.ctx.SetReadDeadline(now.Add(r.idle))
		if r.rc != nil {
			_ = r.rc.SetWriteDeadline(now.Add(r.idle + r.write))
		}
		r.extended = now
	}
	n, err := r.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		r.err = err
	}
	return n, err
}

// start runs a stored job in the background; the job owns its file from
// now on, and calls release, which discards it, when it ends.
func (r *importRunner) start(a enroll.Actor, im *enroll.Import, dec enroll.RowDecoder, release func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		// The server is going away: the job fails at once and can be re-run.
		release()
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		_, _ = r.store.FinishImport(ctx, a, im.ID, enroll.ImportFailed, "The server shut down before the import started; send the file again.")
		return
	}
	r.wg.Add(1)
	r.running.Add(1)
	go func() {
		defer r.wg.Done()
		defer r.running.Add(-1)
		defer release()
		defer func() {
			if v := recover(); v != nil {
				r.logger.Error("import panicked", "panic", v, "importId", im.ID)
				ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
				defer cancel()
				_, _ = r.store.FinishImport(ctx, a, im.ID, enroll.ImportFailed, "Internal error. "+im.RunAgain())
			}
		}()
		start := time.Now()
		done, err := enroll.RunImport(r.ctx, r.store, a, im, dec, enroll.DefaultImportBatch)
		if err != nil {
			switch enroll.ErrorCode(err) {
			case enroll.EINVALID, enroll.ECONFLICT, enroll.ENOTFOUND:
				// The file, or the instance, is at fault, and the job's
				// message tells its sender: nothing for an operator.
				r.logger.Info("import failed", "importId", im.ID, "reason", enroll.ErrorMessage(err),
					"duration", time.Since(start), "requestId", a.RequestID)
			default:
				r.logger.Error("import failed", "importId", im.ID, "err", err, "requestId", a.RequestID)
			}
			return
		}
		r.logger.Info("import finished", "importId", im.ID, "status", done.Status, "rows", done.ProcessedRows,
			"created", done.CreatedCount, "skipped", done.SkippedCount, "failedRows", done.FailedRows,
			"dryRun", done.DryRun, "duration", time.Since(start), "requestId", a.RequestID)
	}()
}

// stop makes running jobs stop at their next batch boundary (failed, with
// a message saying to run the file again) and waits for them.
func (r *importRunner) stop() {
	r.mu.Lock()
	r.stopped = true
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
}

// importFormat returns the import format of a Content-Type header.
func importFormat(contentType string) (string, bool) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", false
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return "", false
	}
	f, ok := enroll.ImportMediaTypes[mt]
	return f, ok
}

// headerAbsent reports whether a Content-Type says, as RFC 7111's header
// parameter may, that the CSV file has no header row: its first row of
// data would otherwise be taken for column names, and every row fail.
func headerAbsent(contentType string) bool {
	_, params, err := mime.ParseMediaType(contentType)
	return err == nil && strings.EqualFold(params["header"], "absent")
}

type createImportInput struct {
	InstanceID string `path:"instanceId" doc:"The program instance's id."`
	DryRun     bool   `query:"dryRun" doc:"Validate every row and count what would be created or skipped, writing nothing but the job."`
	// The body is read by the handler, as a stream; Resolve captures it.
	hctx huma.Context
}

// Resolve keeps the request's context, whose body the handler streams.
// A dryRun without a value (?dryRun, ?dryRun=) asks for a dry run, as a
// flag does: read as false, it would write what the caller meant only to
// check.
func (in *createImportInput) Resolve(ctx huma.Context) []error {
	in.hctx = ctx
	u := ctx.URL()
	if v, ok := u.Query()["dryRun"]; ok && len(v) == 1 && v[0] == "" {
		in.DryRun = true
	}
	return nil
}

type importIDInput struct {
	ImportID string `path:"importId" doc:"The import job's id."`
}

type listImportErrorsInput struct {
	ImportID string `path:"importId" doc:"The import job's id."`
	ListQuery
	accept []string
}

// Resolve keeps the Accept header: the errors come as JSON or CSV.
func (in *listImportErrorsInput) Resolve(ctx huma.Context) []error {
	in.accept = acceptHeader(ctx)
	return nil
}

type importCreatedOutput struct {
	Location string `header:"Location" doc:"The job's URL, to follow its progress."`
	Body     *enroll.Import
}

type importOutput struct {
	Body *enroll.Import
}

func (s *Server) createImport(ctx context.Context, in *createImportInput) (*importCreatedOutput, error) {
	if s.imports.store == nil {
		return nil, newProblem(http.StatusNotImplemented, "This store cannot run imports.")
	}
	format, ok := importFormat(in.hctx.Header("Content-Type"))
	if ok && format == enroll.FormatCSV && headerAbsent(in.hctx.Header("Content-Type")) {
		return nil, newProblem(http.StatusUnsupportedMediaType,
			"This CSV file is sent with header=absent, but an import reads its columns by the names in a header row: "+
				"add a first line naming them (firstName,lastName,email,...) and send the file without header=absent.")
	}
	if !ok {
		return nil, newProblem(http.StatusUnsupportedMediaType,
			"Send the file as text/csv (with a header row) or application/x-ndjson (one enrollment per line), in UTF-8.")
	}
	if _, err := s.findInstance(ctx, in.InstanceID); err != nil {
		return nil, err
	}
	f, rows, err := s.imports.spool(in.hctx, in.hctx.BodyReader(), format)
	if err != nil {
		return nil, err
	}
	dec, err := enroll.NewRowDecoder(format, f)
	if err != nil {
		f.discard()
		return nil, err
	}
	im := &enroll.Import{ProgramInstanceID: in.InstanceID, Format: format, DryRun: in.DryRun, TotalRows: rows, Errors: dec.HeaderErrors()}
	if err := s.imports.store.CreateImport(ctx, actorFrom(ctx), im); err != nil {
		f.discard()
		return nil, err
	}
	if len(limitedInstances(ctx)) > 0 {
		dec = &visibleRows{RowDecoder: dec, s: s, key: keyFrom(ctx)}
	}
	s.imports.start(actorFrom(ctx), im, dec, f.discard)
	return &importCreatedOutput{Location: "/v1/imports/" + im.ID, Body: im}, nil
}

// visibleRows refuses, for a key limited to program instances, the rows
// that re-enroll an enrollment of an instance the key may not see, as
// POST .../enrollments does: a re-enrollment copies that enrollment's data.
type visibleRows struct {
	enroll.RowDecoder
	s   *Server
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
	e, ferr := v.s.store.FindEnrollment(context.Background(), v.key.WorkspaceID, id)
	switch {
	case ferr == nil && v.key.SeesInstance(e.ProgramInstanceID):
		return row, nil
	case ferr != nil && enroll.ErrorCode(ferr) != enroll.ENOTFOUND:
		v.s.logger.Error("import: cannot check a re-enrolled enrollment", "enrollmentId", id, "err", ferr)
		return nil, enroll.Errorf(enroll.EINTERNAL, "enrollment %s cannot be checked now", id)
	}
	return &enroll.ImportRow{Row: row.Row, Errors: []enroll.ImportError{{Row: row.Row, Field: "enrollmentId", Message: "Enrollment " + id + " not found."}}}, nil
}

// findImport loads a job the key may see: one of an instance outside the
// key's list is not found.
func (s *Server) findImport(ctx context.Context, id string) (*enroll.Import, error) {
	if s.imports.store == nil || !enroll.ValidID(id) {
		return nil, notFound("Import", id)
	}
	im, err := s.imports.store.FindImport(ctx, workspaceFrom(ctx), id)
	if err != nil {
		return nil, err
	}
	if !keyFrom(ctx).SeesInstance(im.ProgramInstanceID) {
		return nil, notFound("Import", id)
	}
	return im, nil
}

func (s *Server) getImport(ctx context.Context, in *importIDInput) (*importOutput, error) {
	im, err := s.findImport(ctx, in.ImportID)
	if err != nil {
		return nil, err
	}
	return &importOutput{Body: im}, nil
}

// importErrorColumns are the columns of an import's errors as CSV.
var importErrorColumns = []string{"row", "field", "message"}

func (s *Server) listImportErrors(ctx context.Context, in *listImportErrorsInput) (*huma.StreamResponse, error) {
	im, err := s.findImport(ctx, in.ImportID)
	if err != nil {
		return nil, err
	}
	ws := workspaceFrom(ctx)
	if !wantsCSV(in.accept) {
		page, err := s.imports.store.ListImportErrors(ctx, ws, im.ID, in.params(""))
		if err != nil {
			return nil, err
		}
		return s.jsonStream(page), nil
	}
	// Every error, a page at a time, whatever page and perPage say; after
	// pageToken's row, as in JSON, which refuses a bad one before any CSV.
	p := enroll.ListParams{PerPage: enroll.MaxPerPage, PageToken: in.PageToken}
	first, err := s.imports.store.ListImportErrors(ctx, ws, im.ID, p)
	if err != nil {
		return nil, err
	}
	return s.csvStream(ctx, "import-"+im.ID+"-errors.csv", func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(importErrorColumns); err != nil {
			return err
		}
		for page := first; ; {
			for _, e := range page.Data {
				if err := cw.Write([]string{strconv.Itoa(e.Row), e.Field, e.Message}); err != nil {
					return err
				}
			}
			if cw.Flush(); cw.Error() != nil {
				return cw.Error()
			}
			if page.NextPageToken == "" {
				return nil
			}
			p.PageToken = string(page.NextPageToken)
			if page, err = s.imports.store.ListImportErrors(ctx, ws, im.ID, p); err != nil {
				return err
			}
		}
	}), nil
}

// importExamples are the request body's examples, by import format.
var importExamples = map[string]string{
	enroll.FormatCSV:    "firstName,lastName,email,address.state,tags\nSuzie,Homeowner,suzie@example.com,NY,a|b\n",
	enroll.FormatNDJSON: `{"identificationType":"customerInfo","firstName":"Suzie","lastName":"Homeowner","email":"suzie@example.com"}` + "\n",
}

// documentImportBody declares the request body of POST .../imports, which
// the handler reads itself (as a stream, so Huma's body limit does not
// apply; an Idempotency-Key makes the request's body part of its identity,
// so with one the body is held in memory and limited to 1 MiB). Its media
// types are those importFormat accepts, read from the same table, so the
// document cannot leave one out.
func documentImportBody(op *huma.Operation) {
	content := map[string]*huma.MediaType{}
	for mt, format := range enroll.ImportMediaTypes {
		content[mt] = &huma.MediaType{Schema: &huma.Schema{Type: "string"}, Example: importExamples[format]}
	}
	op.RequestBody = &huma.RequestBody{
		Required: true,
		Description: "The file, in UTF-8 (a `charset` parameter, if sent, must say so): CSV (`text/csv` or `application/csv`) with a header row " +
			"naming enrollment fields (`address.city` for nested ones, `tags`, `manufacturerSlugs` " +
			"and `groupIds` separated by `|`, `metadata.<key>` and `parameters.<externalId>` for single values), or NDJSON " +
			"(`application/x-ndjson`, `application/ndjson` or `application/jsonl`) with one create body " +
			"per line. CSV lines may end in LF, CRLF or, as old Mac spreadsheets write them, a bare CR (the header's line end says which); " +
			"a header cell holding a line break, or a header whose columns semicolons or tabs separate (or Excel's `sep=` line before it), is refused (422), as is a body that looks like the other format (CSV starting with `{` or `[`, NDJSON whose first line is a CSV header), the message naming the media type to send; a quote never closed fails the job, naming the line it opens on, " +
			"with the rows before it imported. Streamed to disk, so its size is limited only by disk space (1 MiB with an Idempotency-Key). " +
			"Any other media type is a 415, as is CSV sent with `header=absent`: the columns are read by the header row's names.",
		Content: content,
	}
	op.Description += " Answers 202 at once with the job, which runs in the background: poll `GET /v1/imports/{importId}`. " +
		"Rows whose participant already holds an open enrollment in the instance (same referenceId, customerId or email) are skipped, " +
		"so running a file again creates no duplicates and completes an interrupted import."
}

// StartImport runs a job stored by CreateImport in the background as an
// upload to the API is run, for a handler served with the API
// (Config.Console): in the server's jobs (enroll_import_jobs_running), and
// stopped at a batch boundary when the server closes, failed with a
// message saying to run the same file again. release, which discards the
// job's file, is called when the job ends.
func (s *Server) StartImport(a enroll.Actor, im *enroll.Import, dec enroll.RowDecoder, release func()) {
	s.imports.start(a, im, dec, release)
}

// ImportDir is the directory uploads wait in while they are imported:
// Config.DataDir, or its default.
func (s *Server) ImportDir() string {
	return s.imports.dir
}
