package console

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	enrollhttp "github.com/enrollhq/enroll/http"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
)

// fixture is a real server (the API server with the console mounted) on a
// real SQLite store, with a workspace, its secret key, a program and two
// instances of it.
type fixture struct {
	t       *testing.T
	ctx     context.Context
	store   *sqlite.DB
	dbPath  string
	console *Console
	srv     *httptest.Server
	wsID    string
	keyID   string
	secret  string
	program *enroll.Program
	// inst evaluates "address in NY" and declares a required parameter, a
	// hidden one and a group; other has no rules.
	inst, other *enroll.ProgramInstance
	// skew shifts the store's clock from the system's (setSkew), to make
	// data that looks older than the test. A pointer: copies of the
	// fixture share the store, so they share its clock.
	skew *atomic.Int64
	// swept counts the console's wakes of the server's sweep of orphaned
	// deliveries (WithSweepOrphanedDeliveries); a pointer, as skew.
	swept *atomic.Int64
}

// setSkew makes the store's clock d off the system's, until set back to 0.
// The console keeps the system's, so its sessions are not affected.
func (f *fixture) setSkew(d time.Duration) { f.skew.Store(int64(d)) }

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// newFixture starts the server; tls serves it over HTTPS.
func newFixture(t *testing.T, tls ...bool) *fixture {
	t.Helper()
	return newFixtureOn(t, len(tls) > 0 && tls[0], nil)
}

// newFixtureOn starts the server, over HTTPS with tls, its store and
// console sealing webhook signing secrets with sealer (nil: none).
func newFixtureOn(t *testing.T, tls bool, sealer enroll.SecretSealer) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, ctx: ctx, skew: new(atomic.Int64), swept: new(atomic.Int64), dbPath: filepath.Join(t.TempDir(), "enroll.db")}
	clock := func() time.Time { return time.Now().UTC().Add(time.Duration(f.skew.Load())) }
	db, err := sqlite.Open(ctx, sqlite.Config{Path: f.dbPath, Engine: rules.New(), Clock: clock, Sealer: sealer})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	c := New(db).WithLogger(discard).WithSealer(sealer)
	api := enrollhttp.NewServer(enrollhttp.Config{Store: db, Logger: discard, Version: "test", Console: c})
	c.WithKeyAdmission(api.AdmitKey)
	c.WithSweepOrphanedDeliveries(func() { f.swept.Add(1) })
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(api.Handler())
	} else {
		srv = httptest.NewServer(api.Handler())
	}
	t.Cleanup(srv.Close)
	f.store, f.console, f.srv = db, c, srv

	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "acme"}
	key, secret := enroll.NewAPIKey(ws.ID, "admin key", nil, nil, time.Now())
	if err := db.CreateWorkspace(ctx, ws, key); err != nil {
		t.Fatalf("create workspace: %v", err)
	}
	f.wsID, f.keyID, f.secret = ws.ID, key.ID, secret

	f.program = &enroll.Program{Slug: "solar-rebate", Name: "Solar Rebate", Description: "Rebates for rooftop solar.", States: []string{"NY"}, Active: true}
	if err := db.CreateProgram(ctx, f.actor(), f.program); err != nil {
		t.Fatalf("create program: %v", err)
	}
	capacity := 100
	f.inst = f.newInstance(&enroll.ProgramInstance{Slug: "y2026", Name: "Solar Rebate 2026", Capacity: &capacity,
		EligibilityRules: []enroll.Rule{{Name: "in-ny", Expression: `has(enrollment.address) && enrollment.address.state == "NY"`, Reason: "Outside service area"}},
		Parameters: []enroll.Parameter{
			{ExternalID: "roof_age", Name: "Roof age (years)", Type: enroll.ParamNumber, Constraints: enroll.ParameterConstraints{Required: true}},
			{ExternalID: "inspector_code", Name: "Inspector code", Type: enroll.ParamString, Constraints: enroll.ParameterConstraints{Hidden: true}},
		},
		Groups: []enroll.Group{{ID: "north", Name: "Northern territory"}}})
	f.other = f.newInstance(&enroll.ProgramInstance{Slug: "y2025", Name: "Solar Rebate 2025"})
	return f
}

// newInstance stores an active, auto-evaluating instance of the program.
func (f *fixture) newInstance(in *enroll.ProgramInstance) *enroll.ProgramInstance {
	f.t.Helper()
	in.ProgramID, in.Status, in.AutoEvaluate = f.program.ID, enroll.InstanceActive, true
	if err := f.store.CreateInstance(f.ctx, f.actor(), in); err != nil {
		f.t.Fatalf("create instance: %v", err)
	}
	return in
}

// actor is the workspace's secret key, as the API would record it.
func (f *fixture) actor() enroll.Actor {
	return enroll.Actor{WorkspaceID: f.wsID, KeyID: f.keyID, RequestID: "req_fixture"}
}

// enroll creates an enrollment of a customer in NY (so eligible), asking
// for submitted when submit is set; change adjusts the request.
func (f *fixture) enroll(in *enroll.ProgramInstance, first, last string, submit bool, change ...func(*enroll.EnrollmentCreate)) *enroll.Enrollment {
	f.t.Helper()
	req := &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: first, LastName: last, Email: strings.ToLower(first+"."+last) + "@example.com",
		Address:     &enroll.Address{StreetOne: "1 Main St", City: "Albany", State: "NY", PostalCode: "12207", Country: "USA"},
		ReferenceID: "ref-" + strings.ToLower(last), Parameters: []enroll.ParameterValue{{ExternalID: "roof_age", Value: 7.0}, {ExternalID: "inspector_code", Value: "INSPECT-7"}},
	}
	if in != f.inst {
		req.Parameters = nil
	}
	if submit {
		req.EligibilityStatus = enroll.StatusSubmitted
	}
	for _, c := range change {
		c(req)
	}
	e, err := f.store.CreateEnrollment(f.ctx, f.actor(), in.ID, req)
	if err != nil {
		f.t.Fatalf("create enrollment: %v", err)
	}
	return e
}

