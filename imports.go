package enroll

import (
	"strings"
	"time"
	"unicode/utf8"
)

// KindImport is the kind of object POST .../imports creates, for
// Idempotency-Key records.
const KindImport ObjectKind = "import"

// ImportStatus is the state of an import job.
type ImportStatus string

const (
	// ImportQueued means the file is stored and waits for a worker.
	ImportQueued ImportStatus = "queued"
	// ImportRunning means rows are being read and written.
	ImportRunning ImportStatus = "running"
	// ImportSucceeded means every row was read; bad rows are in the errors.
	ImportSucceeded ImportStatus = "succeeded"
	// ImportFailed means the job stopped (an unreadable file, a crash); running
	// the same file again completes it without duplicates.
	ImportFailed ImportStatus = "failed"
)

// MaxImportErrorsShown bounds the errors an import's representation shows;
// all of them are listed by the import's errors endpoint.
const MaxImportErrorsShown = 20

// Import is a bulk import of enrollments into a program instance.
type Import struct {
	ID                string        `json:"id"`
	WorkspaceID       string        `json:"-"`
	ProgramInstanceID string        `json:"programInstanceId"`
	Format            string        `json:"format" enum:"csv,ndjson"`
	DryRun            bool          `json:"dryRun" doc:"Rows are validated only; nothing is written."`
	Status            ImportStatus  `json:"status" enum:"queued,running,succeeded,failed"`
	Message           string        `json:"message" nullable:"true" doc:"Why a failed import stopped."`
	TotalRows         int           `json:"totalRows" doc:"The file's rows, counted when it was received; exact once finished."`
	ProcessedRows     int           `json:"processedRows" doc:"Rows read and written (or refused) so far: createdCount + skippedCount + failedRows."`
	CreatedCount      int           `json:"createdCount"`
	SkippedCount      int           `json:"skippedCount" doc:"Rows whose participant already holds an open enrollment in the instance."`
	FailedRows        int           `json:"failedRows" doc:"Rows not imported because of errors."`
	ErrorCount        int           `json:"errorCount" doc:"Errors found: a failed row has one or more; problems with the CSV header are errors of row 1."`
	Errors            []ImportError `json:"errors" doc:"The first errors; GET .../errors lists all."`
	CreatedAt         time.Time     `json:"createdAt"`
	UpdatedAt         time.Time     `json:"updatedAt"`
	FinishedAt        *time.Time    `json:"finishedAt" doc:"When the job ended, succeeded or failed; for one whose server stopped, its last progress (updatedAt). Null until then."`
}

// MarshalJSON writes the import's representation, with a null message
// when it has none (nulljson.go).
func (im Import) MarshalJSON() ([]byte, error) {
	return marshalMembers(struct {
		ID                string        `json:"id"`
		ProgramInstanceID string        `json:"programInstanceId"`
		Format            string        `json:"format"`
		DryRun            bool          `json:"dryRun"`
		Status            ImportStatus  `json:"status"`
		Message           *string       `json:"message"`
		TotalRows         int           `json:"totalRows"`
		ProcessedRows     int           `json:"processedRows"`
		CreatedCount      int           `json:"createdCount"`
		SkippedCount      int           `json:"skippedCount"`
		FailedRows        int           `json:"failedRows"`
		ErrorCount        int           `json:"errorCount"`
		Errors            []ImportError `json:"errors"`
		CreatedAt         time.Time     `json:"createdAt"`
		UpdatedAt         time.Time     `json:"updatedAt"`
		FinishedAt        *time.Time    `json:"finishedAt"`
	}{im.ID, im.ProgramInstanceID, im.Format, im.DryRun, im.Status, orNull(im.Message), im.TotalRows, im.ProcessedRows,
		im.CreatedCount, im.SkippedCount, im.FailedRows, im.ErrorCount, im.Errors, im.CreatedAt, im.UpdatedAt, im.FinishedAt})
}

// ImportError is one problem with one row.
type ImportError struct {
	Row     int    `json:"row" doc:"1-based line of the file; for CSV, row 1 is the header."`
	Field   string `json:"field" doc:"The column (CSV) or member (NDJSON) at fault; empty when the row as a whole is (a malformed record)."`
	Message string `json:"message"`
}

// ImportProgress is what a batch of rows adds to an import's counters.
type ImportProgress struct {
	Rows    int
	Created int
	Skipped int
	// Failed counts the rows with errors.
	Failed int
	Errors []ImportError
}

// Merge adds q's rows, counters and errors to p.
func (p *ImportProgress) Merge(q ImportProgress) {
	p.Rows += q.Rows
	p.Created += q.Created
	p.Skipped += q.Skipped
	p.Failed += q.Failed
	p.Errors = append(p.Errors, q.Errors...)
}

// maxImportErrorText bounds an error's field and message: a field is a
// column name from the file, which may be anything.
const maxImportErrorText = 1000

// Add folds a batch's progress into the import. It also cleans p.Errors in
// place (valid UTF-8, no NUL, bounded length), so that the caller can store
// them as they are: they quote the file.
func (im *Import) Add(p ImportProgress) {
	for i := range p.Errors {
		p.Errors[i].Field = cleanText(p.Errors[i].Field)
		p.Errors[i].Message = cleanText(p.Errors[i].Message)
	}
	im.ProcessedRows += p.Rows
	// The total counted on receipt can only be short (a malformed file).
	im.TotalRows = max(im.TotalRows, im.ProcessedRows)
	im.CreatedCount += p.Created
	im.SkippedCount += p.Skipped
	im.FailedRows += p.Failed
	im.ErrorCount += len(p.Errors)
	for _, e := range p.Errors {
		if len(im.Errors) < MaxImportErrorsShown {
			im.Errors = append(im.Errors, e)
		}
	}
}

// ImportErrors turns a row's validation error into import errors.
func ImportErrors(row int, err error) []ImportError {
	e, ok := err.(*Error)
	if !ok {
		return []ImportError{{Row: row, Message: ErrorMessage(err)}}
	}
	if len(e.Fields) == 0 {
		return []ImportError{{Row: row, Message: e.Message}}
	}
	out := make([]ImportError, 0, len(e.Fields))
	for _, f := range e.Fields {
		out = append(out, ImportError{Row: row, Field: f.Location, Message: f.Message})
	}
	return out
}

// cleanText makes s storable and showable: valid UTF-8 without NUL, at
// most maxImportErrorText bytes.
func cleanText(s string) string {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) && len(s) <= maxImportErrorText {
		return s
	}
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	if len(s) > maxImportErrorText {
		s = strings.ToValidUTF8(s[:maxImportErrorText], "") + "…"
	}
	return s
}
