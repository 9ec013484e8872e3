package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
	"github.com/enrollhq/enroll/postgres/pgtest"
)

// cutByInterrupt is standard input fed by a producer that Ctrl-C kills
// with the import (gunzip -c list.csv.gz | enroll import -): it gives
// the rows the producer wrote, the last one cut mid-cell, then the
// interrupt arrives and, with it, the end of the pipe.
type cutByInterrupt struct {
	data   *strings.Reader
	cancel context.CancelFunc
	after  time.Duration
}

func (r *cutByInterrupt) Read(p []byte) (int, error) {
	if r.data.Len() > 0 {
		return r.data.Read(p)
	}
	// The producer, killed by the terminal's SIGINT, closes the pipe;
	// the same SIGINT reaches the command a moment later.
	time.AfterFunc(r.after, r.cancel)
	return 0, io.EOF
}

// TestImportInterruptedStream: Ctrl-C during the upload of a pipe starts
// no import (README, docs/import.md: "the server starts no import of a
// file it did not receive whole"). The terminal's SIGINT also kills the
// producer (gunzip -c ... | enroll import -), whose pipe then ends a
// moment before the command's context does; before streamEndGrace the
// upload ended cleanly there, and the server imported the cut file (its
// last row, cut mid-email, an enrollment of "zed1@example.c"), which the
// whole file run again enrolled a second time. By hand: 2 of 6 Ctrl-Cs.
func TestImportInterruptedStream(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := client.New(s.url, s.secret)
	for i := range 20 {
		csv := fmt.Sprintf("firstName,lastName,email\nAnn,Run%d,ann%d@example.com\nZed,Run%d,zed%d@example.c", i, i, i, i)
		ctx, cancel := context.WithCancel(context.Background())
		m := NewMain()
		var stderr bytes.Buffer
		m.Stdin, m.Stdout, m.Stderr = &cutByInterrupt{data: strings.NewReader(csv), cancel: cancel, after: time.Duration(i%4) * time.Millisecond}, io.Discard, &stderr
		err := m.Run(ctx, []string{"import", "--instance", s.instance, "--format", "csv", "--errors", t.TempDir() + "/e.csv",
			"--url", s.url, "--key", s.secret, "-"})
		cancel()
		if err == nil {
			t.Fatalf("run %d: an interrupted import exited 0:\n%s", i, stderr.String())
		}
		// Give a job the server may have started the time to run.
		time.Sleep(300 * time.Millisecond)
		page, lerr := c.ListEnrollments(context.Background(), s.instance, client.EnrollmentQuery{Q: fmt.Sprintf("zed%d", i)})
		if lerr != nil {
			t.Fatal(lerr)
		}
		if page.TotalItems > 0 {
			t.Fatalf("run %d: Ctrl-C during the upload of a pipe imported the cut file (enrollment %s, email %q):\n%s",
				i, page.Data[0].ID, page.Data[0].Email, stderr.String())
		}
	}
}

// TestExportEmptyFilter: `enroll export --instance "$INSTANCE"` with the
// variable unset (or ENROLL_INSTANCE=) is refused, as import refuses an
// empty --instance and key create an empty --instances or --scopes; it
// exported every instance the key sees, exit 0, sending another
// program's participants to whoever got the file.
func TestExportEmptyFilter(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	c := client.New(s.url, s.secret)
	p, err := c.CreateProgram(ctx, &client.ProgramCreate{Slug: "other", Name: "Other"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := c.CreateInstance(ctx, p.ID, &client.InstanceCreate{Slug: "2026", Name: "Other 2026"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateEnrollment(ctx, other.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: "Other", LastName: "Program", Email: "other.program@example.com"}); err != nil {
		t.Fatal(err)
	}
	m := NewMain()
	var stdout, stderr bytes.Buffer
	m.Stdout, m.Stderr = &stdout, &stderr
	err = m.Run(ctx, []string{"export", "--instance", "", "--url", s.url, "--key", s.secret})
	if err == nil {
		t.Fatalf("export --instance \"\" exited 0 and wrote another instance's participants:\n%s%s", stdout.String(), stderr.String())
	}
}

// TestEmptySecretsKey: --secrets-key= (or ENROLL_SECRETS_KEY=: a secret
// not mounted, ${KEY} unset in a unit file) is refused before the
// database is opened, as a --secrets-key-file that holds no key is; it
// started serve with sealing off, without a word, storing new webhook
// signing secrets plain.
func TestEmptySecretsKey(t *testing.T) {
	t.Parallel()
	db := t.TempDir() + "/sealed.db"
	m := NewMain()
	m.Stdout, m.Stderr = io.Discard, io.Discard
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := m.Run(ctx, []string{"serve", "--secrets-key=", "--db", db, "--addr", "127.0.0.1:0"})
	if err == nil {
		t.Fatalf("serve --secrets-key= started, with webhook secrets stored plain, and stopped only when told to")
	}
}

// TestExportRefusesOtherAnswers: an export (and an import's errors file)
// writes only a text/csv answer: behind a sign-in proxy that answers 200
// with a page, or at a --url that is another service, `enroll export -o
// eligible.csv` wrote that page as eligible.csv and said "Exported 0
// enrollments", exit 0.
func TestExportRefusesOtherAnswers(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<!doctype html><title>Sign in</title><form>...</form>\n")
	}))
	t.Cleanup(srv.Close)
	out := t.TempDir() + "/eligible.csv"
	m := NewMain()
	var stderr bytes.Buffer
	m.Stdout, m.Stderr = io.Discard, &stderr
	err := m.Run(context.Background(), []string{"export", "--url", srv.URL, "--key", "sk_test", "-o", out})
	if err == nil {
		b, _ := os.ReadFile(out)
		t.Fatalf("an HTML answer was exported as CSV, exit 0: %s\n%s", stderr.String(), b)
	}
}

