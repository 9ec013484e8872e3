package enroll

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ImportStore is a Store that runs bulk imports (SPEC §7). The sqlite and
// postgres stores implement it; the HTTP layer and RunImport use it.
//
// An import is written in batches, each in one transaction that also
// updates the job's counters and stores the batch's errors, so what a job
// reports is always what was committed. Inside a batch every row runs in a
// savepoint: a row that fails (validation, an unknown customer, a conflict)
// is rolled back alone and recorded as errors, and the other rows commit.
type ImportStore interface {
	Store

	// CreateImport stores a new job for im.ProgramInstanceID in status
	// queued, with im.TotalRows as counted on receipt and im.Errors (the
	// problems found before the first row, such as unknown CSV columns) as
	// its first errors. It sets im's ID, WorkspaceID, Status, ErrorCount and
	// times. Returns ENOTFOUND (instance), EINVALID (format), or ECONFLICT
	// when the instance does not accept enrollments.
	CreateImport(ctx context.Context, a Actor, im *Import) error
	// FindImport returns a job with its first MaxImportErrorsShown errors,
	// settled (see Import.Settle). Returns ENOTFOUND.
	FindImport(ctx context.Context, wsID, id string) (*Import, error)
	// ListImportErrors returns a page of a job's errors in the order they
	// were found (by row), by keyset when p.PageToken is set. Returns
	// ENOTFOUND for an unknown job, EINVALID for bad paging.
	ListImportErrors(ctx context.Context, wsID, importID string, p ListParams) (*Page[ImportError], error)
	// ImportEnrollments writes a batch of rows, in one transaction or in
	// several, each counting in the job the rows it wrote (PostgreSQL
	// commits a batch in chunks, SQLite in parts when other writes wait),
	// and returns the job with its updated counters (status running; an empty
	// batch only marks the job running and shows it alive). A row with
	// Errors is recorded as failed. Other rows are validated; a row whose
	// participant already holds an open enrollment in the instance,
	// matched by referenceId, customerId or email (or, after resolving the
	// participant, by the database's open-enrollment constraint), is
	// skipped; the rest go through the same path as CreateEnrollment, with
	// history, events, counters and the instance's autoEvaluate. With
	// im.DryRun the rows are written and rolled back, so only the job's
	// counters and errors change. Returns ENOTFOUND (job), ECONFLICT when
	// the job is finished or the instance no longer accepts enrollments,
	// or an internal error, which rolls back the rows of its transaction:
	// the job still counts exactly the rows that committed before it.
	ImportEnrollments(ctx context.Context, a Actor, importID string, rows []*ImportRow) (*Import, error)
	// FinishImport ends a queued or running job with status
	// ImportSucceeded or ImportFailed and a message (for failures); on
	// success the total becomes the rows processed. Returns ENOTFOUND,
	// EINVALID (status) or ECONFLICT when the job is already finished.
	FinishImport(ctx context.Context, a Actor, importID string, status ImportStatus, message string) (*Import, error)
}

// ImportStaleAfter is how long a queued or running job may go without
// progress before it reads as failed. A batch takes well under a second,
// so a job this quiet lost its process (a crash, a killed replica).
const ImportStaleAfter = 2 * time.Minute

// ImportErrorSort is the only sort key of import error lists: the order
// the errors were found in.
const ImportErrorSort = "row"

// Settle makes an unfinished job that has not progressed for
// ImportStaleAfter read as failed, finished at its last progress
// (UpdatedAt): the job stopped some time after it, unseen, and the time
// it ran and its rate are then its own, not those of the wait that found
// it stopped. Nothing is written: a job is never failed behind the back
// of a replica that is still running it (a slow one that resumes shows as
// running again, unfinished), and there is no sweep at startup that could
// fail another replica's live import.
func (im *Import) Settle(now time.Time) {
	if (im.Status == ImportQueued || im.Status == ImportRunning) && now.Sub(im.UpdatedAt) > ImportStaleAfter {
		im.Status = ImportFailed
		finished := im.UpdatedAt
		im.FinishedAt = &finished
		im.Message = fmt.Sprintf("The %s was interrupted after %s: the server running it stopped. %s",
			im.kind(), Quantity(im.ProcessedRows, "row", "rows"), im.RunAgain())
	}
}

