package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
	enrollhttp "github.com/enrollhq/enroll/http"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
)

// server is the service running in-process on a new SQLite database.
type server struct {
	m      *Main
	url    string
	secret string
	// jobs makes import jobs directly in the store: a job made so is
	// run by nothing, and stays queued until the test finishes it.
	jobs     enroll.ImportStore
	actor    enroll.Actor
	instance string
	closed   bool
}

// startServer starts the service with an active program instance.
func startServer(t *testing.T) *server {
	t.Helper()
	m := NewMain()
	var out bytes.Buffer
	m.Stdout, m.Stderr = &out, io.Discard
	m.Config.DB, m.Config.Addr = filepath.Join(t.TempDir(), "follow.db"), "127.0.0.1:0"
	ctx := context.Background()
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	s := &server{m: m, url: m.HTTPServer.URL(), jobs: m.Store.(enroll.ImportStore)}
	t.Cleanup(func() {
		if !s.closed {
			_ = m.Close()
		}
	})
	s.secret = secretIn(t, out.String())
	ws, err := m.Store.FindWorkspace(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	s.actor = enroll.Actor{WorkspaceID: ws.ID}
	s.instance = createInstance(t, m.Config.DB, ws.ID)
	return s
}

// close stops the server.
func (s *server) close(t *testing.T) {
	t.Helper()
	s.closed = true
	if err := s.m.Close(); err != nil {
		t.Fatal(err)
	}
}

// newJob stores a queued job of ten rows.
func (s *server) newJob(t *testing.T) *enroll.Import {
	t.Helper()
	im := &enroll.Import{ProgramInstanceID: s.instance, Format: enroll.FormatCSV, TotalRows: 10}
	if err := s.jobs.CreateImport(context.Background(), s.actor, im); err != nil {
		t.Fatal(err)
	}
	return im
}

// finish ends a job as its runner would.
func (s *server) finish(t *testing.T, id string, status enroll.ImportStatus, message string) {
	t.Helper()
	if _, err := s.jobs.FinishImport(context.Background(), s.actor, id, status, message); err != nil {
		t.Fatal(err)
	}
}

// TestImportInterruptedAndFollowedAgain: stopped while it follows a job,
// the command says that the job goes on, that no errors file was written,
// and how to follow it again; `enroll import --job` does so to the end,
// with the summary and the errors file, and prints why a job failed.
func TestImportInterruptedAndFollowedAgain(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	dir := t.TempDir()
	job := s.newJob(t)
	errs := filepath.Join(dir, "my errors.csv")

	// As Ctrl-C would: the context of the command ends while it follows.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	m := NewMain()
	var out bytes.Buffer
	m.Stdout, m.Stderr = &out, &out
	err := m.Run(ctx, []string{"import", "--url", s.url, "--key", s.secret, "--job", job.ID, "--errors", errs, "--poll", "20ms"})
	again := "enroll import --job " + job.ID + " --errors '" + errs + "' --url " + s.url
	if !errors.Is(err, errInterrupted) || !strings.Contains(out.String(), "import "+job.ID+" goes on on the server") ||
		!strings.Contains(out.String(), "was not written") || !strings.Contains(out.String(), again) {
		t.Fatalf("interrupted: %v\n%s", err, out.String())
	}
	if _, err := os.Stat(errs); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("an errors file was written: %v", err)
	}

	// Followed again once it ends.
	s.finish(t, job.ID, enroll.ImportSucceeded, "")
	got, err := run(t, "import", "--url", s.url, "--key", s.secret, "--job", job.ID, "--errors", errs, "--poll", "20ms")
	if err != nil || !strings.Contains(got, "Import "+job.ID+" succeeded in ") {
		t.Fatalf("--job: %v\n%s", err, got)
	}
	if rows := readCSV(t, errs); len(rows) != 1 || rows[0][0] != "row" {
		t.Fatalf("errors file of --job: %v", rows)
	}
	if _, err := run(t, "import", "--url", s.url, "--key", s.secret, "--job", job.ID, "--errors", errs, "--instance", enroll.NewID()); err == nil ||
		!strings.Contains(err.Error(), "is of program instance "+s.instance) {
		t.Fatalf("--job of another --instance: %v", err)
	}
	if _, err := run(t, "import", "--url", s.url, "--key", s.secret, "--job", enroll.NewID(), "--errors", errs); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("--job of no job: %v", err)
	}

	// A job that fails says why.
	failed := s.newJob(t)
	const why = "the server shut down; run the same file again"
	s.finish(t, failed.ID, enroll.ImportFailed, why)
	got, err = run(t, "import", "--url", s.url, "--key", s.secret, "--job", failed.ID, "--errors", errs)
	if err == nil || err.Error() != "import "+failed.ID+" failed: "+why || !strings.Contains(got, "Import "+failed.ID+" failed in") {
		t.Fatalf("failed job: %v\n%s", err, got)
	}
}

