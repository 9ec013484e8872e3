package sqlite

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// importRules are five rules of the shapes rules take: territory by state
// and by postal code, equipment, parameters, and exclusivity (a query per
// evaluation).
var importRules = []enroll.Rule{
	{Name: "state", Expression: `inStates(["NY", "NJ", "CT"])`, Reason: "Outside the service territory."},
	{Name: "postal-code", Expression: `inPostalCodes(["100*", "112*", "07*", "06*"])`, Reason: "Outside the service area."},
	{Name: "equipment", Expression: `hasManufacturer(["tesla", "enphase", "lg"])`, Reason: "No eligible battery or inverter."},
	{Name: "size", Expression: `enrollment.params.size in ["medium", "large"] && enrollment.params.kw >= 3.0`, Reason: "System too small."},
	{Name: "exclusive", Expression: `!enrolledInOtherProgram()`, Reason: "Already enrolled in another program."},
}

// importBench is a store with an auto-evaluating instance that has the
// five rules and the parameters the file fills.
type importBench struct{ *instanceFixture }

func newImportBench(tb testing.TB, synchronous string) *importBench {
	tb.Helper()
	return &importBench{newInstanceFixture(tb, "bench", synchronous, &enroll.ProgramInstance{Slug: "2026", Name: "Solar 2026",
		Status: enroll.InstanceActive, AutoEvaluate: true, EligibilityRules: importRules, Parameters: []enroll.Parameter{
			{ExternalID: "size", Name: "Home size", Type: enroll.ParamString},
			{ExternalID: "kw", Name: "System size", Type: enroll.ParamNumber},
			{ExternalID: "account", Name: "Utility account", Type: enroll.ParamString, Constraints: enroll.ParameterConstraints{Unique: true}},
		}})}
}

// importCSV returns a CSV file of n new participants numbered from first:
// one in five outside the territory (ineligible), the rest eligible. With
// ENROLL_BENCH_NAMES=words every second one is Mary Ann van der
// Homeowner<n>, whose names have three later words
// (enrollment_name_words), the others Suzie Homeowner<n>.
func importCSV(first, n int) string { return importCSVNames(first, n, benchNames == "words") }

// importCSVNames is importCSV with every second participant named Mary
// Ann van der Homeowner<n> when words is set.
func importCSVNames(first, n int, words bool) string {
	var b strings.Builder
	b.WriteString("identificationType,firstName,lastName,email,phone,address.streetOne,address.city,address.state,address.postalCode,address.country," +
		"manufacturerSlugs,referenceId,tags,parameters.size,parameters.kw,parameters.account\n")
	for i := first; i < first+n; i++ {
		state, zip := "NY", "10001"
		if i%5 == 4 {
			state, zip = "CA", "94105"
		}
		firstName, lastName := "Suzie", "Homeowner"
		if words && i%2 == 1 {
			firstName, lastName = "Mary Ann", "van der Homeowner"
		}
		fmt.Fprintf(&b, "customerInfo,%s,%s%d,suzie.%d@example.com,+1234567890,%d Main St,New York,%s,%s,USA,tesla|lg,REF-%d,bench|import,large,7.5,ACC-%d\n",
			firstName, lastName, i, i, i, state, zip, i, i)
	}
	return b.String()
}

// run imports file through RunImport, as the server does, and returns the
// finished job.
func (s *importBench) run(tb testing.TB, file string, dryRun bool, batch int) *enroll.Import {
	tb.Helper()
	done, err := s.runErr(tb, file, dryRun, batch)
	if err != nil {
		tb.Fatal(err)
	}
	return done
}

// runErr is run for imports that may fail: it returns the finished job
// and the error that failed it.
func (s *importBench) runErr(tb testing.TB, file string, dryRun bool, batch int) (*enroll.Import, error) {
	tb.Helper()
	ctx := context.Background()
	dec, err := enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(file))
	if err != nil {
		tb.Fatal(err)
	}
	im := &enroll.Import{ProgramInstanceID: s.inst.ID, Format: enroll.FormatCSV, DryRun: dryRun, Errors: dec.HeaderErrors()}
	if err := s.db.CreateImport(ctx, s.a, im); err != nil {
		tb.Fatal(err)
	}
	return enroll.RunImport(ctx, s.db, s.a, im, dec, batch)
}

// benchNames is ENROLL_BENCH_NAMES, the names importCSV writes.
var benchNames = os.Getenv("ENROLL_BENCH_NAMES")