// TestImportErrorsPathFromServer: for standard input the errors file is
// named after the job id the server answers, so that id must be an id: an
// answer at --url (a wrong host, a proxy, plain http on the way) with id
// "../x" had the command write a file of the server's content outside the
// current directory.
func TestImportErrorsPathFromServer(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	id := outside + "/planted" // any path; "../../x" works the same
	job := fmt.Sprintf(`{"id":%q,"programInstanceId":"i1","format":"csv","status":"succeeded","totalRows":1,"processedRows":1,`+
		`"createdCount":1,"errors":[],"createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:01Z","finishedAt":"2026-01-01T00:00:01Z"}`, id)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		switch {
		case r.Method == http.MethodPost:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusAccepted)
			_, _ = io.WriteString(w, job)
		case strings.HasSuffix(r.URL.Path, "/errors"):
			w.Header().Set("Content-Type", "text/csv")
			_, _ = io.WriteString(w, "row,field,message\n1,x,planted by the server\n")
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, job)
		}
	}))
	t.Cleanup(srv.Close)
	m := NewMain()
	var stdout, stderr bytes.Buffer
	m.Stdin, m.Stdout, m.Stderr = strings.NewReader("a,b\n1,2\n"), &stdout, &stderr
	_ = m.Run(context.Background(), []string{"import", "--instance", "i1", "--format", "csv", "--url", srv.URL, "--key", "sk_test", "-"})
	if b, err := os.ReadFile(id + ".errors.csv"); err == nil {
		t.Fatalf("the server's job id %q named the errors file; it wrote %s:\n%s%s", id, id+".errors.csv", b, stdout.String())
	}
}

// TestServeLogsNoDatabasePassword: docs/postgres.md puts the password in
// --db (postgres://enroll:secret@db.internal/...), and docs/security.md
// says "Secrets are never logged"; every start logged "enroll listening"
// with db= the whole URL, password and all.
func TestServeLogsNoDatabasePassword(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDatabase(t)
	const password = "s3cret-db-password"
	withPassword := strings.Replace(db, "postgres@", "postgres:"+password+"@", 1)
	if withPassword == db {
		t.Fatalf("no user in %s to give a password", db)
	}
	m := NewMain()
	var logs bytes.Buffer
	m.Stdout, m.Stderr = io.Discard, &logs
	m.Config.DB, m.Config.Addr = withPassword, "127.0.0.1:0"
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	_ = m.Close()
	if strings.Contains(logs.String(), password) {
		t.Fatalf("the database password is in the log:\n%s", logs.String())
	}
}

// TestRemoteURL checks --url before anything is sent: an empty one (an
// unset ENROLL_URL) got the Go client's hint "make it with client.New",
// one ending in /v1 a 404 of /v1/v1/..., and the console's address its
// sign-in page's HTML in the error.
func TestRemoteURL(t *testing.T) {
	t.Parallel()
	for url, want := range map[string]string{
		"":                              "no server URL",
		"127.0.0.1:8080":                "not an http:// or https:// URL",
		"ftp://example.com":             "not an http:// or https:// URL",
		"http://127.0.0.1:8080/v1":      "without /v1 (http://127.0.0.1:8080)",
		"http://127.0.0.1:8080/v1/":     "without /v1 (http://127.0.0.1:8080)",
		"http://127.0.0.1:8080/console": "without /console (http://127.0.0.1:8080)",
		"https://gw.example/enroll/v1":  "without /v1 (https://gw.example/enroll)",
		"http://127.0.0.1:8080":         "",
		"https://host.example/enroll/":  "",
	} {
		err := checkBaseURL(url)
		if (want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("--url %q: %v, want %q", url, err, want)
		}
	}
}

// TestBaseURLUnderAVersionedGateway: a --url whose path holds /v1/ or
// /console/ before its end is a base URL of its own (a server behind a
// gateway's versioned prefix, https://gw.example.com/v1/enroll); only one
// that ends with the API's or the console's address is refused.
func TestBaseURLUnderAVersionedGateway(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"https://gw.example.com/v1/enroll", "https://intranet.example.com/console/enroll/"} {
		if err := checkBaseURL(u); err != nil {
			t.Errorf("--url %q: %v", u, err)
		}
	}
}

// TestURLOfAnOperation: a --url pasted with an operation's path
// (".../v1/programs", ".../console/enrollments") was refused, naming the
// base URL; since --url only refuses a path ending in /v1 or /console it
// is taken, and every command then asks for /v1/programs/v1/... (404).
func TestURLOfAnOperation(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"http://127.0.0.1:8080/v1/programs", "http://127.0.0.1:8080/console/enrollments"} {
		if err := checkBaseURL(u); err == nil {
			t.Errorf("--url %q accepted; want it refused, naming http://127.0.0.1:8080", u)
		}
	}
}

// TestAPIRootsCoverTheAPI checks apiRoots against the served API: every
// /v1 path's first segment is one, so that --url ending in any
// operation's address is refused, and none is a root the API lacks.
func TestAPIRootsCoverTheAPI(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	served := map[string]bool{}
	for path := range s.m.HTTPServer.OpenAPI().Paths {
		if rest, ok := strings.CutPrefix(path, "/v1/"); ok {
			root, _, _ := strings.Cut(rest, "/")
			served[root] = true
		}
	}
	for root := range served {
		if !apiRoots[root] {
			t.Errorf("/v1/%s is served but not in apiRoots", root)
		}
	}
	for root := range apiRoots {
		if !served[root] {
			t.Errorf("apiRoots holds %s, which the API does not serve", root)
		}
	}
}
