package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
)

// TestMain lets the test binary act as the enroll command, so the crash
// test can run the real server in a child process and kill it.
func TestMain(m *testing.M) {
	if args := os.Getenv("ENROLL_TEST_CHILD_ARGS"); args != "" {
		os.Args = append([]string{"enroll"}, strings.Fields(args)...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// run runs the CLI in-process and returns what it printed.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	m := NewMain()
	var out, errOut bytes.Buffer
	m.Stdout, m.Stderr = &out, &errOut
	err := m.Run(context.Background(), args)
	return out.String() + errOut.String(), err
}

// newDB makes a SQLite database, as enroll migrate does, and returns its
// path: the commands that change one (workspace, key) create none.
func newDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "e.db")
	if out, err := run(t, "migrate", "--db", db); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	return db
}

func TestWorkspaceCreate(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	out, err := run(t, "workspace", "create", "--name", "acme", "--db", db, "--json")
	if err != nil {
		t.Fatalf("workspace create: %v\n%s", err, out)
	}
	var res struct {
		Workspace struct{ ID, Name string }
		APIKey    struct {
			ID, Secret, Prefix string
			Scopes             []string
		} `json:"apiKey"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if res.Workspace.Name != "acme" || res.Workspace.ID == "" || res.APIKey.ID == "" ||
		!strings.HasPrefix(res.APIKey.Secret, "sk_") || !strings.HasPrefix(res.APIKey.Secret, res.APIKey.Prefix) || len(res.APIKey.Scopes) != 9 {
		t.Fatalf("workspace create printed %+v", res)
	}
	if out, err := run(t, "workspace", "create", "--name", "acme", "--db", db); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("duplicate workspace: %v %s", err, out)
	}
	out, err = run(t, "key", "create", "--workspace", "acme", "--db", db, "--scopes", "enrollments:read", "--json")
	if err != nil || !strings.Contains(out, `"kind": "scoped"`) {
		t.Fatalf("key create: %v\n%s", err, out)
	}
	// An unknown scope is named, with the scopes there are.
	if _, err := run(t, "key", "create", "--workspace", "acme", "--db", db, "--scopes", "enrollments:read,everything"); err == nil ||
		err.Error() != `scopes[1] ("everything"): unknown scope; the scopes are `+strings.Join(scopeNames(), ", ") {
		t.Fatalf("key create with an unknown scope: %v", err)
	}
	for _, args := range [][]string{{"--instances", "mwur9fk8kj92ygmb024gk0wx"}, {"--instances", "nope"}, {"--scopes", ""}, {"--scopes", " , "}} {
		if out, err := run(t, append([]string{"key", "create", "--workspace", "acme", "--db", db}, args...)...); err == nil {
			t.Fatalf("key create %v: made a key\n%s", args, out)
		}
	}
	// An --instances naming none ("$INSTANCE" unset) would make a key that
	// reaches every instance, as an empty --scopes would make a secret key.
	for _, args := range [][]string{{"--instances", ""}, {"--instances", " , "}, {"--scopes", "enrollments:read", "--instances", ""}} {
		if out, err := run(t, append([]string{"key", "create", "--workspace", "acme", "--db", db}, args...)...); err == nil ||
			err.Error() != "--instances names no program instance; leave it out for a key that reaches every instance" {
			t.Fatalf("key create %q: %v\n%s", args, err, out)
		}
	}
	inst := createInstance(t, db, res.Workspace.ID)
	if _, err := run(t, "key", "create", "--workspace", "acme", "--db", db, "--scopes", "nope,enrollments:read,enrollments:read"); err == nil ||
		!strings.HasPrefix(err.Error(), "2 problems:\n  scopes[0] (\"nope\"): unknown scope") || !strings.HasSuffix(err.Error(), "\n  scopes[2] (\"enrollments:read\"): is listed twice") {
		t.Fatalf("key create with two bad scopes: %v", err)
	}
	// Listed twice is refused, as POST /v1/apiKeys refuses it.
	for _, args := range [][]string{{"--scopes", "enrollments:read,enrollments:read"}, {"--instances", inst + "," + inst}} {
		if out, err := run(t, append([]string{"key", "create", "--workspace", "acme", "--db", db}, args...)...); err == nil || !strings.Contains(err.Error(), "[1] (") ||
			!strings.HasSuffix(err.Error(), "): is listed twice") {
			t.Fatalf("key create %v: %v\n%s", args, err, out)
		}
	}
	out, err = run(t, "key", "create", "--workspace", "acme", "--db", db, "--scopes", "enrollments:read", "--instances", inst, "--json")
	if err != nil || !strings.Contains(out, inst) {
		t.Fatalf("key create --instances: %v\n%s", err, out)
	}
	out, err = run(t, "key", "list", "--workspace", "acme", "--db", db)
	if err != nil || strings.Contains(out, res.APIKey.Secret) || strings.Count(out, "\n") != 4 || !strings.Contains(out, "LAST USED") || !strings.Contains(out, inst) {
		t.Fatalf("key list: %v\n%s", err, out)
	}
	if out, err = run(t, "key", "revoke", res.APIKey.ID, "--workspace", "acme", "--db", db); err != nil {
		t.Fatalf("key revoke: %v\n%s", err, out)
	}
	if out, err = run(t, "migrate", "--db", db); err != nil || !strings.Contains(out, "applied") {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Fields(line); len(f) != 3 || f[1] != "applied" {
			t.Fatalf("migrate printed %q, want version, state and name", line)
		}
	}
	if out, err = run(t, "version"); err != nil || !strings.HasPrefix(out, "enroll ") {
		t.Fatalf("version: %v\n%s", err, out)
	}
	if _, err = run(t, "serve", "--db", "postgres://localhost/x"); err == nil {
		t.Fatal("serve accepted a database it cannot open")
	}
}

func TestServeBootstrapsDefaultWorkspace(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "e.db")
	m := NewMain()
	var out bytes.Buffer
	m.Stdout, m.Stderr = &out, io.Discard
	m.Config.DB, m.Config.Addr = db, "127.0.0.1:0"
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	secret := secretIn(t, out.String())
	res := do(t, "GET", m.HTTPServer.URL()+"/v1/programs", secret, "")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/programs = %d", res.StatusCode)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	// A second start keeps the workspace and prints no new key.
	m2 := NewMain()
	out.Reset()
	m2.Stdout, m2.Stderr = &out, io.Discard
	m2.Config.DB, m2.Config.Addr = db, "127.0.0.1:0"
	if err := m2.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	if strings.Contains(out.String(), "sk_") {
		t.Fatal("second start printed a new key")
	}
	if res := do(t, "GET", m2.HTTPServer.URL()+"/v1/programs", secret, ""); res.StatusCode != http.StatusOK {
		t.Fatalf("after restart GET /v1/programs = %d", res.StatusCode)
	}
}

// TestServeBootstrapsOnlyWhenItServes checks that a start that fails (its
// port taken, a setting refused) creates no workspace and prints no key:
// the key is printed once, so a failed start would use the print up.
func TestServeBootstrapsOnlyWhenItServes(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	db := filepath.Join(t.TempDir(), "e.db")
	for _, c := range []struct {
		name      string
		configure func(*Config)
	}{
		{"port taken", func(c *Config) { c.Addr = taken.Addr().String() }},
		{"bad --smtp-url", func(c *Config) { c.SMTPURL, c.SMTPFrom = "ftp://mail.example.com", "noreply@example.com" }},
		{"bad --public-url", func(c *Config) { c.PublicURL = "mailto:x" }},
	} {
		m := NewMain()
		var out bytes.Buffer
		m.Stdout, m.Stderr = &out, io.Discard
		m.Config.DB, m.Config.Addr = db, "127.0.0.1:0"
		c.configure(&m.Config)
		if err := m.Open(context.Background()); err == nil {
			m.Close()
			t.Fatalf("%s: the server started", c.name)
		}
		if strings.Contains(out.String(), "sk_") {
			t.Fatalf("%s: a start that failed printed the key:\n%s", c.name, out.String())
		}
	}
	// The first start that serves creates the workspace and prints its key.
	m := NewMain()
	var out bytes.Buffer
	m.Stdout, m.Stderr = &out, io.Discard
	m.Config.DB, m.Config.Addr = db, "127.0.0.1:0"
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if res := do(t, "GET", m.HTTPServer.URL()+"/v1/programs", secretIn(t, out.String()), ""); res.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/programs = %d", res.StatusCode)
	}
}

var secretPattern = regexp.MustCompile(`sk_[0-9A-Za-z]+`)

func secretIn(t *testing.T, s string) string {
	t.Helper()
	secret := secretPattern.FindString(s)
	if secret == "" {
		t.Fatalf("no secret key printed:\n%s", s)
	}
	return secret
}

func do(t *testing.T, method, url, secret, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+secret)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

func decodeBody(t *testing.T, res *http.Response) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// child is the enroll server running in a separate process.
type child struct {
	cmd    *exec.Cmd
	url    string
	stdout string
}

// startChild runs "enroll serve" in a child process configured through
// ENROLL_* variables (env adds some), and waits until it listens.
func startChild(t *testing.T, db string, env ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "ENROLL_TEST_CHILD_ARGS=serve", "ENROLL_DB="+db, "ENROLL_ADDR=127.0.0.1:0", "ENROLL_LOG_FORMAT=json")
	cmd.Env = append(cmd.Env, env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line struct{ Msg, URL string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "enroll listening" {
				urls <- line.URL
			}
		}
	}()
	select {
	case url := <-urls:
		// The child prints its first key before it logs that it listens, so
		// what it printed is in the pipe now: read that without waiting for
		// more (reading a buffer exec fills would race with its copier).
		f := stdout.(*os.File)
		_ = f.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		out, _ := io.ReadAll(f)
		_ = f.SetReadDeadline(time.Time{})
		go func() { _, _ = io.Copy(io.Discard, f) }()
		return &child{cmd: cmd, url: url, stdout: string(out)}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	return nil
}

// TestKillAndRestart checks that an acknowledged write survives SIGKILL of
// the server: no graceful shutdown, no checkpoint.
func TestKillAndRestart(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "crash.db")
	c := startChild(t, db)
	secret := secretIn(t, c.stdout)

	res := do(t, "POST", c.url+"/v1/programs", secret, `{"slug": "rebate", "name": "Rebate"}`)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create program = %d", res.StatusCode)
	}
	res = do(t, "POST", c.url+"/v1/programs/rebate/instances", secret, `{"slug": "2026", "name": "2026"}`)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create instance = %d", res.StatusCode)
	}
	inst := decodeBody(t, res)["id"].(string)
	var ids []string
	for i := range 20 {
		res := do(t, "POST", c.url+"/v1/programInstances/"+inst+"/enrollments", secret,
			fmt.Sprintf(`{"identificationType": "customerInfo", "firstName": "K", "lastName": "Ill", "email": "k%d@example.com"}`, i))
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("create enrollment = %d", res.StatusCode)
		}
		ids = append(ids, decodeBody(t, res)["id"].(string))
	}
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = c.cmd.Wait()

	c = startChild(t, db)
	if strings.Contains(c.stdout, "sk_") {
		t.Fatal("restart created a new default workspace")
	}
	for _, id := range ids {
		res := do(t, "GET", c.url+"/v1/enrollments/"+id, secret, "")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("enrollment %s after SIGKILL: %d", id, res.StatusCode)
		}
	}
	res = do(t, "GET", c.url+"/v1/programInstances/"+inst+"/enrollments", secret, "")
	if total := decodeBody(t, res)["totalItems"]; total != float64(len(ids)) {
		t.Fatalf("totalItems after restart = %v, want %d", total, len(ids))
	}
}

// TestGracefulShutdown checks that SIGTERM stops the server cleanly.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	c := startChild(t, filepath.Join(t.TempDir(), "term.db"))
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop on SIGTERM")
	}
}

// TestSecondSignalEndsShutdown: a second SIGTERM (or Ctrl-C) ends a
// server whose graceful shutdown waits on a request in flight, at once,
// as the signal's default does.
func TestSecondSignalEndsShutdown(t *testing.T) {
	t.Parallel()
	c := startChild(t, filepath.Join(t.TempDir(), "term.db"))
	secret := secretIn(t, c.stdout)
	// A request whose body stalls: its handler waits for the rest.
	conn, err := net.Dial("tcp", strings.TrimPrefix(c.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "POST /v1/programs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{", secret); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case <-done:
		// Ended by the signal, not by a shutdown that finished.
		if ws, ok := c.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
			t.Fatalf("the server ended with %v, not by the second SIGTERM", c.cmd.ProcessState)
		}
	case <-time.After(20 * time.Second):
		// Only a hang: how it ended is what tells the signal's end from
		// a shutdown that finished.
		t.Fatal("the second SIGTERM did not end the server")
	}
}

// TestUnknownSubcommand checks that a command group refuses a subcommand
// it does not have instead of printing its help and succeeding.
func TestUnknownSubcommand(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"workspace", "list"}, {"key", "rotate"}} {
		if out, err := run(t, args...); err == nil || !strings.Contains(err.Error(), "unknown command") {
			t.Errorf("enroll %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	if out, err := run(t, "workspace"); err != nil || !strings.Contains(out, "Usage:") {
		t.Errorf("enroll workspace: %v\n%s", err, out)
	}
	// A bad logging setting is refused, not replaced by the default.
	for _, args := range [][]string{{"serve", "--log-level", "bogus"}, {"serve", "--log-format", "yaml"}} {
		if out, err := run(t, args...); err == nil {
			t.Errorf("enroll %s: accepted\n%s", strings.Join(args, " "), out)
		}
	}
}

// createInstance makes a program and an active instance in workspace wsID
// of the SQLite database at db, through the store, and returns its id.
func createInstance(t *testing.T, db, wsID string) string {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, sqlite.Config{Path: db, Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a := enroll.Actor{WorkspaceID: wsID}
	p := &enroll.Program{Slug: "cli", Name: "CLI"}
	if err := s.CreateProgram(ctx, a, p); err != nil {
		t.Fatal(err)
	}
	inst := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "2026", Name: "2026", Status: enroll.InstanceActive}
	if err := s.CreateInstance(ctx, a, inst); err != nil {
		t.Fatal(err)
	}
	return inst.ID
}

// TestErrorText checks that the CLI says "enroll:" once, however the
// client's errors are wrapped.
func TestErrorText(t *testing.T) {
	t.Parallel()
	for err, want := range map[error]string{
		fmt.Errorf("upload: %w", errors.New("enroll: 401 Invalid API key.")): "upload: 401 Invalid API key.",
		errors.New("enroll: 404 Not found."):                                 "404 Not found.",
		errors.New("--instance is required"):                                 "--instance is required",
	} {
		if got := errorText(err); got != want {
			t.Errorf("errorText(%q) = %q, want %q", err, got, want)
		}
	}
}

// scopeNames lists every scope's name.
func scopeNames() []string {
	var names []string
	for _, s := range enroll.AllScopes {
		names = append(names, string(s))
	}
	return names
}