// benchSync is the synchronous pragma of the benchmarks' stores.
var benchSync = cmp.Or(os.Getenv("ENROLL_BENCH_SYNC"), "FULL")

// benchBatch is the benchmarks' batch size.
var benchBatch = func() int {
	n, _ := strconv.Atoi(os.Getenv("ENROLL_BENCH_BATCH"))
	return cmp.Or(n, enroll.DefaultImportBatch)
}()

// importBenchRows is the size of the file one benchmark iteration imports.
const importBenchRows = 5000

// BenchmarkImport imports files of new participants into an instance with
// five rules and autoEvaluate, through RunImport with the default batch,
// with synchronous=FULL as the service runs ("import"), and the same file
// again, every row skipped ("rerun"). "baseline" writes the same rows'
// customers and enrollments (decoded, validated, encoded) with bare
// multi-row INSERTs in transactions of the same size, and nothing else: a
// floor for the same machine in the same run. "baseline-all" writes, the
// same way, everything an imported row stores: its customer, its
// enrollment, two history entries and three events of the same sizes,
// with no look-ups, rules or counters: the cost of the import's data
// alone. ENROLL_BENCH_SYNC and ENROLL_BENCH_BATCH change the synchronous
// pragma and the batch size, ENROLL_BENCH_NAMES=words the names
// (importCSV).
func BenchmarkImport(b *testing.B) {
	b.Run("import", func(b *testing.B) {
		s := newImportBench(b, benchSync)
		b.ReportAllocs()
		n := 0
		cpu := cpuTime()
		for b.Loop() {
			im := s.run(b, importCSV(n, importBenchRows), false, benchBatch)
			if im.CreatedCount != importBenchRows {
				b.Fatalf("import = %+v", im)
			}
			n += importBenchRows
		}
		reportRows(b, n, cpu)
	})
	b.Run("rerun", func(b *testing.B) {
		// Every row is already in: the cost of skipping.
		s := newImportBench(b, benchSync)
		file := importCSV(0, importBenchRows)
		s.run(b, file, false, benchBatch)
		b.ReportAllocs()
		n := 0
		cpu := cpuTime()
		for b.Loop() {
			if im := s.run(b, file, false, benchBatch); im.SkippedCount != importBenchRows {
				b.Fatalf("re-run = %+v", im)
			}
			n += importBenchRows
		}
		reportRows(b, n, cpu)
	})
	b.Run("baseline", func(b *testing.B) {
		s := newImportBench(b, benchSync)
		b.ReportAllocs()
		n := 0
		cpu := cpuTime()
		for b.Loop() {
			s.bareInsert(b, importCSV(n, importBenchRows), false)
			n += importBenchRows
		}
		reportRows(b, n, cpu)
	})
	b.Run("baseline-all", func(b *testing.B) {
		s := newImportBench(b, benchSync)
		b.ReportAllocs()
		n := 0
		cpu := cpuTime()
		for b.Loop() {
			s.bareInsert(b, importCSV(n, importBenchRows), true)
			n += importBenchRows
		}
		reportRows(b, n, cpu)
	})
}

