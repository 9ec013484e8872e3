package client_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
	enrollhttp "github.com/enrollhq/enroll/http"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
)

// testServer is a real server on a new SQLite database, with the secret
// key of a new workspace.
type testServer struct {
	t      *testing.T
	db     *sqlite.DB
	srv    *enrollhttp.Server
	secret string
	cfg    enrollhttp.Config
}

// newServer starts a real server on a new SQLite database; cfg sets what
// the test needs beyond the store.
func newServer(t *testing.T, cfg enrollhttp.Config) *testServer {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(t.TempDir(), "enroll.db"), Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "client", CreatedAt: time.Now()}
	key, secret := enroll.NewAPIKey(ws.ID, "client", nil, nil, time.Now())
	if err := db.CreateWorkspace(ctx, ws, key); err != nil {
		t.Fatal(err)
	}
	s := &testServer{t: t, db: db, secret: secret, cfg: cfg}
	s.cfg.Addr, s.cfg.Store, s.cfg.Logger = "127.0.0.1:0", db, slog.New(slog.NewTextHandler(io.Discard, nil))
	s.start()
	return s
}

// start opens the server on s.cfg.Addr, and makes that the address it
// opens on again after a stop.
func (s *testServer) start() {
	s.t.Helper()
	s.srv = enrollhttp.NewServer(s.cfg)
	if err := s.srv.Open(); err != nil {
		s.t.Fatal(err)
	}
	srv := s.srv
	s.t.Cleanup(func() { _ = srv.Close() })
	s.cfg.Addr = strings.TrimPrefix(s.srv.URL(), "http://")
}

// client returns a client of the server with the workspace's secret key.
func (s *testServer) client() *client.Client {
	return client.New(s.srv.URL()+"/", s.secret)
}