// TestImportFollowOneRow: a job of one row, with one error, is summed up
// as "1 row" and "1 error".
func TestImportFollowOneRow(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	job := &enroll.Import{ProgramInstanceID: s.instance, Format: enroll.FormatCSV, TotalRows: 1}
	if err := s.jobs.CreateImport(ctx, s.actor, job); err != nil {
		t.Fatal(err)
	}
	row := &enroll.ImportRow{Row: 2, Errors: []enroll.ImportError{{Row: 2, Field: "email", Message: "must be an email address"}}}
	if _, err := s.jobs.ImportEnrollments(ctx, s.actor, job.ID, []*enroll.ImportRow{row}); err != nil {
		t.Fatal(err)
	}
	s.finish(t, job.ID, enroll.ImportSucceeded, "")
	out, err := run(t, "import", "--url", s.url, "--key", s.secret, "--job", job.ID, "--errors", filepath.Join(t.TempDir(), "e.csv"))
	if err != nil || !strings.Contains(out, "succeeded: 1 of 1 row done.") ||
		!strings.Contains(out, ": 1 row, 0 created, 0 skipped (already enrolled), 1 failed (1 error).") {
		t.Fatalf("--job of one row: %v\n%s", err, out)
	}
}

// TestImportFollowGivesUp: when the server stays out of reach, following
// gives up after the client's RetryFor, saying the job may still run and
// how to follow it again.
func TestImportFollowGivesUp(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	job := s.newJob(t)
	s.close(t)
	c := client.New(s.url, s.secret)
	c.RetryFor = 300 * time.Millisecond
	m := NewMain()
	var out bytes.Buffer
	m.Stdout, m.Stderr = &out, &out
	o := importRun{errorsPath: "e.csv", poll: 20 * time.Millisecond, lines: time.Hour}
	// The context only stops a follow that would not give up, so that it
	// fails here rather than at the test's timeout.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	err := m.follow(ctx, c, job, o, rateMeter{start: start}, func(*enroll.Import) time.Duration { return 0 })
	if err == nil || strings.Count(err.Error(), "may still be running on the server") != 1 || !strings.Contains(err.Error(), "import "+job.ID) ||
		!strings.Contains(err.Error(), "enroll import --job "+job.ID+" --errors e.csv") || !strings.Contains(err.Error(), "\nIts errors file e.csv was not written.\n") {
		t.Fatalf("follow with the server gone: %v", err)
	}
	if took := time.Since(start); took < 300*time.Millisecond || ctx.Err() != nil {
		t.Fatalf("gave up after %v (context: %v), want after RetryFor, 300ms", took, ctx.Err())
	}
}

// TestImportFollowRefused: a follow stopped by an answer that will not
// pass (a key revoked meanwhile: 401) says, as an interrupted one does,
// that the job goes on, that the errors file was not written and that the
// one of its name there is an earlier run's, and how to follow it again.
func TestImportFollowRefused(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	job := s.newJob(t)
	errs := filepath.Join(t.TempDir(), "customers.csv.errors.csv")
	const earlier = "row,field,message\n2,email,an earlier run's\n"
	if err := os.WriteFile(errs, []byte(earlier), 0o600); err != nil {
		t.Fatal(err)
	}
	m := NewMain()
	var out bytes.Buffer
	m.Stdout, m.Stderr = &out, &out
	o := importRun{errorsPath: errs, url: s.url, poll: 20 * time.Millisecond, lines: time.Hour}
	err := m.follow(context.Background(), client.New(s.url, "sk_revoked"), job, o, rateMeter{start: time.Now()}, jobTook)
	want := "following import " + job.ID + ": enroll: 401 "
	if err == nil || !strings.HasPrefix(err.Error(), want) ||
		!strings.HasSuffix(err.Error(), "\nImport "+job.ID+" goes on on the server; its errors file "+errs+" was not written: the "+errs+" there is an earlier run's.\n"+
			"Follow it to its end again (progress, summary, errors file) with:\n  enroll import --job "+job.ID+" --errors "+errs+" --url "+s.url) {
		t.Fatalf("follow with a revoked key: %v\n%s", err, out.String())
	}
	if b, err := os.ReadFile(errs); err != nil || string(b) != earlier {
		t.Fatalf("the earlier run's errors file now holds %q (%v)", b, err)
	}
}