// bareInsert writes file's customers and enrollments with multi-row
// INSERTs, enroll.DefaultImportBatch rows per transaction; with all, also
// each row's history entries and events (bareHistory).
func (s *importBench) bareInsert(tb testing.TB, file string, all bool) {
	tb.Helper()
	ctx := context.Background()
	dec, err := enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(file))
	if err != nil {
		tb.Fatal(err)
	}
	for done := false; !done; {
		var rows []*enroll.ImportRow
		for len(rows) < benchBatch {
			r, err := dec.Next()
			if err == io.EOF {
				done = true
				break
			} else if err != nil {
				tb.Fatal(err)
			}
			s.inst.CoerceParameters(r.Create.Parameters)
			rows = append(rows, r)
		}
		err := s.db.write(ctx, func(tx *Tx) error {
			var cargs, eargs, hargs, vargs []any
			for _, r := range rows {
				in := r.Create
				if err := in.Validate(); err != nil {
					return err
				}
				p := enroll.Participant{}.Overlay(in)
				c := p.NewCustomer(s.a.WorkspaceID, tx.now)
				p.CustomerID = c.ID
				e, err := enroll.NewEnrollment(s.a.WorkspaceID, in, s.inst, p, tx.now)
				if err != nil {
					return err
				}
				cdoc, _ := encode(c)
				edoc, _ := encode(e)
				cargs = append(cargs, c.ID, c.WorkspaceID, enroll.NormalizeEmail(c.Email), c.ReferenceID, cdoc, micros(c.CreatedAt), micros(c.UpdatedAt))
				eargs = append(eargs, e.ID, e.WorkspaceID, e.ProgramInstanceID, e.CustomerID, string(e.Eligibility.Status),
					enroll.NormalizeEmail(e.Email), e.ReferenceID, strings.ToLower(e.FirstName), strings.ToLower(e.LastName),
					edoc, e.Version, micros(e.CreatedAt), micros(e.UpdatedAt), nil, enrollmentLabels(e))
				if all {
					h, v, err := s.bareHistory(e, tx.now)
					if err != nil {
						return err
					}
					hargs, vargs = append(hargs, h...), append(vargs, v...)
				}
			}
			if err := multiRowInsert(tx, cargs, eargs); err != nil {
				return err
			}
			if err := bareRows(tx, insertHistory, 5, hargs); err != nil {
				return err
			}
			return bareRows(tx, insertEvent, 7, vargs)
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// reportRows reports the rows per second and the process's CPU time per
// row since cpu: on a shared machine the second varies less.
func reportRows(b *testing.B, rows int, cpu time.Duration) {
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(rows), "cpu-µs/row")
}

// multiRowInsert writes the customers, then the enrollments, with
// INSERTs of 100 rows.
func multiRowInsert(tx *Tx, cargs, eargs []any) error {
	if err := bareRows(tx, insertCustomer, 7, cargs); err != nil {
		return err
	}
	return bareRows(tx, `INSERT INTO enrollments (id, workspace_id, instance_id, customer_id, status, email_norm, reference_id, first_name, last_name, doc, version, created_at, updated_at, lead_id, labels)`, 15, eargs)
}

// bareHistory returns the INSERT values of the two history entries and
// three events an import writes for e, as the import encodes them: the
// creation, then an evaluation to eligible with five rules' trace.
func (s *importBench) bareHistory(e *enroll.Enrollment, now time.Time) (hargs, vargs []any, err error) {
	created := enroll.NewStatusChange(s.a, e, "", nil, now)
	createdEv := enroll.NewEvent(s.a, enroll.EventEnrollmentCreated, e.ID, e, nil, now)
	ev := &enroll.Evaluation{Status: enroll.StatusEligible, Reason: "Meets all eligibility rules: state, postal-code, equipment, size, exclusive",
		RulesVersion: 1, EvaluatedAt: now}
	for _, r := range importRules {
		ev.Trace = append(ev.Trace, enroll.RuleResult{Name: r.Name, Outcome: enroll.RulePassed})
	}
	n := *e
	n.Eligibility.Status, n.Eligibility.Reason, n.Evaluation = ev.Status, ev.Reason, ev
	prev := map[string]any{"eligibility": e.Eligibility, "evaluation": nil}
	evaluated := enroll.NewStatusChange(s.a, &n, e.Eligibility.Status, ev, now)
	for _, h := range []*enroll.StatusChange{created, evaluated} {
		doc, err := encode(h)
		if err != nil {
			return nil, nil, err
		}
		hargs = append(hargs, h.ID, e.WorkspaceID, e.ID, doc, micros(now))
	}
	for _, v := range []*enroll.Event{createdEv,
		enroll.NewEvent(s.a, enroll.EventEnrollmentStatusChanged, e.ID, &n, prev, now),
		enroll.NewEvent(s.a, enroll.EventEnrollmentUpdated, e.ID, &n, prev, now)} {
		doc, err := v.MarshalDoc()
		if err != nil {
			return nil, nil, err
		}
		vargs = append(vargs, v.ID, v.WorkspaceID, string(v.Type), v.ObjectID, e.ProgramInstanceID, doc, micros(now))
	}
	return hargs, vargs, nil
}

// bareRows writes the rows of args, ncols values each, with INSERTs of 100
// rows.
func bareRows(tx *Tx, head string, ncols int, args []any) error {
	n := len(args) / ncols
	for i := 0; i < n; i += 100 {
		j := min(i+100, n)
		if _, err := tx.exec(head+" VALUES "+strings.TrimSuffix(strings.Repeat("("+strings.TrimSuffix(strings.Repeat("?, ", ncols), ", ")+"), ", j-i), ", "),
			args[ncols*i:ncols*j]...); err != nil {
			return err
		}
	}
	return nil
}

// cpuTime returns the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var u syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
