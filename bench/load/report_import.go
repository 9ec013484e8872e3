package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/enrollhq/enroll"
)

// importTable reports the import and its baseline: rows per second, what
// became of the rows, and memory.
func (r *report) importTable() table {
	t := table{
		title: "Bulk import (issue 6)",
		intro: "Rows/s are rows done ÷ the time from the start of the upload to the end of the import (the job's finishedAt), or to the cap: " +
			"the upload, the spooling of the file to disk and its row count included. Counts are the job's at that moment. " +
			"RSS: the largest resident set of the server process sampled every 50 ms during the import, and its VmHWM (the peak of its life, " +
			"which was this import alone). Server CPU is the server process's user + system time during the import per row done; unlike " +
			"rows/s, it leaves out the time the server waited for a CPU. On the baseline row, \"÷ rows/s\" is Enroll's rows/s divided by the baseline's.",
		head: []string{"server", "rows done", "of", "created", "skipped", "failed rows", "errors", "upload s", "total s", "rows/s", "÷ rows/s",
			"server CPU ms/row", "RSS MB during", "peak RSS MB", "capped", "as generated"},
	}
	var enrollRate float64
	for _, res := range r.imports {
		if !res.baseline {
			enrollRate = res.rate()
		}
	}
	for _, res := range r.imports {
		up, div, check := secs(res.upload), "", res.check()
		if res.baseline {
			up, div = "", ratio(enrollRate, res.rate())
		}
		capped := "no"
		if res.capped {
			capped = "yes"
		}
		t.rows = append(t.rows, []string{res.server, itoa(res.done), itoa(res.rows), itoa(res.created), itoa(res.skipped), itoa(res.failed),
			itoa(res.errors), up, secs(res.elapsed), rate(res.rate()), div, ms(res.cpuPerRow()), mb(res.rss), mb(res.hwm), capped, check})
	}
	t.notes = []string{
		"The file: customerInfo rows as an operator's customer list has them (names, email, phone, address, equipment, serial number, " +
			"reference, tags, and the parameters size, kW and a unique utility account). One row in 200 has an invalid email (refused: " +
			"a failed row with one error) and one in 200 repeats the participant of the row before it (skipped); of the others a quarter " +
			"live outside the territory, a tenth have no eligible equipment and an eighth too small a system, so about half come out eligible. " +
			"\"as generated\" compares the job's counters, as the database holds them once the server has stopped (a cap stops the import at " +
			"its next batch boundary), and the eligible enrollments counted in the rows, with what the generator made of the same rows.",
		"The baseline receives the same file on net/http, decodes it as it arrives with the import's own CSV row decoder, " +
			"and writes each row as one JSON document under a new id with multi-row INSERTs (" + strconv.Itoa(bareImportChunk) + " rows each) in transactions of " +
			strconv.Itoa(enroll.DefaultImportBatch) + " rows, the import's batch, on modernc.org/sqlite with the store's pragmas (WAL, synchronous=FULL): no validation, customers, dedup, " +
			"rules, history, events or counters.",
	}
	return t
}

// check compares an import's outcome with the generator's: "yes", what
// differs, or "" when there is nothing to compare.
func (res importResult) check() string {
	if res.baseline {
		if res.created == res.done {
			return "yes"
		}
		return fmt.Sprintf("NO: %s of %s rows written", itoa(res.created), itoa(res.done))
	}
	f := res.final
	if f == nil {
		return ""
	}
	want := expectedImport(f.ProcessedRows)
	got := importOutcome{f.CreatedCount, f.SkippedCount, f.FailedRows, res.eligible}
	if got == want {
		return "yes"
	}
	return fmt.Sprintf("NO: created/skipped/failed/eligible %d/%d/%d/%d, want %d/%d/%d/%d",
		got.created, got.skipped, got.failed, got.eligible, want.created, want.skipped, want.failed, want.eligible)
}

// importProblems lists what went wrong with the import: a job that failed
// other than at the cap. A run with any fails, as one with failed
// requests does.
func (r *report) importProblems() []string {
	var p []string
	for _, res := range r.imports {
		if !res.baseline && !res.capped && res.status != enroll.ImportSucceeded {
			p = append(p, fmt.Sprintf("the import ended %s: %s", res.status, res.message))
		}
	}
	return p
}

// secs formats a duration in seconds.
func secs(d time.Duration) string {
	if d >= 100*time.Second {
		return fmt.Sprintf("%.0f", d.Seconds())
	}
	return fmt.Sprintf("%.1f", d.Seconds())
}