// TestJobTook: a job's time is its own, from its creation to its end;
// without finishedAt (a job that stopped with its server, read from a
// server that leaves it null) the end is its last progress.
func TestJobTook(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := created.Add(d); return &v }
	for _, c := range []struct {
		name     string
		updated  time.Duration
		finished *time.Time
		want     time.Duration
	}{
		{"finished", 90 * time.Second, at(90 * time.Second), 90 * time.Second},
		{"finishedAt null", 40 * time.Second, nil, 40 * time.Second},
		{"never started", 0, nil, 0},
	} {
		im := &enroll.Import{Status: enroll.ImportFailed, CreatedAt: created, UpdatedAt: created.Add(c.updated), FinishedAt: c.finished}
		if got := jobTook(im); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestImportFollowStaleJob: a job whose server died mid-import reads as
// failed once it has been quiet for enroll.ImportStaleAfter; followed
// again, its summary gives the time it ran and its rate, not "0s".
func TestImportFollowStaleJob(t *testing.T) {
	t.Parallel()
	var now atomic.Int64
	now.Store(time.Now().UnixMicro())
	clock := func() time.Time { return time.UnixMicro(now.Load()).UTC() }
	ctx := context.Background()
	db, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(t.TempDir(), "stale.db"), Engine: rules.New(), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv := enrollhttp.NewServer(enrollhttp.Config{Addr: "127.0.0.1:0", Store: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "stale"}
	key, secret := enroll.NewAPIKey(ws.ID, "k", nil, nil, clock())
	if err := db.CreateWorkspace(ctx, ws, key); err != nil {
		t.Fatal(err)
	}
	a := enroll.Actor{WorkspaceID: ws.ID}
	p := &enroll.Program{Slug: "stale", Name: "Stale"}
	if err := db.CreateProgram(ctx, a, p); err != nil {
		t.Fatal(err)
	}
	inst := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "2026", Name: "2026", Status: enroll.InstanceActive}
	if err := db.CreateInstance(ctx, a, inst); err != nil {
		t.Fatal(err)
	}
	job := &enroll.Import{ProgramInstanceID: inst.ID, Format: enroll.FormatCSV, TotalRows: 10}
	if err := db.CreateImport(ctx, a, job); err != nil {
		t.Fatal(err)
	}
	// Four rows in two seconds, then the server is gone.
	var rows []*enroll.ImportRow
	for i := range 4 {
		rows = append(rows, &enroll.ImportRow{Row: i + 2, Errors: []enroll.ImportError{{Row: i + 2, Field: "email", Message: "must be an email address"}}})
	}
	now.Add((2 * time.Second).Microseconds())
	if _, err := db.ImportEnrollments(ctx, a, job.ID, rows); err != nil {
		t.Fatal(err)
	}
	now.Add((enroll.ImportStaleAfter + time.Minute).Microseconds())

	errs := filepath.Join(t.TempDir(), "errors.csv")
	out, err := run(t, "import", "--url", srv.URL(), "--key", secret, "--job", job.ID, "--errors", errs)
	if err == nil || !strings.Contains(err.Error(), "import "+job.ID+" failed: The import was interrupted after 4 rows") {
		t.Fatalf("a stale job: %v\n%s", err, out)
	}
	if want := "Import " + job.ID + " failed in 2s: 4 rows, 0 created, 0 skipped (already enrolled), 4 failed (4 errors). 2 rows/s"; !strings.Contains(out, want) {
		t.Fatalf("summary of a stale job:\n%s\nwant %s", out, want)
	}
}

// TestImportInterruptedWhileInputStalls: Ctrl-C ends an import whose
// input, a pipe, stalls mid-upload (as gunzip -c ... | enroll import -
// may), at once rather than when the producer next writes or closes.
func TestImportInterruptedWhileInputStalls(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	cmd := exec.Command(os.Args[0])
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "ENROLL_TEST_CHILD_ARGS=import --instance "+s.instance+" --format csv -", "ENROLL_URL="+s.url, "ENROLL_KEY="+s.secret)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	if _, err := io.WriteString(stdin, "firstName,lastName,email\n"); err != nil {
		t.Fatal(err)
	}
	// The header is read once the upload runs; the producer then stalls.
	out := bufio.NewReader(stderr)
	if line, err := out.ReadString('\n'); err != nil || line != "Uploading standard input...\n" {
		t.Fatalf("first line %q: %v", line, err)
	}
	time.Sleep(200 * time.Millisecond)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	// Wait closes the pipe: only once all of it is read.
	rest := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		b, _ := io.ReadAll(out)
		rest <- string(b)
		done <- cmd.Wait()
	}()
	select {
	case err := <-done:
		msg := <-rest
		if err == nil || !strings.Contains(msg, "Interrupted during the upload of standard input") || !strings.Contains(msg, "Run the same command again") {
			t.Fatalf("exit: %v\n%s", err, msg)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the command did not end on SIGINT while its input stalled")
	}
}

// TestImportInterruptedAfterSendingWhole: Ctrl-C after the whole file was
// sent, while the server has not answered yet, says that the server may
// have started an import of it (and that running the command again is
// safe), not that it started none. The server here reads the upload
// whole and does not answer: the point between the two is what is tested.
func TestImportInterruptedAfterSendingWhole(t *testing.T) {
	t.Parallel()
	received := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		close(received)
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	file := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(file, []byte("firstName,lastName,email\nSuzie,Homeowner,suzie@example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "ENROLL_TEST_CHILD_ARGS=import --instance inst1 "+file, "ENROLL_URL="+srv.URL, "ENROLL_KEY=sk_test")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	select {
	case <-received:
	case <-time.After(10 * time.Second):
		t.Fatal("the upload did not arrive")
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if msg := stderr.String(); err == nil || !strings.Contains(msg, "Interrupted after "+file+" was sent whole, before the server answered: it may have started an import of it.") ||
		!strings.Contains(msg, "Running the same command again is safe") {
		t.Fatalf("exit: %v\n%s", err, msg)
	}
}
