package http_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	enrollhttp "github.com/enrollhq/enroll/http"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
)

// benchServer is the whole service over a SQLite store on a new file,
// called through its handler: every middleware, Huma, the store, no network.
type benchServer struct {
	h      http.Handler
	secret string
	inst   string
	ids    []string
}

func newBenchServer(b *testing.B, enrollments int) *benchServer {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(b.TempDir(), "enroll.db"), Engine: rules.New()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	srv := enrollhttp.NewServer(enrollhttp.Config{Addr: "127.0.0.1:0", Store: db, Version: "bench",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	b.Cleanup(func() { srv.Close() })
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "bench"}
	key, secret := enroll.NewAPIKey(ws.ID, "bench", nil, nil, time.Now())
	if err := db.CreateWorkspace(ctx, ws, key); err != nil {
		b.Fatal(err)
	}
	a := enroll.Actor{WorkspaceID: ws.ID, KeyID: key.ID}
	p := &enroll.Program{Slug: "solar", Name: "Solar"}
	if err := db.CreateProgram(ctx, a, p); err != nil {
		b.Fatal(err)
	}
	inst := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "2026", Name: "Solar 2026", Status: enroll.InstanceActive,
		AutoEvaluate: true, EligibilityRules: []enroll.Rule{
			{Name: "in-territory", Expression: `inStates(["NY", "NJ"])`, Reason: "Outside the territory."},
			{Name: "has-equipment", Expression: `hasManufacturer(["tesla", "enphase"])`, Reason: "No eligible equipment."},
			{Name: "not-enrolled-elsewhere", Expression: `!enrolledInOtherProgram()`, Reason: "Already enrolled."},
		}}
	if err := db.CreateInstance(ctx, a, inst); err != nil {
		b.Fatal(err)
	}
	s := &benchServer{h: srv.Handler(), secret: secret, inst: inst.ID}
	for i := range enrollments {
		e, err := db.CreateEnrollment(ctx, a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
			FirstName: "Suzie", LastName: "Homeowner", Email: fmt.Sprintf("seed.%d@example.com", i),
			Address: &enroll.Address{State: "NY", PostalCode: "10001"}, ManufacturerSlugs: []string{"tesla"}})
		if err != nil {
			b.Fatal(err)
		}
		s.ids = append(s.ids, e.ID)
	}
	return s
}

// do serves one request and fails the benchmark on an unexpected status.
func (s *benchServer) do(b *testing.B, method, path string, body []byte, want int) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Authorization", "Bearer "+s.secret)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, req)
	if w.Code != want {
		b.Fatalf("%s %s: %d, want %d: %s", method, path, w.Code, want, w.Body.String())
	}
}

// BenchmarkHandler is one request through the whole handler, by route.
func BenchmarkHandler(b *testing.B) {
	s := newBenchServer(b, 200)
	b.Run("GetEnrollment", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			s.do(b, http.MethodGet, "/v1/enrollments/"+s.ids[i%len(s.ids)], nil, http.StatusOK)
			i++
		}
	})
	b.Run("ListEnrollments", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s.do(b, http.MethodGet, "/v1/programInstances/"+s.inst+"/enrollments?status=eligible&perPage=100", nil, http.StatusOK)
		}
	})
	// A PATCH answers the enrollment with its template, one look-up more
	// than the write; cpu-µs/op is the process's CPU, steadier than the
	// wall time on a shared machine.
	b.Run("UpdateEnrollment", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		cpu0 := cpuTime()
		for b.Loop() {
			s.do(b, http.MethodPatch, "/v1/enrollments/"+s.ids[i%len(s.ids)], fmt.Appendf(nil, `{"notes":"note %d"}`, i), http.StatusOK)
			i++
		}
		b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
	})
	b.Run("CreateEnrollment", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			body := fmt.Appendf(nil, `{"identificationType":"customerInfo","firstName":"Suzie","lastName":"Homeowner",`+
				`"email":"suzie.%d@example.com","address":{"state":"NY","postalCode":"10001"},"manufacturerSlugs":["tesla"]}`, i)
			s.do(b, http.MethodPost, "/v1/programInstances/"+s.inst+"/enrollments", body, http.StatusCreated)
			i++
		}
	})
}
