package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
)

// benchStore is a store on a new file with a workspace and an active
// instance that evaluates three rules at each create, as in bench/load.
type benchStore struct {
	db   *sqlite.DB
	a    enroll.Actor
	inst string
	n    int // participants created so far, for unique emails
}

func newBenchStore(b *testing.B, synchronous string) *benchStore {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(b.TempDir(), "enroll.db"), Engine: rules.New(), Synchronous: synchronous})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "bench"}
	key, _ := enroll.NewAPIKey(ws.ID, "bench", nil, nil, time.Now())
	if err := db.CreateWorkspace(ctx, ws, key); err != nil {
		b.Fatal(err)
	}
	s := &benchStore{db: db, a: enroll.Actor{WorkspaceID: ws.ID, KeyID: key.ID}}
	p := &enroll.Program{Slug: "solar", Name: "Solar"}
	if err := db.CreateProgram(ctx, s.a, p); err != nil {
		b.Fatal(err)
	}
	inst := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "2026", Name: "Solar 2026", Status: enroll.InstanceActive,
		AutoEvaluate: true, EligibilityRules: []enroll.Rule{
			{Name: "in-territory", Expression: `inStates(["NY", "NJ"]) && inPostalCodes(["100*", "07*"])`, Reason: "Outside the territory."},
			{Name: "has-equipment", Expression: `hasManufacturer(["tesla", "enphase"])`, Reason: "No eligible equipment."},
			{Name: "not-enrolled-elsewhere", Expression: `!enrolledInOtherProgram()`, Reason: "Already enrolled."},
		}}
	if err := db.CreateInstance(ctx, s.a, inst); err != nil {
		b.Fatal(err)
	}
	s.inst = inst.ID
	return s
}

// create enrolls the next participant: customerInfo with a new email.
func (s *benchStore) create(b *testing.B) *enroll.Enrollment {
	s.n++
	in := &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: "Suzie", LastName: "Homeowner", Email: fmt.Sprintf("suzie.%d@example.com", s.n), Phone: "+1234567890",
		Address:           &enroll.Address{StreetOne: "123 Main St", City: "New York", State: "NY", PostalCode: "10001", Country: "USA"},
		ManufacturerSlugs: []string{"tesla"}, ReferenceID: fmt.Sprint(s.n), Tags: []string{"bench"}}
	e, err := s.db.CreateEnrollment(context.Background(), s.a, s.inst, in)
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// BenchmarkCreateEnrollment is the store's insert: customer, enrollment,
// history, events and counters, then the rules and the resulting
// transition, in one transaction. FULL is what the service runs with (a
// sync per commit); NORMAL shows the CPU cost alone.
func BenchmarkCreateEnrollment(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		b.Run("synchronous="+sync, func(b *testing.B) {
			s := newBenchStore(b, sync)
			b.ReportAllocs()
			for b.Loop() {
				s.create(b)
			}
		})
	}
}

// BenchmarkUpdateEnrollment moves an enrollment from eligible to
// submitted, with its history entry, events and counters: the store's
// part of a PATCH.
func BenchmarkUpdateEnrollment(b *testing.B) {
	s := newBenchStore(b, "NORMAL")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		id := s.create(b).ID
		b.StartTimer()
		_, err := s.db.UpdateEnrollment(ctx, s.a, id, func(e *enroll.Enrollment) error {
			e.SetStatus(enroll.StatusSubmitted, "")
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFindEnrollment reads one enrollment by id.
func BenchmarkFindEnrollment(b *testing.B) {
	s := newBenchStore(b, "NORMAL")
	ids := make([]string, 500)
	for i := range ids {
		ids[i] = s.create(b).ID
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.db.FindEnrollment(ctx, s.a.WorkspaceID, ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkListEnrollments pages through an instance filtered by status,
// 100 per page: the first page, and the keyset pages after it (each
// continues from the previous page's token, starting over at the end).
func BenchmarkListEnrollments(b *testing.B) {
	const n = 2000
	s := newBenchStore(b, "NORMAL")
	for range n {
		s.create(b)
	}
	ctx := context.Background()
	filter := func(token string) enroll.EnrollmentFilter {
		return enroll.EnrollmentFilter{ProgramInstanceID: s.inst, Statuses: []enroll.Status{enroll.StatusEligible},
			ListParams: enroll.ListParams{PerPage: 100, PageToken: token}}
	}
	b.Run("first", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			pg, err := s.db.ListEnrollments(ctx, s.a.WorkspaceID, filter(""))
			if err != nil || len(pg.Data) != 100 || pg.TotalItems != n {
				b.Fatalf("%d rows of %d, %v", len(pg.Data), pg.TotalItems, err)
			}
		}
	})
	b.Run("keyset", func(b *testing.B) {
		b.ReportAllocs()
		token := ""
		for b.Loop() {
			pg, err := s.db.ListEnrollments(ctx, s.a.WorkspaceID, filter(token))
			if err != nil || len(pg.Data) == 0 {
				b.Fatalf("%d rows, %v", len(pg.Data), err)
			}
			token = string(pg.NextPageToken)
		}
	})
}
