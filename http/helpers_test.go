package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	enrollhttp "github.com/enrollhq/enroll/http"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/postgres/pgtest"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
)

// testStore is what the tests need of a store: SQLite by default, or
// PostgreSQL with ENROLL_TEST_STORE=postgres, so the whole suite runs
// unchanged on both.
type testStore interface {
	enroll.Store
	enroll.IdempotencyStore
}

// env is one running service on its own database, with a workspace and its
// secret key.
type env struct {
	t      testing.TB
	srv    *enrollhttp.Server
	store  testStore
	url    string
	secret string
	wsID   string
	keyID  string
	dbPath string
	// pgURL is the PostgreSQL store's database, "" on SQLite.
	pgURL string
}

// newEnv starts a real server on 127.0.0.1:0 over a real SQLite store.
func newEnv(t *testing.T) *env { return newEnvWith(t, nil) }

// newEnvWith is newEnv with a server configuration that configure may change.
func newEnvWith(t testing.TB, configure func(*enrollhttp.Config)) *env {
	t.Helper()
	return newEnvOn(t, nil, configure)
}

// newEnvOn is newEnvWith over a store that seals webhook signing secrets
// with sealer (nil: none).
func newEnvOn(t testing.TB, sealer enroll.SecretSealer, configure func(*enrollhttp.Config)) *env {
	t.Helper()
	return newEnvOpening(t, sealer, configure, nil)
}

// newEnvOpening is newEnvOn with a function that may change the server
// before it opens (nil: none).
func newEnvOpening(t testing.TB, sealer enroll.SecretSealer, configure func(*enrollhttp.Config), beforeOpen func(*enrollhttp.Server)) *env {
	t.Helper()
	ctx := context.Background()
	var (
		db    testStore
		err   error
		path  string
		pgURL string
	)
	if os.Getenv("ENROLL_TEST_STORE") == "postgres" {
		pgURL = pgtest.NewDatabase(t)
		db, err = postgres.Open(ctx, postgres.Config{URL: pgURL, Engine: rules.New(), Sealer: sealer})
	} else {
		path = filepath.Join(t.TempDir(), "enroll.db")
		db, err = sqlite.Open(ctx, sqlite.Config{Path: path, Engine: rules.New(), Sealer: sealer})
	}
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	cfg := enrollhttp.Config{
		Addr: "127.0.0.1:0", Store: db, Version: "test",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if configure != nil {
		configure(&cfg)
	}
	srv := enrollhttp.NewServer(cfg)
	if beforeOpen != nil {
		beforeOpen(srv)
	}
	if err := srv.Open(); err != nil {
		t.Fatalf("open server: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close server: %v", err)
		}
	})
	e := &env{t: t, srv: srv, store: db, url: srv.URL(), dbPath: path, pgURL: pgURL}
	e.wsID, e.keyID, e.secret = e.newWorkspace()
	return e
}

// newWorkspace creates another workspace in the same store and returns its
// id, its first key's id and secret.
func (e *env) newWorkspace() (wsID, keyID, secret string) {
	e.t.Helper()
	now := time.Now().UTC()
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "ws-" + enroll.NewID(), CreatedAt: now}
	key, secret := enroll.NewAPIKey(ws.ID, "test", nil, nil, now)
	if err := e.store.CreateWorkspace(context.Background(), ws, key); err != nil {
		e.t.Fatalf("create workspace: %v", err)
	}
	return ws.ID, key.ID, secret
}

// response is a finished HTTP exchange.
type response struct {
	t      testing.TB
	req    string
	Status int
	Header http.Header
	Body   []byte
}

// reqOpt changes a request before it is sent.
type reqOpt func(*http.Request)

func withKey(secret string) reqOpt {
	return func(r *http.Request) {
		if secret == "" {
			r.Header.Del("Authorization")
		} else {
			r.Header.Set("Authorization", "Bearer "+secret)
		}
	}
}

func withHeader(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }

// raw marks a request body to be sent as is.
type raw string

// do sends a request with the workspace's secret key; body is JSON-encoded
// unless it is a raw string or nil.
func (e *env) do(method, path string, body any, opts ...reqOpt) *response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case raw:
		rd = strings.NewReader(string(b))
	case upload:
		rd = strings.NewReader(b.body)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if u, ok := body.(upload); ok {
		req.Header.Set("Content-Type", u.contentType)
	} else if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+e.secret)
	for _, o := range opts {
		o(req)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, msg := range e.checkResponse(method, path, res.StatusCode, res.Header, b) {
		e.t.Errorf("answer not as documented in the OpenAPI document: %s", msg)
	}
	return &response{t: e.t, req: method + " " + path, Status: res.StatusCode, Header: res.Header, Body: b}
}

// expect fails the test unless the status is want; it returns r for chaining.
func (r *response) expect(want int) *response {
	r.t.Helper()
	if r.Status != want {
		r.t.Fatalf("%s: status %d, want %d; body: %s", r.req, r.Status, want, r.Body)
	}
	return r
}

