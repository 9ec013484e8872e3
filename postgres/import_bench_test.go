package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/postgres/pgtest"
	"github.com/enrollhq/enroll/rules"
	"github.com/jackc/pgx/v5"
)

// benchStore opens a store on a new database with one workspace, for a
// benchmark; it returns the store, an actor of the workspace, and the
// database's URL.
func benchStore(b *testing.B) (*postgres.DB, enroll.Actor, string) {
	b.Helper()
	url := pgtest.NewDatabase(b)
	db, err := postgres.Open(context.Background(), postgres.Config{URL: url, Engine: rules.New()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "bench"}
	key, _ := enroll.NewAPIKey(ws.ID, "bench", nil, nil, time.Now())
	if err := db.CreateWorkspace(context.Background(), ws, key); err != nil {
		b.Fatal(err)
	}
	return db, enroll.Actor{WorkspaceID: ws.ID, KeyID: key.ID}, url
}

// BenchmarkImport imports files of 2,000 new participants into an instance
// with five rules and autoEvaluate, through RunImport with the default
// batch: the PostgreSQL side of the SQLite store's BenchmarkImport. Besides
// rows per second it reports the CPU time per row of the process and of
// the database's backends (cpuMeter). ENROLL_BENCH_NAMES=words names every
// second participant Mary Ann van der Homeowner<n>, whose names have
// later words (migration 22's index), the others Suzie Homeowner<n>.
func BenchmarkImport(b *testing.B) {
	ctx := context.Background()
	db, a, url := benchStore(b)
	p := &enroll.Program{Slug: "solar", Name: "Solar"}
	if err := db.CreateProgram(ctx, a, p); err != nil {
		b.Fatal(err)
	}
	inst := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "2026", Name: "Solar 2026", Status: enroll.InstanceActive, AutoEvaluate: true,
		EligibilityRules: []enroll.Rule{
			{Name: "state", Expression: `inStates(["NY", "NJ", "CT"])`, Reason: "Outside the service territory."},
			{Name: "postal-code", Expression: `inPostalCodes(["100*", "112*", "07*", "06*"])`, Reason: "Outside the service area."},
			{Name: "equipment", Expression: `hasManufacturer(["tesla", "enphase", "lg"])`, Reason: "No eligible battery or inverter."},
			{Name: "size", Expression: `enrollment.params.size in ["medium", "large"] && enrollment.params.kw >= 3.0`, Reason: "System too small."},
			{Name: "exclusive", Expression: `!enrolledInOtherProgram()`, Reason: "Already enrolled in another program."},
		},
		Parameters: []enroll.Parameter{
			{ExternalID: "size", Name: "Home size", Type: enroll.ParamString},
			{ExternalID: "kw", Name: "System size", Type: enroll.ParamNumber},
			{ExternalID: "account", Name: "Utility account", Type: enroll.ParamString, Constraints: enroll.ParameterConstraints{Unique: true}},
		}}
	if err := db.CreateInstance(ctx, a, inst); err != nil {
		b.Fatal(err)
	}
	const rows = 2000
	words := os.Getenv("ENROLL_BENCH_NAMES") == "words"
	n := 0
	importFile := func() {
		var file strings.Builder
		file.WriteString("firstName,lastName,email,address.state,address.postalCode,manufacturerSlugs,referenceId,parameters.size,parameters.kw,parameters.account\n")
		for i := n; i < n+rows; i++ {
			name := "Suzie,Homeowner"
			if words && i%2 == 1 {
				name = "Mary Ann,van der Homeowner"
			}
			fmt.Fprintf(&file, "%s%d,suzie.%d@example.com,NY,10001,tesla|lg,REF-%d,large,7.5,ACC-%d\n", name, i, i, i, i)
		}
		dec, err := enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(file.String()))
		if err != nil {
			b.Fatal(err)
		}
		im := &enroll.Import{ProgramInstanceID: inst.ID, Format: enroll.FormatCSV}
		if err := db.CreateImport(ctx, a, im); err != nil {
			b.Fatal(err)
		}
		if im, err = enroll.RunImport(ctx, db, a, im, dec, 0); err != nil || im.CreatedCount != rows {
			b.Fatalf("import = %+v, %v", im, err)
		}
		n += rows
	}
	// One file first, then ANALYZE, as autovacuum would have by then (the
	// test server may run without it). ENROLL_BENCH_ANALYZE=0 leaves the
	// database never analyzed, as it is after a bulk load into new tables
	// until autovacuum comes (docs/benchmarks.md, session 16).
	importFile()
	if os.Getenv("ENROLL_BENCH_ANALYZE") != "0" {
		execBench(b, url, `ANALYZE`)
	}
	n0 := n
	cpu := newCPUMeter(b, url)
	for b.Loop() {
		importFile()
	}
	n -= n0
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
	cpu.report(n)
}

// execBench runs stmt on the database at url, outside the store.
func execBench(b *testing.B, url, stmt string) {
	b.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), stmt); err != nil {
		b.Fatal(err)
	}
}
