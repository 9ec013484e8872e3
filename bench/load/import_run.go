package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/enrollhq/enroll"
)

func init() { figures["import"] = true }

// importResult is one server's import of the generated file.
type importResult struct {
	// server names the server in the report.
	server string
	// baseline says the server is the import's baseline.
	baseline bool
	// rows is the size of the file; done the rows processed when the
	// import finished or reached the cap, and capped says which.
	rows, done int
	capped     bool
	// status and message are the job's at the end ("" for the baseline).
	status  enroll.ImportStatus
	message string
	// created, skipped and failed count the rows done; errors the errors.
	created, skipped, failed, errors int
	// upload is the round trip of the POST that sent the file; elapsed
	// runs from the POST's start to the end of the import (or the cap).
	upload, elapsed time.Duration
	// cpu is the server's CPU time (user + system) during the import.
	cpu time.Duration
	// rss is the largest resident set sampled during the import; hwm the
	// server's VmHWM when stopped (the peak over its life, which was
	// this import alone).
	rss, hwm int64
	// final is the job as the database held it once the server stopped
	// (counting the batch in flight at a cap); eligible counts the created
	// enrollments the rules made eligible, from the rows. Enroll only.
	final    *enroll.Import
	eligible int
}

// cpuPerRow is the server's CPU time per row done.
func (r importResult) cpuPerRow() time.Duration {
	if r.done == 0 {
		return 0
	}
	return r.cpu / time.Duration(r.done)
}

// rate is rows done per second.
func (r importResult) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.done) / r.elapsed.Seconds()
}

// runImport generates the CSV file, imports it into a fresh database
// through Enroll's API, then through the bare baseline, and reports both.
func runImport(ctx context.Context, o options, dir string, rep *report, logf func(string, ...any)) (err error) {
	b := backends[o.ImportBackend]
	if err := b.probe(ctx, o); err != nil {
		return fmt.Errorf("%s: %w", b.label(), err)
	}
	idir := filepath.Join(dir, "import")
	if err := os.MkdirAll(idir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(idir, "import.csv")
	t0 := time.Now()
	size, err := writeImportCSV(ctx, path, o.ImportRows)
	if err != nil {
		return err
	}
	logf("import: wrote %s rows, %.1f MB, in %s", itoa(o.ImportRows), float64(size)/1e6, time.Since(t0).Round(time.Millisecond))
	dsn, err := b.create(ctx, o, idir)
	if err != nil {
		return err
	}
	if o.Keep {
		logf("import: %s database kept: %s", b.label(), redact(dsn))
	} else {
		defer func() {
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			err = errors.Join(err, b.drop(dctx, o, dsn))
		}()
	}
	ds, inst, err := setupImport(ctx, b, dsn)
	if err != nil {
		return err
	}
	rep.importSetup = fmt.Sprintf("Import: a CSV file of %s rows (%.1f MB, %d columns) generated on disk, uploaded with POST /v1/programInstances/{id}/imports "+
		"(text/csv) to Enroll on a fresh %s database, into an empty active instance with autoEvaluate, five rules and three declared parameters "+
		"(one unique), followed with GET /v1/imports/{id}; capped at %s",
		itoa(o.ImportRows), float64(size)/1e6, len(importColumns), b.label(), o.ImportCap)
	res, err := importEnroll(ctx, o, b, dsn, ds, inst, idir, path, size)
	if err != nil {
		return err
	}
	rep.addImport(res)
	logf("import: Enroll %s of %s rows in %s: %.0f rows/s%s", itoa(res.done), itoa(res.rows), res.elapsed.Round(time.Millisecond), res.rate(), cappedNote(res.capped))
	if o.ImportBackend != "sqlite" {
		return nil
	}
	base, err := importBaseline(ctx, o, idir, path, size)
	if err != nil {
		return err
	}
	rep.addImport(base)
	logf("import: %s %s rows in %s: %.0f rows/s%s", base.server, itoa(base.done), base.elapsed.Round(time.Millisecond), base.rate(), cappedNote(base.capped))
	return nil
}

// cappedNote is the progress line's note for a capped import.
func cappedNote(capped bool) string {
	if capped {
		return " (capped)"
	}
	return ""
}

// setupImport creates the workspace, its key and the import's instance.
func setupImport(ctx context.Context, b backend, dsn string) (*dataset, string, error) {
	store, err := b.open(ctx, dsn, false)
	if err != nil {
		return nil, "", err
	}
	ds, p, err := setupProgram(ctx, store)
	if err != nil {
		store.Close()
		return nil, "", err
	}
	inst := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "import", Name: "Solar Rebate 2026 (import)",
		Status: enroll.InstanceActive, AutoEvaluate: true, EligibilityRules: importRules, Parameters: importParameters}
	err = store.CreateInstance(ctx, ds.actor(), inst)
	if err := errors.Join(err, store.Close()); err != nil {
		return nil, "", fmt.Errorf("import instance: %w", err)
	}
	return ds, inst.ID, nil
}