// obj decodes the body as a JSON object.
func (r *response) obj() map[string]any {
	r.t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		r.t.Fatalf("%s: body is not a JSON object: %v: %s", r.req, err, r.Body)
	}
	return m
}

// decode decodes the body into v.
func (r *response) decode(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.t.Fatalf("%s: cannot decode %T: %v: %s", r.req, v, err, r.Body)
	}
}

// problem decodes a problem body and checks the RFC 9457 members.
func (r *response) problem() problem {
	r.t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		r.t.Fatalf("%s: Content-Type %q, want application/problem+json; body: %s", r.req, ct, r.Body)
	}
	var p problem
	r.decode(&p)
	if p.Type == "" || p.Title == "" || p.Status != r.Status {
		r.t.Fatalf("%s: incomplete problem: %s", r.req, r.Body)
	}
	return p
}

// problem is an RFC 9457 body with the extension members the API uses.
type problem struct {
	Type            string   `json:"type"`
	Title           string   `json:"title"`
	Status          int      `json:"status"`
	Detail          string   `json:"detail"`
	CurrentStatus   string   `json:"currentStatus"`
	AllowedStatuses []string `json:"allowedStatuses"`
	ExistingID      string   `json:"existingId"`
	Errors          []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
		Value    any    `json:"value"`
	} `json:"errors"`
}

// locations returns the locations of the field errors.
func (p problem) locations() []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Location)
	}
	return out
}

// hasLocation reports whether some field error points at loc (or inside it).
func (p problem) hasLocation(loc string) bool {
	for _, e := range p.Errors {
		if e.Location == loc || strings.HasPrefix(e.Location, loc+".") || strings.HasPrefix(e.Location, loc+"[") {
			return true
		}
	}
	return false
}

// createProgram creates a program and returns its id.
func (e *env) createProgram(slug string) string {
	e.t.Helper()
	return e.do("POST", "/v1/programs", map[string]any{"slug": slug, "name": "Program " + slug}).expect(201).obj()["id"].(string)
}

// createInstance creates an instance of a new program with the given extra
// members and returns its id.
func (e *env) createInstance(extra map[string]any) string {
	e.t.Helper()
	prog := e.createProgram("p-" + strings.ToLower(enroll.NewID()[14:]))
	body := map[string]any{"slug": "i-" + strings.ToLower(enroll.NewID()[14:]), "name": "2025"}
	for k, v := range extra {
		body[k] = v
	}
	return e.do("POST", "/v1/programs/"+prog+"/instances", body).expect(201).obj()["id"].(string)
}

// manualInstance is an instance that does not evaluate at creation, so
// enrollments stay candidates.
func (e *env) manualInstance() string {
	e.t.Helper()
	return e.createInstance(map[string]any{"autoEvaluate": false})
}

var seq = make(chan int, 1)

func init() { seq <- 0 }

// uniq returns a process-unique suffix for emails and names.
func uniq() string {
	n := <-seq
	seq <- n + 1
	return fmt.Sprintf("%d%s", n, strings.ToLower(enroll.NewID()[18:]))
}

// customerInfo is a minimal customerInfo create body.
func customerInfo(extra map[string]any) map[string]any {
	u := uniq()
	body := map[string]any{"identificationType": "customerInfo", "firstName": "Suzie", "lastName": "Homeowner" + u,
		"email": "suzie" + u + "@example.com"}
	for k, v := range extra {
		body[k] = v
	}
	return body
}

// enrollIn creates an enrollment and returns its representation.
func (e *env) enrollIn(instanceID string, body map[string]any) map[string]any {
	e.t.Helper()
	return e.do("POST", "/v1/programInstances/"+instanceID+"/enrollments", body).expect(201).obj()
}

// patchStatus moves an enrollment and expects 200.
func (e *env) patchStatus(id, status string, opts ...reqOpt) map[string]any {
	e.t.Helper()
	return e.do("PATCH", "/v1/enrollments/"+id, map[string]any{"eligibilityStatus": status}, opts...).expect(200).obj()
}

// scopedKey creates a scoped key and returns its secret.
func (e *env) scopedKey(scopes []string, instances []string) string {
	e.t.Helper()
	body := map[string]any{"name": "scoped", "scopes": scopes}
	if instances != nil {
		body["programInstanceIds"] = instances
	}
	return e.do("POST", "/v1/apiKeys", body).expect(201).obj()["secret"].(string)
}

// status returns an enrollment representation's eligibility status.
func status(m map[string]any) string {
	return m["eligibility"].(map[string]any)["status"].(string)
}

// ids returns the ids of a page's data.
func ids(page map[string]any) []string {
	var out []string
	for _, d := range page["data"].([]any) {
		out = append(out, d.(map[string]any)["id"].(string))
	}
	return out
}

// hasNull reports whether m has member name with the value null.
func hasNull(m map[string]any, name string) bool {
	v, ok := m[name]
	return ok && v == nil
}

// dropNulls removes the null members of m and of the objects within it, as
// a client that leaves nulls out of what it sends would.
func dropNulls(m map[string]any) {
	for k, v := range m {
		switch v := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			dropNulls(v)
		}
	}
}