// kind names the job in its messages: an import, or a dry run.
func (im *Import) kind() string {
	if im.DryRun {
		return "dry run"
	}
	return "import"
}

// RunAgain is what a job cut short (a crash, a shutdown, a failed batch)
// tells its uploader to do. A real run is finished by the same file,
// whose rows already imported are skipped; a dry run wrote nothing, so
// there is nothing to finish or skip: it is run again. Either is sent
// under a new Idempotency-Key, since the upload's key answers with this
// job for a day (docs/import.md).
func (im *Import) RunAgain() string {
	if im.DryRun {
		return "Run the dry run again" + newKey + ": it wrote nothing, so it checks the file from its first row."
	}
	return "Run the same file again" + newKey + " to finish it; " + rowsSkipped + "."
}

// newKey is the clause of RunAgain for uploads sent with an
// Idempotency-Key, whose replay would answer with the job cut short.
const newKey = " (with a new Idempotency-Key, if the upload had one)"

// rowsSkipped is the clause of the advice to run a file again that holds
// for a real run only (RunAgain): a cut in a CSV file says it too, and a
// dry run's message leaves it out (RunImport).
const rowsSkipped = "rows already imported are skipped"

// Finished reports whether the job has ended.
func (im *Import) Finished() bool {
	return im.Status == ImportSucceeded || im.Status == ImportFailed
}

// Validate checks a new job before it is stored.
func (im *Import) Validate() error {
	var v Invalid
	if im.Format != FormatCSV && im.Format != FormatNDJSON {
		v.Add("format", "must be csv or ndjson", im.Format)
	}
	if im.TotalRows < 0 {
		v.Add("totalRows", "must not be negative", im.TotalRows)
	}
	return v.Err()
}

// Fail records that the row failed with err.
func (p *ImportProgress) Fail(row int, in *EnrollmentCreate, err error) {
	p.Failed++
	p.Errors = append(p.Errors, RowErrors(row, in, err)...)
}

// listColumns are the columns that hold a whole list, whose items'
// errors are reported at the column.
var listColumns = []string{"groupIds", "tags", "manufacturerSlugs", "devices"}

// RowErrors turns the error of one row's create into import errors whose
// field names the file's column where it can: customerId for an unknown
// customer, parameters.<externalId> for a parameter value, the list's
// column for one of its items.
func RowErrors(row int, in *EnrollmentCreate, err error) []ImportError {
	out := ImportErrors(row, err)
	if in == nil {
		return out
	}
	e, _ := err.(*Error)
	for i := range out {
		f := &out[i]
		switch {
		case f.Field == "" && ErrorCode(err) == ENOTFOUND:
			switch in.IdentificationType {
			case IdentifyByCustomerID:
				f.Field = "customerId"
			case IdentifyByLeadID:
				f.Field = "leadId"
			case IdentifyByEnrollmentID:
				f.Field = "enrollmentId"
			}
		case f.Field == "" && e != nil && e.Extra["parameter"] != nil:
			f.Field = fmt.Sprint("parameters.", e.Extra["parameter"])
		case strings.HasPrefix(f.Field, "parameters["):
			// parameters[2].value → parameters.<externalId of the third value>
			idx, _, _ := strings.Cut(strings.TrimPrefix(f.Field, "parameters["), "]")
			n, err := strconv.Atoi(idx)
			switch {
			case err != nil || n < 0 || n >= len(in.Parameters):
			case in.Parameters[n].ExternalID == "":
				// No column parameters.<id> to name: the item of the list.
				_, member, _ := strings.Cut(f.Field, "].")
				f.Field = "parameters"
				f.Message = fmt.Sprintf("item %d, %s: %s", n+1, member, f.Message)
			default:
				f.Field = "parameters." + in.Parameters[n].ExternalID
			}
		default:
			// groupIds[1] → the column groupIds, with the item in the message.
			name, rest, _ := strings.Cut(f.Field, "[")
			idx, member, _ := strings.Cut(rest, "]")
			n, err := strconv.Atoi(idx)
			if err != nil || !slices.Contains(listColumns, name) {
				break
			}
			f.Field = name
			if member = strings.TrimPrefix(member, "."); member != "" {
				member = ", " + member
			}
			f.Message = fmt.Sprintf("item %d%s: %s", n+1, member, f.Message)
		}
	}
	return out
}