// move changes an enrollment's status as another API client would.
func (f *fixture) move(e *enroll.Enrollment, to enroll.Status, reason string) *enroll.Enrollment {
	f.t.Helper()
	out, err := f.store.UpdateEnrollment(f.ctx, enroll.Actor{WorkspaceID: f.wsID, KeyID: f.keyID}, e.ID, func(e *enroll.Enrollment) error {
		e.SetStatus(to, reason)
		return nil
	})
	if err != nil {
		f.t.Fatalf("move %s to %s: %v", e.ID, to, err)
	}
	return out
}

// find reads an enrollment back.
func (f *fixture) find(id string) *enroll.Enrollment {
	f.t.Helper()
	e, err := f.store.FindEnrollment(f.ctx, f.wsID, id)
	if err != nil {
		f.t.Fatalf("find %s: %v", id, err)
	}
	return e
}

// eventCount counts the events about an object.
func (f *fixture) eventCount(objectID string) int {
	f.t.Helper()
	pg, err := f.store.ListEvents(f.ctx, f.wsID, enroll.EventFilter{ObjectID: objectID})
	if err != nil {
		f.t.Fatalf("list events of %s: %v", objectID, err)
	}
	return pg.TotalItems
}

// newKey stores a scoped key and returns its secret.
func (f *fixture) newKey(name string, scopes []enroll.Scope, instances ...string) (string, *enroll.APIKey) {
	f.t.Helper()
	k, secret := enroll.NewAPIKey(f.wsID, name, scopes, instances, time.Now())
	if err := f.store.CreateAPIKey(f.ctx, f.actor(), k); err != nil {
		f.t.Fatalf("create key: %v", err)
	}
	return secret, k
}

// client is a browser: it keeps cookies and, unless told not to, follows
// redirects.
type client struct {
	t  *testing.T
	f  *fixture
	hc *http.Client
}

func (f *fixture) client() *client {
	jar, _ := cookiejar.New(nil)
	// A copy: srv.Client() is one shared value, whose jar is every client's.
	hc := *f.srv.Client()
	hc.Jar = jar
	return &client{t: f.t, f: f, hc: &hc}
}

// noFollow makes the client return redirects instead of following them.
func (c *client) noFollow() *client {
	c.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// response is a finished exchange.
type response struct {
	t      *testing.T
	what   string
	Status int
	Header http.Header
	Body   string
	URL    *url.URL
}

func (c *client) do(req *http.Request) *response {
	c.t.Helper()
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &response{t: c.t, what: req.Method + " " + req.URL.Path, Status: res.StatusCode, Header: res.Header, Body: string(b), URL: res.Request.URL}
}

func (c *client) get(path string) *response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.f.srv.URL+path, nil)
	return c.do(req)
}

func (c *client) post(path string, form url.Values, header ...string) *response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

// signIn signs in with secret through the form and returns the response
// to the form's POST.
func (c *client) signIn(secret string) *response {
	c.t.Helper()
	page := c.get(Prefix + "/signin")
	page.status(http.StatusOK)
	return c.post(Prefix+"/signin", url.Values{"csrf": {page.field("csrf")}, "secret": {secret}, "next": {Prefix + "/"}})
}

// signedIn returns a client signed in with secret.
func (f *fixture) signedIn(secret string) *client {
	f.t.Helper()
	c := f.client()
	res := c.signIn(secret)
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "Sign out") {
		f.t.Fatalf("sign in: %d\n%s", res.Status, res.Body)
	}
	return c
}

func (r *response) status(want int) *response {
	r.t.Helper()
	if r.Status != want {
		r.t.Fatalf("%s: status %d, want %d\n%s", r.what, r.Status, want, r.Body)
	}
	return r
}

func (r *response) contains(subs ...string) *response {
	r.t.Helper()
	for _, s := range subs {
		if !strings.Contains(r.Body, s) {
			r.t.Errorf("%s: body lacks %q\n%s", r.what, s, r.Body)
		}
	}
	return r
}

func (r *response) lacks(subs ...string) *response {
	r.t.Helper()
	for _, s := range subs {
		if strings.Contains(r.Body, s) {
			r.t.Errorf("%s: body has %q", r.what, s)
		}
	}
	return r
}

// field returns the value of the first hidden input named name.
func (r *response) field(name string) string {
	r.t.Helper()
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" value="([^"]*)"`).FindStringSubmatch(r.Body)
	if m == nil {
		r.t.Fatalf("%s: no field %q\n%s", r.what, name, r.Body)
	}
	return html.UnescapeString(m[1])
}

// decision returns the form values of a status change to to, as the page
// rendered them.
func (r *response) decision(to enroll.Status, reason string) url.Values {
	r.t.Helper()
	return url.Values{"csrf": {r.field("csrf")}, "etag": {r.field("etag")}, "from": {r.field("from")},
		"to": {string(to)}, "reason": {reason}}
}
