package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
)

// writeCustomerFile writes a CSV of n customers in NY, plus deliberately
// bad rows: a bad email, a missing last name, a duplicate of the first
// row, and a column the import does not know.
func writeCustomerFile(t *testing.T, path string, n int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("firstName,lastName,email,address.state,tags,referenceId,shoeSize\n")
	for i := range n {
		fmt.Fprintf(&b, "First%d,Last%d,cli%d@example.com,NY,mailer|2026,ACCT-%d,42\n", i, i, i, i)
	}
	b.WriteString("Bad,Email,not-an-email,NY,,,\n")        // row n+2
	b.WriteString("Missing,,missing@example.com,NY,,,\n")  // row n+3
	b.WriteString("First0,Again,CLI0@example.com,NY,,,\n") // row n+4: skipped
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// readCSV reads a CSV file.
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

// TestImportExportCLI runs enroll import and enroll export against a
// server in a child process, as an operator would.
func TestImportExportCLI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := startChild(t, filepath.Join(dir, "cli.db"))
	secret := secretIn(t, c.stdout)
	ctx := context.Background()
	cl := client.New(c.url, secret)
	if _, err := cl.CreateProgram(ctx, &client.ProgramCreate{Slug: "rebate", Name: "Rebate"}); err != nil {
		t.Fatal(err)
	}
	nyOnly := []enroll.Rule{{Name: "ny", Expression: `has(enrollment.address) && enrollment.address.state == "NY"`, Reason: "Outside NY"}}
	inst, err := cl.CreateInstance(ctx, "rebate", &client.InstanceCreate{Slug: "2026", Name: "2026", EligibilityRules: nyOnly})
	if err != nil {
		t.Fatal(err)
	}
	const n = 300
	file := filepath.Join(dir, "customers.csv")
	writeCustomerFile(t, file, n)

	out, err := run(t, "import", "--url", c.url, "--key", secret, "--instance", inst.ID, "--poll", "20ms", file)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	summary := regexp.MustCompile(`Import \w+ succeeded in [^:]+: 303 rows, 300 created, 1 skipped \(already enrolled\), 2 failed \(3 errors\)`)
	if !summary.MatchString(out) || !strings.Contains(out, "303 rows to import") || !strings.Contains(out, "row 1: shoeSize: unknown column") {
		t.Fatalf("import printed:\n%s", out)
	}
	errFile := file + ".errors.csv"
	if !strings.Contains(out, "Errors: "+errFile) {
		t.Fatalf("no errors file named:\n%s", out)
	}
	rows := readCSV(t, errFile)
	var got []string
	for _, r := range rows[1:] {
		got = append(got, r[0]+":"+r[1])
	}
	if want := []string{"1:shoeSize", fmt.Sprint(n+2) + ":email", fmt.Sprint(n+3) + ":lastName"}; !slices.Equal(rows[0], []string{"row", "field", "message"}) || !slices.Equal(got, want) {
		t.Fatalf("errors file: %v, want %v", rows, want)
	}
	pg, err := cl.ListEnrollments(ctx, inst.ID, client.EnrollmentQuery{Statuses: []enroll.Status{enroll.StatusEligible}, Tag: "mailer"})
	if err != nil || pg.TotalItems != n {
		t.Fatalf("eligible imported enrollments: %v, %v", pg, err)
	}

	// The same file again: nothing new.
	out, err = run(t, "import", "--url", c.url, "--key", secret, "--instance", inst.ID, "--poll", "20ms", file)
	if err != nil || !strings.Contains(out, ": 303 rows, 0 created, 301 skipped") {
		t.Fatalf("re-run: %v\n%s", err, out)
	}

	// --errors - writes the errors to standard output, whole, and the
	// summary to standard error.
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "ENROLL_TEST_CHILD_ARGS=import --instance "+inst.ID+" --poll 20ms --errors - "+file,
		"ENROLL_URL="+c.url, "ENROLL_KEY="+secret)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("import --errors -: %v\n%s", err, stderr.String())
	}
	if all, err := csv.NewReader(&stdout).ReadAll(); err != nil || len(all) != 4 || !slices.Equal(all[0], []string{"row", "field", "message"}) ||
		!strings.Contains(stderr.String(), ": 303 rows, 0 created, 301 skipped") || !strings.Contains(stderr.String(), "Errors: written to standard output\n") {
		t.Fatalf("import --errors -: %d rows (%v) on standard output; standard error:\n%s", len(all), err, stderr.String())
	}

	// A dry run elsewhere writes nothing; NDJSON by extension.
	other, err := cl.CreateInstance(ctx, "rebate", &client.InstanceCreate{Slug: "2027", Name: "2027"})
	if err != nil {
		t.Fatal(err)
	}
	out, err = run(t, "import", "--url", c.url, "--key", secret, "--instance", other.ID, "--dry-run", "--poll", "20ms", file)
	if err != nil || !strings.Contains(out, "Dry run") || !strings.Contains(out, "300 would be created, 1 would be skipped") ||
		regexp.MustCompile(`\d+ (created|skipped)`).MatchString(out) {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	nd := filepath.Join(dir, "more.jsonl")
	if err := os.WriteFile(nd, []byte(`{"identificationType":"customerInfo","firstName":"Nd","lastName":"J","email":"nd@example.com"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// One row is "1 row", one error "1 error", one enrollment "1 enrollment".
	if out, err = run(t, "import", "--url", c.url, "--key", secret, "--instance", other.ID, nd); err != nil ||
		!strings.Contains(out, "of "+nd+": 1 row to import.") || !strings.Contains(out, ": 1 row, 1 created, 0 skipped (already enrolled), 0 failed (0 errors).") {
		t.Fatalf("NDJSON import: %v\n%s", err, out)
	}
	if pg, _ := cl.ListEnrollments(ctx, other.ID, client.EnrollmentQuery{}); pg.TotalItems != 1 {
		t.Fatalf("after the dry run and one NDJSON row: %d enrollments", pg.TotalItems)
	}
	// Without errors the errors file holds the header alone, replacing
	// any an earlier run left, and is named all the same.
	if rows := readCSV(t, nd+".errors.csv"); len(rows) != 1 {
		t.Fatalf("errors file of an import without errors: %v", rows)
	}
	if !strings.Contains(out, "Errors: "+nd+".errors.csv (none") {
		t.Fatalf("an import without errors does not name its errors file:\n%s", out)
	}
	if out, err = run(t, "export", "--url", c.url, "--key", secret, "--instance", other.ID, "-o", filepath.Join(dir, "one.csv")); err != nil ||
		!strings.Contains(out, "Exported 1 enrollment to ") {
		t.Fatalf("export of one enrollment: %v\n%s", err, out)
	}
	// Bad settings are refused before anything is uploaded.
	for _, args := range [][]string{{"--errors", filepath.Join(dir, "missing", "e.csv")}, {"--format", "xml"}} {
		out, err := run(t, append([]string{"import", "--url", c.url, "--key", secret, "--instance", other.ID}, append(args, nd)...)...)
		if err == nil || strings.Contains(out, "Uploading") || strings.Contains(out, " to import.") {
			t.Fatalf("import %v: %v\n%s", args, err, out)
		}
	}

	// Export to a file, filtered, and through ENROLL_URL and ENROLL_KEY to
	// standard output of a child process.
	exported := filepath.Join(dir, "export.csv")
	out, err = run(t, "export", "--url", c.url, "--key", secret, "--instance", inst.ID, "--status", "eligible", "--sort", "lastName", "-o", exported,
		"--progress-every", "0s")
	if err != nil || !strings.Contains(out, fmt.Sprintf("Exported %d enrollments to %s", n, exported)) ||
		!strings.Contains(out, fmt.Sprintf("exporting: %d of %d rows", n, n)) {
		t.Fatalf("export: %v\n%s", err, out)
	}
	rows = readCSV(t, exported)
	if len(rows) != n+1 || !slices.Equal(rows[0], enroll.ExportColumns) || rows[1][slices.Index(rows[0], "lastName")] != "Last0" {
		t.Fatalf("export has %d rows, first %v", len(rows), rows[1])
	}
	// --created-after takes a time as typed, "t" and "z" in lower case too.
	for after, want := range map[string]int{"2000-01-01t00:00:00z": n, "2999-01-01T00:00:00z": 0} {
		out, err := run(t, "export", "--url", c.url, "--key", secret, "--instance", inst.ID, "--status", "eligible",
			"--created-after", after, "-o", filepath.Join(dir, "after.csv"))
		if err != nil || !strings.Contains(out, fmt.Sprintf("Exported %d enrollments", want)) {
			t.Fatalf("export --created-after %s: %v\n%s", after, err, out)
		}
	}
	cmd = exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "ENROLL_TEST_CHILD_ARGS=export --tag mailer", "ENROLL_URL="+c.url, "ENROLL_KEY="+secret)
	stdout.Reset()
	stderr.Reset()
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("export with ENROLL_URL and ENROLL_KEY: %v\n%s", err, stderr.String())
	}
	all, err := csv.NewReader(&stdout).ReadAll()
	if err != nil || len(all) != n+1 || !strings.Contains(stderr.String(), "to standard output") {
		t.Fatalf("exported %d rows (%v): %s", len(all)-1, err, stderr.String())
	}

	// Round trip: the export imports into another instance as it is.
	third, err := cl.CreateInstance(ctx, "rebate", &client.InstanceCreate{Slug: "2028", Name: "2028", EligibilityRules: nyOnly})
	if err != nil {
		t.Fatal(err)
	}
	if out, err = run(t, "import", "--url", c.url, "--key", secret, "--instance", third.ID, "--poll", "20ms", exported); err != nil ||
		!strings.Contains(out, fmt.Sprintf("%d rows, %d created, 0 skipped (already enrolled), 0 failed", n, n)) {
		t.Fatalf("import of the export: %v\n%s", err, out)
	}

	// Refusals are errors with the server's explanation.
	if out, err = run(t, "import", "--url", c.url, "--key", secret, "--instance", enroll.NewID(), file); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("unknown instance: %v\n%s", err, out)
	}
	if _, err = run(t, "import", "--url", c.url, "--instance", inst.ID, file); err == nil || !strings.Contains(err.Error(), "ENROLL_KEY") {
		t.Fatalf("no key: %v", err)
	}
	if _, err = run(t, "import", "--url", c.url, "--key", secret, "--instance", inst.ID, filepath.Join(dir, "x.xlsx")); err == nil || !strings.Contains(err.Error(), "--format") {
		t.Fatalf("unknown extension: %v", err)
	}
}

// TestImportStdin: a FILE that is standard input, "-" or /dev/stdin, as
// a pipe or redirected from a file, has its errors written to
// ID.errors.csv in the current directory, after the job, rather than
// beside /dev/stdin or in a file named "-.errors.csv"; a current directory
// where no file can be made is refused before the upload.
func TestImportStdin(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	file := filepath.Join(t.TempDir(), "in.csv")
	writeCustomerFile(t, file, 3)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// A file a shell has read a line of: "-" reads the rest, as cat - does.
	const skipped = "a line the shell read\n"
	partFile := filepath.Join(t.TempDir(), "part.csv")
	if err := os.WriteFile(partFile, append([]byte(skipped), data...), 0o600); err != nil {
		t.Fatal(err)
	}
	// The command as a child process, in dir, reading stdin.
	importStdin := func(t *testing.T, dir, url, name string, stdin io.Reader) (string, error) {
		cmd := exec.Command(os.Args[0])
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "ENROLL_TEST_CHILD_ARGS=import --instance "+s.instance+" --format csv --poll 20ms "+name,
			"ENROLL_URL="+url, "ENROLL_KEY="+s.secret)
		cmd.Stdin = stdin
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	open := func(t *testing.T, path string) *os.File {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	for _, c := range []struct {
		name, file, how string // FILE, its name in messages, and what stdin is
		stdin           func(t *testing.T) io.Reader
		uploading       string // what the upload line says
	}{
		{"/dev/stdin", "/dev/stdin", "a pipe", func(*testing.T) io.Reader { return bytes.NewReader(data) }, "Uploading /dev/stdin...\n"},
		{"/dev/stdin", "/dev/stdin", "a redirected file", func(t *testing.T) io.Reader { return open(t, file) }, fmt.Sprintf("Uploading /dev/stdin (%d B)", len(data))},
		{"-", "standard input", "a pipe", func(*testing.T) io.Reader { return bytes.NewReader(data) }, "Uploading standard input...\n"},
		{"-", "standard input", "a redirected file", func(t *testing.T) io.Reader { return open(t, file) }, fmt.Sprintf("Uploading standard input (%d B)", len(data))},
		{"-", "standard input", "a file read in part", func(t *testing.T) io.Reader {
			f := open(t, partFile)
			if _, err := f.Seek(int64(len(skipped)), io.SeekStart); err != nil {
				t.Fatal(err)
			}
			return f
		}, fmt.Sprintf("Uploading standard input (%d B)", len(data))},
	} {
		t.Run(c.name+" from "+c.how, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			out, err := importStdin(t, dir, s.url, c.name, c.stdin(t))
			m := regexp.MustCompile(`Import (\w+) of ` + regexp.QuoteMeta(c.file) + `: 6 rows to import`).FindStringSubmatch(out)
			if err != nil || m == nil || !strings.Contains(out, c.uploading) {
				t.Fatalf("import of %s: %v\n%s", c.name, err, out)
			}
			want := m[1] + ".errors.csv"
			if !strings.Contains(out, "Errors: "+want+"\n") {
				t.Fatalf("errors file named: want %s\n%s", want, out)
			}
			if rows := readCSV(t, filepath.Join(dir, want)); len(rows) != 4 {
				t.Fatalf("errors file %s: %v", want, rows)
			}
		})
	}
	if out, err := run(t, "import", "--help"); err != nil || !strings.Contains(out, "FILE may also be - for standard input, or another pipe (/dev/stdin, /dev/fd/N)") ||
		!strings.Contains(out, "then go to ID.errors.csv in the current directory") {
		t.Fatalf("import --help does not say where the errors of standard input go: %v\n%s", err, out)
	}
	for name, file := range map[string]string{"/dev/stdin": "/dev/stdin", "-": "standard input"} {
		t.Run("no file can be made in the current directory, "+name, func(t *testing.T) {
			t.Parallel()
			// /proc takes no new file, even from root.
			out, err := importStdin(t, "/proc", "http://127.0.0.1:1", name, bytes.NewReader(data))
			if err == nil || !strings.Contains(out, "--errors: the errors of "+file+" go to the current directory") ||
				!strings.Contains(out, "give --errors PATH") || strings.Contains(out, "Uploading") {
				t.Fatalf("import in /proc: %v\n%s", err, out)
			}
		})
	}
	// In process, "-" reads the Main's Stdin.
	t.Run("Main.Stdin", func(t *testing.T) {
		t.Parallel()
		m := NewMain()
		var out bytes.Buffer
		m.Stdin, m.Stdout, m.Stderr = bytes.NewReader(data), &out, &out
		errs := filepath.Join(t.TempDir(), "errors.csv")
		err := m.Run(context.Background(), []string{"import", "--url", s.url, "--key", s.secret, "--instance", s.instance, "--format", "csv",
			"--poll", "20ms", "--errors", errs, "-"})
		if err != nil || !strings.Contains(out.String(), "of standard input: 6 rows to import") || !strings.Contains(out.String(), "Errors: "+errs+"\n") {
			t.Fatalf("import - from Main.Stdin: %v\n%s", err, out.String())
		}
	})
}

// TestImportProgressBar draws the progress bars, as on a terminal.
func TestImportProgressBar(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := startChild(t, filepath.Join(dir, "bar.db"))
	secret := secretIn(t, c.stdout)
	ctx := context.Background()
	cl := client.New(c.url, secret)
	if _, err := cl.CreateProgram(ctx, &client.ProgramCreate{Slug: "bar", Name: "Bar"}); err != nil {
		t.Fatal(err)
	}
	inst, err := cl.CreateInstance(ctx, "bar", &client.InstanceCreate{Slug: "2026", Name: "2026"})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "bar.csv")
	writeCustomerFile(t, file, 2000)
	m := NewMain()
	var stdout, stderr bytes.Buffer
	m.Stdout, m.Stderr = &stdout, &stderr
	err = m.runImport(ctx, cl, importRun{path: file, instance: inst.ID, format: enroll.FormatCSV, errorsPath: filepath.Join(dir, "errs.csv"),
		poll: 10 * time.Millisecond, tty: true})
	if err != nil || !strings.Contains(stdout.String(), "2000 created") {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	// Whether a poll lands while rows are in flight, and so shows a rate,
	// depends on the server's speed; the bar and its count are always drawn.
	if bar := stderr.String(); !strings.Contains(bar, "/2003)") || !strings.Contains(bar, "0 failed") || !strings.Contains(bar, "%") {
		t.Fatalf("no progress bar drawn:\n%q", bar)
	}
}

// TestImportRefusals: settings that cannot make an import are refused
// with a message that says why, before anything is uploaded (the server
// here answers nothing, so an upload would fail otherwise).
func TestImportRefusals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "f.txt")
	csvFile := filepath.Join(dir, "f.csv")
	adir := filepath.Join(dir, "adir.csv")
	for _, p := range []string{file, csvFile} {
		if err := os.WriteFile(p, []byte("firstName\nA\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(adir, 0o700); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing", "e.csv")
	// The file to import under other names: a symbolic and a hard link.
	symlink, hardlink := filepath.Join(dir, "link.csv"), filepath.Join(dir, "hard.csv")
	if err := os.Symlink(csvFile, symlink); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(csvFile, hardlink); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown format", []string{"--instance", "i", "--format", "xml", file}, `--format "xml": use csv or ndjson`},
		{"standard input without --format", []string{"--instance", "i", "-"}, "cannot tell the format of standard input from its extension"},
		{"a directory to import", []string{"--instance", "i", adir}, adir + " is a directory"},
		{"errors into a directory", []string{"--instance", "i", "--errors", dir, csvFile}, "--errors: " + dir + " is a directory"},
		{"errors where no file can be made", []string{"--instance", "i", "--errors", missing, csvFile}, "--errors: create " + missing + ": no such file or directory"},
		{"errors into the file to import", []string{"--instance", "i", "--errors", csvFile, csvFile},
			"--errors " + csvFile + " is the file to import, " + csvFile + ": its errors would replace it"},
		{"errors into a link to the file to import", []string{"--instance", "i", "--errors", symlink, csvFile}, "--errors " + symlink + " is the file to import"},
		{"errors into a hard link of the file to import", []string{"--instance", "i", "--errors", hardlink, csvFile}, "--errors " + hardlink + " is the file to import"},
		{"errors into the file a link to import names", []string{"--instance", "i", "--errors", csvFile, symlink}, "--errors " + csvFile + " is the file to import, " + symlink},
		{"no file", []string{"--instance", "i"}, "give the FILE to import (or --job ID"},
		{"a job and a file", []string{"--job", "j", csvFile}, "give it no FILE"},
		{"a job and a dry run", []string{"--job", "j", "--dry-run"}, "--dry-run applies to a FILE to upload"},
		{"a job's errors into a directory", []string{"--job", "j", "--errors", dir}, "is a directory"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			out, err := run(t, append([]string{"import", "--url", "http://127.0.0.1:1", "--key", "sk_x"}, c.args...)...)
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(out, "Uploading") {
				t.Fatalf("import %v: %v, want %q\n%s", c.args, err, c.want, out)
			}
		})
	}
	// Standard input redirected from the file, as `enroll import - < f.csv`.
	in, err := os.Open(csvFile)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	m := NewMain()
	var buf bytes.Buffer
	m.Stdin, m.Stdout, m.Stderr = in, &buf, &buf
	err = m.Run(context.Background(), []string{"import", "--url", "http://127.0.0.1:1", "--key", "sk_x", "--instance", "i", "--format", "csv", "--errors", symlink, "-"})
	if err == nil || !strings.Contains(err.Error(), "--errors "+symlink+" is the file to import, standard input") || strings.Contains(buf.String(), "Uploading") {
		t.Fatalf("import - < %s --errors %s: %v\n%s", csvFile, symlink, err, buf.String())
	}
	if b, err := os.ReadFile(csvFile); err != nil || string(b) != "firstName\nA\n" {
		t.Fatalf("the file to import now holds %q (%v)", b, err)
	}
	// An export's bad time too, and says what it wants.
	out, err := run(t, "export", "--url", "http://127.0.0.1:1", "--key", "sk_x", "--created-after", "2026-01-02 03:04:05z")
	if err == nil || !strings.Contains(err.Error(), "--created-after: not an RFC 3339 date-time such as 2026-01-02T03:04:05Z") {
		t.Fatalf("export --created-after with a space: %v\n%s", err, out)
	}
	// An export names the file given, not the one written in its place.
	out, err = run(t, "export", "--url", "http://127.0.0.1:1", "--key", "sk_x", "-o", missing)
	if err == nil || !strings.Contains(err.Error(), "create "+missing) || strings.Contains(err.Error(), ".tmp") {
		t.Fatalf("export -o %s: %v\n%s", missing, err, out)
	}
}

// TestCommandFlags: each command lists only the flags it uses, and serve
// refuses rates it would take for no limit, and any setting it cannot run
// with, before it creates the database.
func TestCommandFlags(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args        []string
		has, hasNot []string
	}{
		{[]string{"import", "--help"}, []string{"--url", "--job"}, []string{"--db", "--log-level", "--log-format", "--pg-max-conns", "--pg-statement-timeout"}},
		{[]string{"export", "--help"}, []string{"--url"}, []string{"--db", "--log-level", "--pg-max-conns"}},
		{[]string{"version", "--help"}, nil, []string{"--db", "--log-level"}},
		{[]string{"serve", "--help"}, []string{"--db", "--log-level", "--log-format", "--pg-max-conns", "--pg-import-writers", "--rate-limit", "--webhook-workspace-concurrency", "--event-retention"}, nil},
		{[]string{"key", "create", "--help"}, []string{"--db", "--pg-max-conns"}, []string{"--log-level", "--pg-import-writers"}},
		{[]string{"migrate", "--help"}, []string{"--db"}, []string{"--log-level", "--pg-max-conns"}},
	} {
		out, err := run(t, c.args...)
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		for _, f := range c.has {
			if !strings.Contains(out, f+" ") {
				t.Errorf("%v lists no %s", c.args, f)
			}
		}
		for _, f := range c.hasNot {
			if strings.Contains(out, f+" ") {
				t.Errorf("%v lists %s, which does nothing there", c.args, f)
			}
		}
	}
	dir := t.TempDir()
	notADir := filepath.Join(dir, "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--rate-limit", "-5"}, "--rate-limit -5"},
		{[]string{"--rate-limit", "NaN"}, "--rate-limit NaN"},
		{[]string{"--rate-burst", "-1"}, "--rate-burst -1"},
		{[]string{"--webhook-workspace-concurrency", "-1"}, "--webhook-workspace-concurrency -1"},
		{[]string{"--webhook-timeout", "-1s"}, "--webhook-timeout -1s"},
		{[]string{"--event-retention", "-1h"}, "--event-retention -1h0m0s"},
		{[]string{"--pg-import-writers", "-1"}, "--pg-import-writers -1"},
		{[]string{"--pg-max-conns", "-1"}, "--pg-max-conns -1"},
		// Checked before the database is opened, which creates or migrates it.
		{[]string{"--public-url", "notaurl"}, `--public-url "notaurl"`},
		{[]string{"--public-url", "ftp://x"}, `--public-url "ftp://x"`},
		{[]string{"--smtp-url", "smtp://x:25"}, `--smtp-from "" must be an email address`},
		{[]string{"--smtp-url", "bogus", "--smtp-from", "noreply@example.com"}, "--smtp-url must be smtp://"},
		{[]string{"--addr", "nohost"}, `--addr "nohost": give host:port`},
		{[]string{"--addr", "127.0.0.1:99999"}, `--addr "127.0.0.1:99999": give host:port`},
		{[]string{"--data-dir", notADir}, "--data-dir: import data directory " + notADir},
		{[]string{"--data-dir", filepath.Join(notADir, "sub")}, "--data-dir: import data directory " + filepath.Join(notADir, "sub")},
	} {
		db := filepath.Join(dir, "serve.db")
		// A serve that took the setting would run until the context ends.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		m := NewMain()
		var buf bytes.Buffer
		m.Stdout, m.Stderr = &buf, &buf
		err := m.Run(ctx, append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, c.args...))
		cancel()
		out := buf.String()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("serve %v: %v, want %q\n%s", c.args, err, c.want, out)
		}
		if _, err := os.Stat(db); err == nil {
			t.Errorf("serve %v opened the database before refusing", c.args)
		}
	}
}

// TestImportPrintsColumnsEscaped: an import file's unknown column, named
// in the errors printed on the terminal, has its control characters
// escaped: a customer list from elsewhere cannot drive the terminal.
func TestImportPrintsColumnsEscaped(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "esc.csv")
	if err := os.WriteFile(file, []byte("firstName,lastName,email,x\x1b[2Jfake\nA,B,a@example.com,1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "import", "--url", s.url, "--key", s.secret, "--instance", s.instance, "--poll", "20ms", "--errors", filepath.Join(dir, "e.csv"), file)
	if err != nil || strings.Contains(out, "\x1b") || !strings.Contains(out, `  row 1: "x\x1b[2Jfake": unknown column`) {
		t.Fatalf("import: %v\n%s", err, out)
	}
}