// newClient starts a real server on a new SQLite database and returns a
// client with a secret key of a new workspace.
func newClient(t *testing.T) *client.Client {
	t.Helper()
	return newServer(t, enrollhttp.Config{}).client()
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestClient(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ctx := context.Background()

	p := must[*enroll.Program](t)(c.CreateProgram(ctx, &client.ProgramCreate{Slug: "solar", Name: "Solar"}))
	if got := must[*enroll.Program](t)(c.GetProgram(ctx, "solar")); got.ID != p.ID {
		t.Fatalf("GetProgram = %+v", got)
	}
	if got := must[*enroll.Program](t)(c.UpdateProgram(ctx, p.ID, map[string]any{"name": "Solar Rebate"}, "")); got.Name != "Solar Rebate" {
		t.Fatalf("UpdateProgram = %+v", got)
	}
	if pg := must[*enroll.Page[*enroll.Program]](t)(c.ListPrograms(ctx, client.ProgramQuery{ListOptions: client.ListOptions{PerPage: 10}})); pg.TotalItems != 1 {
		t.Fatalf("ListPrograms = %+v", pg)
	}
	inst := must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, "solar", &client.InstanceCreate{Slug: "2026", Name: "2026",
		EligibilityRules: []enroll.Rule{{Name: "ny", Expression: `has(enrollment.address) && enrollment.address.state == "NY"`, Reason: "Outside NY"}}}))
	if got := must[*enroll.ProgramInstance](t)(c.UpdateInstance(ctx, inst.ID, map[string]any{"name": "Season 2026"}, "")); got.Name != "Season 2026" {
		t.Fatalf("UpdateInstance = %+v", got)
	}
	if pg := must[*enroll.Page[*enroll.ProgramInstance]](t)(c.ListInstances(ctx, client.InstanceQuery{})); len(pg.Data) != 1 {
		t.Fatalf("ListInstances = %+v", pg)
	}

	in := &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo, FirstName: "Suzie", LastName: "Homeowner",
		Email: "suzie@example.com", Address: &enroll.Address{State: "NY"}, Tags: []string{"a"}}
	e := must[*client.EnrollmentDetail](t)(c.CreateEnrollment(ctx, inst.ID, in))
	if e.Eligibility.Status != enroll.StatusEligible {
		t.Fatalf("created %+v", e.Eligibility)
	}
	// Errors are typed problems, with their extension members.
	_, err := c.CreateEnrollment(ctx, inst.ID, in)
	var prob *client.Problem
	if !errors.As(err, &prob) || prob.Status != http.StatusConflict || prob.Extra["existingId"] != e.ID || prob.RequestID == "" {
		t.Fatalf("duplicate: %#v", err)
	}
	_, err = c.CreateEnrollment(ctx, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo, Email: "x"})
	if !errors.As(err, &prob) || prob.Status != 422 || len(prob.Errors) == 0 || !strings.Contains(err.Error(), "422") {
		t.Fatalf("invalid: %#v", err)
	}
	if _, err := c.GetEnrollment(ctx, enroll.NewID()); !client.IsStatus(err, 404) {
		t.Fatalf("missing: %v", err)
	}

	got, etag, err := c.GetEnrollmentETag(ctx, e.ID)
	if err != nil || got.ID != e.ID || etag == "" {
		t.Fatalf("GetEnrollmentETag = %v %q %v", got, etag, err)
	}
	e = must[*client.EnrollmentDetail](t)(c.Transition(ctx, e.ID, enroll.StatusSubmitted, "applied", ""))
	if _, err := c.UpdateEnrollment(ctx, e.ID, map[string]any{"notes": "late"}, etag); !client.IsStatus(err, http.StatusPreconditionFailed) {
		t.Fatalf("stale If-Match: %v", err)
	}
	if _, err := c.Transition(ctx, e.ID, enroll.StatusPaused, "", ""); !errors.As(err, &prob) || prob.Extra["currentStatus"] != "submitted" {
		t.Fatalf("refused transition: %v", err)
	}
	if h := must[[]*enroll.StatusChange](t)(c.EnrollmentHistory(ctx, e.ID)); len(h) != 3 || h[2].To != enroll.StatusSubmitted {
		t.Fatalf("history = %+v", h)
	}
	pg := must[*enroll.Page[*enroll.Enrollment]](t)(c.ListEnrollments(ctx, "", client.EnrollmentQuery{Statuses: []enroll.Status{enroll.StatusSubmitted}, Tag: "a"}))
	if pg.TotalItems != 1 || pg.Data[0].ID != e.ID {
		t.Fatalf("ListEnrollments = %+v", pg)
	}
	other := must[*client.EnrollmentDetail](t)(c.CreateEnrollment(ctx, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: "Cal", LastName: "Ifornia", Email: "cal@example.com", Address: &enroll.Address{State: "CA"}}))
	if _, err := c.UpdateInstance(ctx, inst.ID, map[string]any{"eligibilityRules": []any{}}, ""); err != nil {
		t.Fatal(err)
	}
	if ev := must[*client.EnrollmentDetail](t)(c.EvaluateEnrollment(ctx, other.ID, "")); ev.Eligibility.Status != enroll.StatusEligible {
		t.Fatalf("evaluated = %+v", ev.Eligibility)
	}
	if err := c.DeleteEnrollment(ctx, other.ID, ""); err != nil {
		t.Fatal(err)
	}

	// An Idempotency-Key makes a retry return the first answer.
	keyed := client.WithIdempotencyKey(ctx, "once")
	body := &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo, FirstName: "Id", LastName: "Em", Email: "idem@example.com"}
	first := must[*client.EnrollmentDetail](t)(c.CreateEnrollment(keyed, inst.ID, body))
	if again := must[*client.EnrollmentDetail](t)(c.CreateEnrollment(keyed, inst.ID, body)); again.ID != first.ID {
		t.Fatalf("retry created %s, first %s", again.ID, first.ID)
	}

	// Import with upload progress, wait, errors; export.
	file := "firstName,lastName,email,shoeSize\nA,One,a1@example.com,42\nB,,b2@example.com,\nSuzie,Again,suzie@example.com,\n"
	var sent int64
	im := must[*enroll.Import](t)(c.StartImport(ctx, inst.ID, client.ImportRequest{Format: enroll.FormatCSV, Body: strings.NewReader(file),
		Size: int64(len(file)), Progress: func(n int64) { sent = n }}))
	if sent != int64(len(file)) || im.TotalRows != 3 {
		t.Fatalf("upload: sent %d of %d, job %+v", sent, len(file), im)
	}
	var seen int
	im = must[*enroll.Import](t)(c.WaitImport(ctx, im.ID, 10*time.Millisecond, func(*enroll.Import) { seen++ }))
	if im.Status != enroll.ImportSucceeded || im.CreatedCount != 1 || im.SkippedCount != 1 || im.FailedRows != 1 || seen == 0 {
		t.Fatalf("import = %+v", im)
	}
	errs := must[*enroll.Page[enroll.ImportError]](t)(c.ListImportErrors(ctx, im.ID, client.ListOptions{PerPage: 1}))
	if errs.TotalItems != 2 || len(errs.Data) != 1 || errs.Data[0].Field != "shoeSize" || errs.NextPageToken == "" {
		t.Fatalf("errors = %+v", errs)
	}
	var buf bytes.Buffer
	if _, err := c.WriteImportErrorsCSV(ctx, im.ID, &buf); err != nil || !strings.HasPrefix(buf.String(), "row,field,message\n1,shoeSize,") {
		t.Fatalf("errors CSV: %v\n%s", err, buf.String())
	}
	if _, err := c.StartImport(ctx, inst.ID, client.ImportRequest{Format: "xlsx"}); err == nil {
		t.Fatal("unknown format accepted")
	}
	buf.Reset()
	if _, err := c.ExportEnrollments(ctx, inst.ID, client.EnrollmentQuery{Statuses: []enroll.Status{enroll.StatusEligible}, ListOptions: client.ListOptions{PerPage: 1}}, &buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "id" {
		t.Fatalf("export = %v, %v", rows, err)
	}
	if _, err := c.ExportEnrollments(ctx, enroll.NewID(), client.EnrollmentQuery{}, io.Discard); !client.IsStatus(err, 404) {
		t.Fatalf("export of a missing instance: %v", err)
	}

	if err := c.DeleteInstance(ctx, inst.ID, ""); !client.IsStatus(err, 409) {
		t.Fatalf("DeleteInstance with enrollments: %v", err)
	}
	empty := must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, p.ID, &client.InstanceCreate{Slug: "empty", Name: "Empty"}))
	if err := c.DeleteInstance(ctx, empty.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteProgram(ctx, p.ID, ""); !client.IsStatus(err, 409) {
		t.Fatalf("DeleteProgram with instances: %v", err)
	}
	if err := client.New("http://127.0.0.1:1", "sk_x").DeleteProgram(ctx, "x", ""); err == nil || client.IsStatus(err, 0) {
		t.Fatalf("unreachable server: %v", err)
	}
}