// importEnroll uploads the file to an Enroll server of its own and follows
// the job until it ends or the cap, then reads the job as it ended and the
// eligible enrollments from the database.
func importEnroll(ctx context.Context, o options, b backend, dsn string, ds *dataset, inst, dir, path string, size int64) (importResult, error) {
	res := importResult{server: "Enroll", rows: o.ImportRows}
	c, err := startChild(ctx, "enroll", "-backend", o.ImportBackend, "-dsn", dsn, "-data-dir", filepath.Join(dir, "spool"))
	if err != nil {
		return res, err
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = c.stop()
		}
	}()
	auth := http.Header{"Authorization": {"Bearer " + ds.secret}}
	peakRSS := c.sampleRSS()
	cpu0, err := c.cpuTime()
	if err != nil {
		return res, err
	}
	t0 := time.Now()
	deadline := t0.Add(o.ImportCap)
	var job enroll.Import
	if err := upload(ctx, c.url+"/v1/programInstances/"+inst+"/imports", path, size, auth, http.StatusAccepted, &job); err != nil {
		peakRSS()
		return res, err
	}
	res.upload = time.Since(t0)
	profiled := profileImport(ctx, o, c)
	every := min(100*time.Millisecond, o.ImportCap/100)
	for job.Status != enroll.ImportSucceeded && job.Status != enroll.ImportFailed {
		if time.Now().After(deadline) {
			res.capped = true
			break
		}
		select {
		case <-ctx.Done():
			peakRSS()
			return res, ctx.Err()
		case <-time.After(every):
		}
		if err := getJSON(ctx, c.url+"/v1/imports/"+job.ID, auth, &job); err != nil {
			peakRSS()
			return res, err
		}
	}
	res.elapsed = time.Since(t0)
	if job.FinishedAt != nil && job.FinishedAt.After(t0) {
		res.elapsed = job.FinishedAt.Sub(t0)
	}
	res.rss = peakRSS()
	cpu1, err := c.cpuTime()
	if err != nil {
		return res, err
	}
	res.cpu = cpu1 - cpu0
	<-profiled
	res.done, res.status, res.message = job.ProcessedRows, job.Status, job.Message
	res.created, res.skipped, res.failed, res.errors = job.CreatedCount, job.SkippedCount, job.FailedRows, job.ErrorCount
	// Stopping the server at a cap stops the import at its next batch
	// boundary: the job fails, saying to run the file again.
	stopped = true
	if err := c.stop(); err != nil {
		return res, err
	}
	res.hwm = c.peakRSS
	return res, importFinal(ctx, b, dsn, ds, inst, job.ID, &res)
}

// profileImport writes a CPU profile of the import's first 30 seconds (or
// of all of it, if capped sooner) to o.Profile, when set; the channel it
// returns is closed once the profile is written.
func profileImport(ctx context.Context, o options, c *child) <-chan struct{} {
	done := make(chan struct{})
	if o.Profile == "" {
		close(done)
		return done
	}
	secs := max1(int(min(30*time.Second, o.ImportCap).Seconds()))
	go func() {
		defer close(done)
		path := filepath.Join(o.Profile, "import.cpu.pprof")
		if err := fetch(ctx, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", c.pprof, secs), path); err != nil {
			fmt.Fprintln(os.Stderr, "profile:", err)
		}
	}()
	return done
}

// importFinal reads the job as the database holds it once its server has
// stopped, and counts the eligible enrollments its rows made.
func importFinal(ctx context.Context, b backend, dsn string, ds *dataset, inst, id string, res *importResult) error {
	store, err := b.open(ctx, dsn, false)
	if err != nil {
		return err
	}
	defer store.Close()
	is, ok := store.(enroll.ImportStore)
	if !ok {
		return errors.New("the store cannot import")
	}
	if res.final, err = is.FindImport(ctx, ds.wsID, id); err != nil {
		return err
	}
	res.eligible, err = b.count(ctx, dsn, inst, enroll.StatusEligible)
	return err
}

// importBaseline uploads the file to the bare import and reads its answer.
func importBaseline(ctx context.Context, o options, dir, path string, size int64) (importResult, error) {
	res := importResult{server: "bare SQLite: multi-row INSERT", baseline: true, rows: o.ImportRows}
	c, err := startChild(ctx, "bare-sqlite-import", "-db", filepath.Join(dir, "bare-import.db"))
	if err != nil {
		return res, err
	}
	peakRSS := c.sampleRSS()
	cpu0, cerr0 := c.cpuTime()
	t0 := time.Now()
	var out bareImportResult
	err = upload(ctx, c.url+"/imports?cap="+o.ImportCap.String(), path, size, nil, http.StatusOK, &out)
	res.elapsed, res.upload = time.Since(t0), time.Since(t0)
	res.rss = peakRSS()
	cpu1, cerr1 := c.cpuTime()
	res.cpu = cpu1 - cpu0
	err = errors.Join(err, cerr0, cerr1)
	if err := errors.Join(err, c.stop()); err != nil {
		return res, err
	}
	res.hwm = c.peakRSS
	res.done, res.created, res.capped = out.Rows, out.Inserted, out.Capped
	res.failed = out.Rows - out.Inserted
	return res, nil
}
