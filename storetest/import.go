package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/enrollhq/enroll"
)

// importFile is a CSV file with a good row of each kind and a bad row of
// each kind; want lists what each row must come to.
const importFile = "identificationType,customerId,firstName,lastName,email,address.state,referenceId,tags,parameters.kw,parameters.account,shoeSize\n" +
	/* 2 */ "customerInfo,,Ann,Ny,ann@example.com,NY,ACC-1,a|b,7,A-1,42\n" +
	/* 3 */ ",,Cal,Ifornia,cal@example.com,CA,ACC-2,,,,\n" +
	/* 4 */ ",,Bad,Email,not-an-email,NY,,,,,\n" +
	/* 5 */ ",,NoLast,,nolast@example.com,NY,,,,,\n" +
	/* 6 */ "customerId,missing-customer,,,,,,,,,\n" +
	/* 7 */ "customerId,{customer},,,already@example.com,NY,,,,,\n" + // the customer's email is used, not this one
	/* 8 */ ",,Ann,Again,ANN@example.com,NY,,,,,\n" +
	/* 9 */ ",,Al,Ready,already@example.com,NY,,,,,\n" +
	/* 10 */ ",,Other,Person,other@example.com,NY,ACC-1,,,,\n" +
	/* 11 */ ",,Kay,Dub,kw@example.com,NY,,,abc,,\n" +
	/* 12 */ ",,Half,Written,half@example.com,NY,,,,A-1,\n" +
	/* 13 */ "too,many,cells,in,this,row,1,2,3,4,5,6,7\n"

// importWant is the outcome of every row of importFile in an instance
// where already@example.com holds an open enrollment: "created",
// "skipped", or the field of the row's error.
var importWant = map[int]string{
	2: "created", 3: "created", 4: "email", 5: "lastName", 6: "customerId", 7: "created",
	8: "skipped", 9: "skipped", 10: "skipped", 11: "parameters.kw", 12: "parameters.account", 13: "",
}

// importInstance is an auto-evaluating instance with a rule and the two
// parameters importFile fills.
func importInstance(f *fixture) *enroll.ProgramInstance {
	return f.instance(func(in *enroll.ProgramInstance) {
		in.EligibilityRules = []enroll.Rule{{Name: "ny", Expression: `has(enrollment.address) && enrollment.address.state == "NY"`, Reason: "Outside service area"}}
		in.Parameters = []enroll.Parameter{
			{ExternalID: "kw", Name: "System size", Type: enroll.ParamNumber},
			{ExternalID: "account", Name: "Account", Type: enroll.ParamString, Constraints: enroll.ParameterConstraints{Unique: true}},
		}
	})
}

// runImport imports file into inst with RunImport and returns the
// finished job.
func runImport(f *fixture, is enroll.ImportStore, inst *enroll.ProgramInstance, format, file string, dryRun bool, batch int) *enroll.Import {
	f.t.Helper()
	im, err := tryImport(f, is, inst, format, file, dryRun, batch)
	if err != nil {
		f.t.Fatal(err)
	}
	return im
}

// tryImport is runImport for goroutines, which must not call t.Fatal.
func tryImport(f *fixture, is enroll.ImportStore, inst *enroll.ProgramInstance, format, file string, dryRun bool, batch int) (*enroll.Import, error) {
	counter := enroll.NewRowCounter(format)
	_, _ = counter.Write([]byte(file))
	dec, err := enroll.NewRowDecoder(format, strings.NewReader(file))
	if err != nil {
		return nil, fmt.Errorf("NewRowDecoder: %w", err)
	}
	im := &enroll.Import{ProgramInstanceID: inst.ID, Format: format, DryRun: dryRun, TotalRows: counter.Rows(), Errors: dec.HeaderErrors()}
	if err := is.CreateImport(f.ctx, f.a, im); err != nil {
		return nil, fmt.Errorf("CreateImport: %w", err)
	}
	if im.Status != enroll.ImportQueued || im.ID == "" || im.TotalRows != counter.Rows() || im.ErrorCount != len(dec.HeaderErrors()) {
		return nil, fmt.Errorf("created job = %+v", im)
	}
	done, err := enroll.RunImport(f.ctx, is, f.a, im, dec, batch)
	if err != nil {
		return nil, fmt.Errorf("RunImport: %w", err)
	}
	return done, nil
}

// allErrors lists a job's errors page by page, perPage at a time.
func allErrors(f *fixture, is enroll.ImportStore, id string, perPage int) []enroll.ImportError {
	f.t.Helper()
	var out []enroll.ImportError
	p := enroll.ListParams{PerPage: perPage}
	for {
		pg := must(is.ListImportErrors(f.ctx, f.a.WorkspaceID, id, p))
		out = append(out, pg.Data...)
		if pg.NextPageToken == "" {
			return out
		}
		p.PageToken = string(pg.NextPageToken)
	}
}

// checkCounters fails unless the job's counters add up.
func checkCounters(t *testing.T, im *enroll.Import) {
	t.Helper()
	if im.ProcessedRows != im.CreatedCount+im.SkippedCount+im.FailedRows || im.TotalRows != im.ProcessedRows {
		t.Fatalf("counters do not add up: %+v", im)
	}
}

// enrollmentCount returns the instance's enrollments, checking that the
// per-status counters agree with the rows.
func enrollmentCount(f *fixture, inst *enroll.ProgramInstance) int {
	f.t.Helper()
	counts := must(f.s.CountEnrollments(f.ctx, f.a.WorkspaceID, inst.ID))
	total := 0
	for s, n := range counts {
		pg := must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Statuses: []enroll.Status{s},
			ListParams: enroll.ListParams{PerPage: 500}}))
		if len(pg.Data) != n {
			f.t.Fatalf("instance %s: counter %s = %d, rows %d", inst.ID, s, n, len(pg.Data))
		}
		total += n
	}
	return total
}

func importStore(t *testing.T, s enroll.Store) enroll.ImportStore {
	t.Helper()
	is, ok := s.(enroll.ImportStore)
	if !ok {
		t.Fatalf("%T does not implement enroll.ImportStore", s)
	}
	return is
}

func testImport(t *testing.T, newStore Factory) {
	t.Run("MatchesCreate", func(t *testing.T) { t.Parallel(); testImportMatchesCreate(t, newStore) })
	t.Run("RunInteractions", func(t *testing.T) { t.Parallel(); testImportRunInteractions(t, newStore) })
	t.Run("Prepared", func(t *testing.T) { t.Parallel(); testImportPrepared(t, newStore) })
	f := newFixture(t, newStore)
	is := importStore(t, f.s)
	cust := &enroll.Customer{FirstName: "Cus", LastName: "Tomer", Email: "customer@example.com"}
	if err := f.s.CreateCustomer(f.ctx, f.a, cust); err != nil {
		t.Fatal(err)
	}
	file := strings.ReplaceAll(importFile, "{customer}", cust.ID)
	inst := importInstance(f)
	f.enroll(inst, "already@example.com")
	events := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{})).TotalItems

	// Batches of 4: duplicates and conflicts meet across batches.
	im := runImport(f, is, inst, enroll.FormatCSV, file, false, 4)
	checkCounters(t, im)
	if im.Status != enroll.ImportSucceeded || im.FinishedAt == nil || im.ProcessedRows != 12 || im.CreatedCount != 3 ||
		im.SkippedCount != 3 || im.FailedRows != 6 || im.ErrorCount != 7 || len(im.Errors) != 7 {
		t.Fatalf("import = %+v", im)
	}
	errs := allErrors(f, is, im.ID, 3)
	if len(errs) != im.ErrorCount {
		t.Fatalf("%d errors listed, errorCount %d: %+v", len(errs), im.ErrorCount, errs)
	}
	if errs[0].Row != 1 || errs[0].Field != "shoeSize" {
		t.Fatalf("first error = %+v, want the unknown column", errs[0])
	}
	byRow := map[int]enroll.ImportError{}
	for i, e := range errs[1:] {
		if e.Message == "" || (i > 0 && e.Row < errs[i].Row) {
			t.Fatalf("errors out of order or without message: %+v", errs)
		}
		byRow[e.Row] = e
	}
	for row, want := range importWant {
		e, failed := byRow[row]
		switch {
		case want == "created" || want == "skipped":
			if failed {
				t.Errorf("row %d: error %+v, want %s", row, e, want)
			}
		case !failed:
			t.Errorf("row %d: no error, want one on %q", row, want)
		case e.Field != want:
			t.Errorf("row %d: error %+v, want field %q", row, e, want)
		}
	}

	// The rows went through the create path: customer, history, events,
	// evaluation with the instance's rules, typed parameters.
	ann := must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Email: "ann@example.com"})).Data
	if len(ann) != 1 || ann[0].Eligibility.Status != enroll.StatusEligible || ann[0].CustomerID == "" || ann[0].ReferenceID != "ACC-1" ||
		!slices.Equal(ann[0].Tags, []string{"a", "b"}) || len(ann[0].Parameters) != 2 || ann[0].Parameters[0].Value != float64(7) {
		t.Fatalf("imported ann = %+v", ann)
	}
	if h := must(f.s.ListStatusChanges(f.ctx, f.a.WorkspaceID, ann[0].ID)); len(h) != 2 || h[1].To != enroll.StatusEligible || h[0].RequestID != f.a.RequestID {
		t.Fatalf("history = %+v", h)
	}
	cal := must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Email: "cal@example.com"})).Data
	if len(cal) != 1 || cal[0].Eligibility.Status != enroll.StatusIneligible || cal[0].Eligibility.Reason != "Outside service area" {
		t.Fatalf("imported cal = %+v", cal)
	}
	if byCust := must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, CustomerID: cust.ID})).Data; len(byCust) != 1 {
		t.Fatalf("customerId row: %+v", byCust)
	}
	// Each created enrollment wrote enrollment.created, status_changed and
	// updated (its evaluation); nothing else did.
	if n := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{})).TotalItems; n != events+3*3 {
		t.Fatalf("%d events after the import, want %d", n, events+9)
	}
	// A refused row leaves nothing behind: row 12's customer was created
	// in the row's savepoint, then rolled back with it.
	for _, email := range []string{"half@example.com", "kw@example.com", "nolast@example.com"} {
		if n := must(f.s.ListCustomers(f.ctx, f.a.WorkspaceID, enroll.CustomerFilter{Email: email})).TotalItems; n != 0 {
			t.Fatalf("customer %s exists after its row failed", email)
		}
	}
	if n := enrollmentCount(f, inst); n != 4 {
		t.Fatalf("%d enrollments, want 4", n)
	}

	// Running the file again creates nothing: every row that went in is
	// skipped, every bad row is reported again.
	again := runImport(f, is, inst, enroll.FormatCSV, file, false, 5)
	checkCounters(t, again)
	if again.CreatedCount != 0 || again.SkippedCount != 6 || again.FailedRows != 6 || again.Status != enroll.ImportSucceeded {
		t.Fatalf("re-run = %+v", again)
	}
	if n := enrollmentCount(f, inst); n != 4 {
		t.Fatalf("%d enrollments after the re-run, want 4", n)
	}

	// A dry run writes nothing but the job, and counts what a real run
	// then does.
	fresh := importInstance(f)
	customers := must(f.s.ListCustomers(f.ctx, f.a.WorkspaceID, enroll.CustomerFilter{})).TotalItems
	events = must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{})).TotalItems
	dry := runImport(f, is, fresh, enroll.FormatCSV, file, true, 100)
	checkCounters(t, dry)
	if !dry.DryRun || dry.CreatedCount != 4 || dry.SkippedCount != 2 || dry.FailedRows != 6 || dry.ErrorCount != 7 {
		t.Fatalf("dry run = %+v", dry)
	}
	if n := enrollmentCount(f, fresh); n != 0 {
		t.Fatalf("dry run created %d enrollments", n)
	}
	if n := must(f.s.ListCustomers(f.ctx, f.a.WorkspaceID, enroll.CustomerFilter{})).TotalItems; n != customers {
		t.Fatalf("dry run: %d customers, had %d", n, customers)
	}
	if n := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{})).TotalItems; n != events {
		t.Fatalf("dry run: %d events, had %d", n, events)
	}
	wet := runImport(f, is, fresh, enroll.FormatCSV, file, false, 100)
	if wet.CreatedCount != dry.CreatedCount || wet.SkippedCount != dry.SkippedCount || wet.FailedRows != dry.FailedRows {
		t.Fatalf("real run %+v after dry run %+v", wet, dry)
	}

	// The job's life: finished jobs take no more rows, other workspaces
	// see nothing.
	_, err := is.ImportEnrollments(f.ctx, f.a, im.ID, nil)
	wantCode(t, err, enroll.ECONFLICT)
	_, err = is.FinishImport(f.ctx, f.a, im.ID, enroll.ImportFailed, "again")
	wantCode(t, err, enroll.ECONFLICT)
	_, err = is.FinishImport(f.ctx, f.a, im.ID, enroll.ImportRunning, "")
	wantCode(t, err, enroll.EINVALID)
	got := must(is.FindImport(f.ctx, f.a.WorkspaceID, im.ID))
	if got.Status != enroll.ImportSucceeded || got.CreatedCount != 3 || len(got.Errors) != 7 || got.ProgramInstanceID != inst.ID {
		t.Fatalf("FindImport = %+v", got)
	}
	other := newFixtureOn(t, f.s)
	_, err = is.FindImport(f.ctx, other.a.WorkspaceID, im.ID)
	wantCode(t, err, enroll.ENOTFOUND)
	_, err = is.ListImportErrors(f.ctx, other.a.WorkspaceID, im.ID, enroll.ListParams{})
	wantCode(t, err, enroll.ENOTFOUND)
	_, err = is.ImportEnrollments(f.ctx, other.a, again.ID, nil)
	wantCode(t, err, enroll.ENOTFOUND)
	err = is.CreateImport(f.ctx, other.a, &enroll.Import{ProgramInstanceID: inst.ID, Format: enroll.FormatCSV})
	wantCode(t, err, enroll.ENOTFOUND)
	err = is.CreateImport(f.ctx, f.a, &enroll.Import{ProgramInstanceID: inst.ID, Format: "xlsx"})
	wantCode(t, err, enroll.EINVALID)
	archived := f.instance(func(in *enroll.ProgramInstance) { in.Status = enroll.InstanceArchived })
	err = is.CreateImport(f.ctx, f.a, &enroll.Import{ProgramInstanceID: archived.ID, Format: enroll.FormatCSV})
	wantCode(t, err, enroll.ECONFLICT)
	_, err = is.ListImportErrors(f.ctx, f.a.WorkspaceID, im.ID, enroll.ListParams{PageToken: "bogus"})
	wantCode(t, err, enroll.EINVALID)
	if pg := must(is.ListImportErrors(f.ctx, f.a.WorkspaceID, im.ID, enroll.ListParams{Page: 1, PerPage: 5})); len(pg.Data) != 2 || pg.TotalItems != 7 || pg.TotalPages != 2 {
		t.Fatalf("offset page = %+v", pg)
	}
}

// testImportNDJSON imports NDJSON, whose values are typed already.
func testImportNDJSON(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	is := importStore(t, f.s)
	inst := importInstance(f)
	file := `{"identificationType":"customerInfo","firstName":"Nd","lastName":"Json","email":"nd@example.com","address":{"state":"NY"},"parameters":[{"externalId":"kw","value":3.5}]}` + "\n" +
		"\n" +
		`{"identificationType":"customerInfo","firstName":"Bad","lastName":"Kw","email":"badkw@example.com","parameters":[{"externalId":"kw","value":"3.5"}]}` + "\n" +
		`{"identificationType":"customerInfo","shoeSize":42}` + "\n" +
		`not json` + "\n" +
		`{"identificationType":"leadId","leadId":"missing-lead"}`
	im := runImport(f, is, inst, enroll.FormatNDJSON, file, false, 2)
	checkCounters(t, im)
	if im.ProcessedRows != 5 || im.CreatedCount != 1 || im.FailedRows != 4 {
		t.Fatalf("import = %+v", im)
	}
	rows := map[int]string{}
	for _, e := range allErrors(f, is, im.ID, 500) {
		rows[e.Row] = e.Field
	}
	if want := map[int]string{3: "parameters.kw", 4: "shoeSize", 5: "", 6: "leadId"}; fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Fatalf("errors by line = %v, want %v", rows, want)
	}
	e := must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID})).Data
	if len(e) != 1 || e[0].Parameters[0].Value != 3.5 || e[0].Eligibility.Status != enroll.StatusEligible {
		t.Fatalf("imported = %+v", e)
	}
}

// testImportResume checks the crash story: a job that stopped after a
// batch (its process died) is followed by a run of the same file, and the
// two together leave what one clean run leaves. Two runs at once of one
// file create no duplicates either.
func testImportResume(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	is := importStore(t, f.s)
	cust := &enroll.Customer{FirstName: "Cus", LastName: "Tomer", Email: "customer@example.com"}
	if err := f.s.CreateCustomer(f.ctx, f.a, cust); err != nil {
		t.Fatal(err)
	}
	file := strings.ReplaceAll(importFile, "{customer}", cust.ID)

	inst := importInstance(f)
	dec := must(enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(file)))
	dead := &enroll.Import{ProgramInstanceID: inst.ID, Format: enroll.FormatCSV}
	if err := is.CreateImport(f.ctx, f.a, dead); err != nil {
		t.Fatal(err)
	}
	var first []*enroll.ImportRow
	for range 3 {
		r := must(dec.Next())
		if r.Create != nil {
			inst.CoerceParameters(r.Create.Parameters) // as RunImport does for CSV
		}
		first = append(first, r)
	}
	dead = must(is.ImportEnrollments(f.ctx, f.a, dead.ID, first))
	if dead.Status != enroll.ImportRunning || dead.ProcessedRows != 3 || dead.CreatedCount != 2 {
		t.Fatalf("first batch = %+v", dead)
	}
	// The process dies here. The same file again:
	// (A clean run here creates rows 2, 3, 7 and 9, and skips 8 and 10.)
	rest := runImport(f, is, inst, enroll.FormatCSV, file, false, 4)
	if dead.CreatedCount+rest.CreatedCount != 4 || rest.SkippedCount != 2+2 || rest.FailedRows != 6 {
		t.Fatalf("resumed: %+v after %+v", rest, dead)
	}
	if n := enrollmentCount(f, inst); n != 4 {
		t.Fatalf("%d enrollments, want the 4 of a clean run", n)
	}

	// A file that cannot be read to its end fails the job, with what was
	// read imported; a shutdown stops it at a batch boundary.
	broken := importInstance(f)
	im := &enroll.Import{ProgramInstanceID: broken.ID, Format: enroll.FormatCSV}
	if err := is.CreateImport(f.ctx, f.a, im); err != nil {
		t.Fatal(err)
	}
	dec = must(enroll.NewRowDecoder(enroll.FormatCSV, io.MultiReader(strings.NewReader(file[:strings.Index(file, ",,Bad")]),
		iotest.ErrReader(errors.New("connection reset")))))
	im, err := enroll.RunImport(f.ctx, is, f.a, im, dec, 100)
	if err == nil || im.Status != enroll.ImportFailed || im.CreatedCount != 2 || !strings.Contains(im.Message, "connection reset") {
		t.Fatalf("unreadable file: %v, %+v", err, im)
	}
	stopped, cancel := context.WithCancel(f.ctx)
	cancel()
	im = &enroll.Import{ProgramInstanceID: broken.ID, Format: enroll.FormatCSV}
	if err := is.CreateImport(f.ctx, f.a, im); err != nil {
		t.Fatal(err)
	}
	im, err = enroll.RunImport(stopped, is, f.a, im, must(enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(file))), 100)
	if err != nil || im.Status != enroll.ImportFailed || im.ProcessedRows != 0 || !strings.Contains(im.Message, "Run the same file again") {
		t.Fatalf("stopped import: %v, %+v", err, im)
	}

	// Two runs of one file at once, on one store: the database's
	// open-enrollment constraint guards what the look-ups cannot see.
	both := importInstance(f)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		jobs []*enroll.Import
	)
	for range 2 {
		wg.Go(func() {
			im, err := tryImport(f, is, both, enroll.FormatCSV, file, false, 2)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Error(err)
				return
			}
			jobs = append(jobs, im)
		})
	}
	wg.Wait()
	if len(jobs) != 2 {
		t.FailNow()
	}
	if created := jobs[0].CreatedCount + jobs[1].CreatedCount; created != 4 {
		t.Fatalf("two runs at once created %d, want 4: %+v %+v", created, jobs[0], jobs[1])
	}
	if n := enrollmentCount(f, both); n != 4 {
		t.Fatalf("%d enrollments after two runs at once, want 4", n)
	}
}

// testImportMatchesCreate checks that an imported row comes to exactly what
// the same request to CreateEnrollment comes to: status, reason, version,
// evaluation, history and events (types, order, previous attributes), for
// every way a create can go: eligible, ineligible by a rule or because the
// customer is enrolled elsewhere, submitted, and submitted without a
// required parameter (on to needs_action).
func testImportMatchesCreate(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	is := importStore(t, f.s)
	ruled := func(in *enroll.ProgramInstance) {
		in.EligibilityRules = []enroll.Rule{
			{Name: "ny", Expression: `has(enrollment.address) && enrollment.address.state == "NY"`, Reason: "Outside service area"},
			{Name: "not-elsewhere", Expression: `!enrolledInOtherProgram()`, Reason: "Already enrolled in another program"},
		}
		in.Parameters = []enroll.Parameter{
			{ExternalID: "kw", Name: "System size", Type: enroll.ParamNumber},
			{ExternalID: "permit", Name: "Permit", Type: enroll.ParamString, Constraints: enroll.ParameterConstraints{Required: true}},
		}
	}
	imported := f.instance(ruled)
	created := f.sibling(imported, ruled)
	// A customer approved in another program: enrolledInOtherProgram.
	f.reach(f.instance(noAutoEvaluate), "elsewhere@example.com", enroll.StatusApproved)
	// One approved in another season of the same program: not.
	f.reach(f.sibling(imported, noAutoEvaluate), "lastseason@example.com", enroll.StatusApproved)

	ny, ca := &enroll.Address{City: "Albany", State: "NY"}, &enroll.Address{State: "CA"}
	permit := []enroll.ParameterValue{{ExternalID: "kw", Value: 7.5}, {ExternalID: "permit", Value: "P-1"}}
	rows := []*enroll.EnrollmentCreate{
		{FirstName: "Ann", LastName: "Ny", Email: "ann@example.com", Address: ny, Parameters: permit, Tags: []string{"a"}, ReferenceID: "R-1"},
		{FirstName: "Cal", LastName: "Ifornia", Email: "cal@example.com", Address: ca, Metadata: map[string]any{"source": "mail"}},
		{FirstName: "Else", LastName: "Where", Email: "ELSEWHERE@example.com", Address: ny, Parameters: permit},
		{FirstName: "Last", LastName: "Season", Email: "lastseason@example.com", Address: ny, Parameters: permit},
		{FirstName: "Sub", LastName: "Mitted", Email: "sub@example.com", Address: ny, Parameters: permit,
			EligibilityStatus: enroll.StatusSubmitted, EligibilityReason: "self-service"},
		{FirstName: "No", LastName: "Permit", Email: "nopermit@example.com", Address: ny, EligibilityStatus: enroll.StatusSubmitted},
		{FirstName: "Sub", LastName: "Ca", Email: "subca@example.com", Address: ca, EligibilityStatus: enroll.StatusSubmitted},
	}
	var file strings.Builder
	for _, in := range rows {
		in.IdentificationType = enroll.IdentifyByCustomerInfo
		b, _ := json.Marshal(in)
		file.Write(append(b, '\n'))
	}
	im := runImport(f, is, imported, enroll.FormatNDJSON, file.String(), false, 100)
	if im.CreatedCount != len(rows) {
		t.Fatalf("import = %+v", im)
	}
	for _, in := range rows {
		want := must(f.s.CreateEnrollment(f.ctx, f.a, created.ID, in))
		got := must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: imported.ID, Email: in.Email})).Data
		if len(got) != 1 {
			t.Fatalf("%s: %d imported enrollments", in.Email, len(got))
		}
		sameCreation(t, f, got[0], want)
		if elsewhere := in.Email == "ELSEWHERE@example.com"; (in.LastName == "Season" || elsewhere) &&
			(got[0].Eligibility.Status == enroll.StatusIneligible) != elsewhere {
			t.Fatalf("%s: %+v; only an approval in another program counts", in.Email, got[0].Eligibility)
		}
	}
}

// sameCreation fails unless got (imported) and want (created) came to the
// same, in their different instances.
func sameCreation(t *testing.T, f *fixture, got, want *enroll.Enrollment) {
	t.Helper()
	if got.Eligibility.Status != want.Eligibility.Status || got.Eligibility.Reason != want.Eligibility.Reason ||
		got.Version != want.Version || got.CustomerID != want.CustomerID || !slices.Equal(got.ParameterProblems(), want.ParameterProblems()) ||
		(got.Evaluation == nil) != (want.Evaluation == nil) || got.CreatedAt.IsZero() || !got.UpdatedAt.Equal(got.CreatedAt) {
		t.Fatalf("%s: imported %+v %+v, created %+v %+v", want.Email, got, got.Evaluation, want, want.Evaluation)
	}
	if want.Evaluation != nil && fmt.Sprint(got.Evaluation.Trace) != fmt.Sprint(want.Evaluation.Trace) {
		t.Fatalf("%s: trace %v, want %v", want.Email, got.Evaluation.Trace, want.Evaluation.Trace)
	}
	gh, wh := must(f.s.ListStatusChanges(f.ctx, f.a.WorkspaceID, got.ID)), must(f.s.ListStatusChanges(f.ctx, f.a.WorkspaceID, want.ID))
	if len(gh) != len(wh) {
		t.Fatalf("%s: history %+v, want %+v", want.Email, gh, wh)
	}
	for i := range gh {
		g, w := gh[i], wh[i]
		if g.From != w.From || g.To != w.To || g.Reason != w.Reason || (g.RulesVersion == nil) != (w.RulesVersion == nil) ||
			fmt.Sprint(g.Trace) != fmt.Sprint(w.Trace) || g.ActorKeyID != w.ActorKeyID || g.RequestID != w.RequestID || g.EnrollmentID != got.ID {
			t.Fatalf("%s: history entry %d = %+v, want %+v", want.Email, i, g, w)
		}
	}
	ge := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{ObjectID: got.ID})).Data
	we := must(f.s.ListEvents(f.ctx, f.a.WorkspaceID, enroll.EventFilter{ObjectID: want.ID})).Data
	if len(ge) != len(we) {
		t.Fatalf("%s: %d events, want %d", want.Email, len(ge), len(we))
	}
	for i := range ge {
		g, w := ge[i], we[i]
		var gobj, wobj enroll.Enrollment
		if err := json.Unmarshal(g.Data.Object, &gobj); err != nil {
			t.Fatal(err)
		}
		_ = json.Unmarshal(w.Data.Object, &wobj)
		if g.Type != w.Type || gobj.Eligibility != withInstance(wobj.Eligibility, got.ProgramInstanceID) ||
			fmt.Sprint(slices.Sorted(maps.Keys(g.Data.PreviousAttributes))) != fmt.Sprint(slices.Sorted(maps.Keys(w.Data.PreviousAttributes))) ||
			prevStatus(g) != prevStatus(w) ||
			g.RequestID != w.RequestID || g.ActorKeyID != w.ActorKeyID {
			t.Fatalf("%s: event %d = %s %s %v, want %s %s %v", want.Email, i, g.Type, g.Data.Object, g.Data.PreviousAttributes,
				w.Type, w.Data.Object, w.Data.PreviousAttributes)
		}
	}
	if last := ge[0]; last.Type != enroll.EventEnrollmentCreated {
		// The newest event shows the enrollment as stored.
		var obj enroll.Enrollment
		_ = json.Unmarshal(last.Data.Object, &obj)
		if obj.Eligibility != got.Eligibility || !obj.UpdatedAt.Equal(got.UpdatedAt) {
			t.Fatalf("%s: last event shows %+v, stored %+v", want.Email, obj.Eligibility, got.Eligibility)
		}
	}
}

// prevStatus returns the status in an event's previous attributes.
func prevStatus(e *enroll.Event) any {
	el, _ := e.Data.PreviousAttributes["eligibility"].(map[string]any)
	return fmt.Sprint(el["status"], "/", el["reason"])
}

// withInstance returns el as it reads in instance id.
func withInstance(el enroll.Eligibility, id string) enroll.Eligibility {
	el.ProgramInstanceID = id
	return el
}

// testImportRunInteractions checks what rows of one planned run do to each
// other and what they meet in the database: a second row for an email, or
// a customer, already enrolled in the batch is skipped; a unique value
// taken earlier in the batch, or by an existing enrollment, fails the row,
// whose new customer is not kept; an existing customer holding an open
// enrollment under another email is skipped.
func testImportRunInteractions(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	is := importStore(t, f.s)
	inst := importInstance(f)
	held := f.enroll(inst, "held@example.com", func(c *enroll.EnrollmentCreate) {
		c.Parameters = []enroll.ParameterValue{{ExternalID: "account", Value: "A-0"}}
	})
	// The enrollment now reads another email than its customer's.
	must(f.s.UpdateEnrollment(f.ctx, f.a, held.ID, func(e *enroll.Enrollment) error { e.Email = "moved@example.com"; return nil }))
	file := "firstName,lastName,email,address.state,referenceId,parameters.account\n" +
		/* 2 */ "Ann,One,ann@example.com,NY,R-1,A-1\n" +
		/* 3 */ "Ann,Two,Ann@Example.com,NY,R-2,A-2\n" + // same email as row 2: skipped
		/* 4 */ "Bob,Three,bob@example.com,NY,R-1,A-3\n" + // same reference as row 2: skipped
		/* 5 */ "Cat,Four,cat@example.com,NY,R-4,A-1\n" + // account of row 2: fails
		/* 6 */ "Dan,Five,dan@example.com,NY,R-5,A-0\n" + // account of the existing enrollment: fails
		/* 7 */ "Hel,Six,HELD@example.com,NY,R-6,A-6\n" + // the customer holds an open enrollment: skipped
		/* 8 */ "Mo,Seven,moved@example.com,NY,R-7,A-7\n" + // the enrollment's email: skipped
		/* 9 */ "Cat,Eight,cat@example.com,NY,R-8,A-8\n" // row 5 failed: created, with a new customer
	im := runImport(f, is, inst, enroll.FormatCSV, file, false, 100)
	checkCounters(t, im)
	if im.CreatedCount != 2 || im.SkippedCount != 4 || im.FailedRows != 2 {
		t.Fatalf("import = %+v", im)
	}
	errs := allErrors(f, is, im.ID, 100)
	if len(errs) != 2 || errs[0].Row != 5 || errs[0].Field != "parameters.account" || errs[1].Row != 6 || errs[1].Field != "parameters.account" {
		t.Fatalf("errors = %+v", errs)
	}
	if n := enrollmentCount(f, inst); n != 3 {
		t.Fatalf("%d enrollments, want 3", n)
	}
	for email, n := range map[string]int{"ann@example.com": 1, "bob@example.com": 0, "cat@example.com": 1, "dan@example.com": 0} {
		if got := must(f.s.ListCustomers(f.ctx, f.a.WorkspaceID, enroll.CustomerFilter{Email: email})).TotalItems; got != n {
			t.Fatalf("%d customers %s, want %d", got, email, n)
		}
	}
	cat := must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Email: "cat@example.com"})).Data
	if len(cat) != 1 || cat[0].LastName != "Eight" || cat[0].Eligibility.Status != enroll.StatusEligible {
		t.Fatalf("cat = %+v", cat)
	}
}

// testImportHeldOpen checks the rows whose participant is known only once
// resolved (a lead, a re-enrollment), which the look-ups before the create
// cannot match: one who holds an open enrollment in the instance is
// skipped all the same, when the create meets that enrollment.
func testImportHeldOpen(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	is := importStore(t, f.s)
	inst := importInstance(f)
	l := &enroll.Lead{FirstName: "Lee"}
	if err := f.s.CreateLead(f.ctx, f.a, l); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CreateEnrollment(f.ctx, f.a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID, LeadID: l.ID}); err != nil {
		t.Fatal(err)
	}
	held := f.enroll(inst, "held@example.com")
	file := `{"identificationType":"leadId","leadId":"` + l.ID + `"}` + "\n" +
		`{"identificationType":"enrollmentId","enrollmentId":"` + held.ID + `"}` + "\n"
	im := runImport(f, is, inst, enroll.FormatNDJSON, file, false, 10)
	checkCounters(t, im)
	if im.ProcessedRows != 2 || im.SkippedCount != 2 || im.CreatedCount != 0 || im.FailedRows != 0 {
		t.Fatalf("import = %+v, errors %+v", im, allErrors(f, is, im.ID, 10))
	}
}

// testImportNULKeys checks that rows whose keys hold a NUL character (an
// email, a referenceId, a unique parameter's value, a lead's, customer's
// or enrollment's id), planned or one by one, fail alone with their
// validation's error, and the others are imported: PostgreSQL refuses
// NUL in text, so a store that sent such a key to the database before the
// row was validated (to look it up, or to lock an email) would stop the
// whole import.
func testImportNULKeys(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	is := importStore(t, f.s)
	inst := importInstance(f)
	row := func(fields string) string {
		return `{"identificationType":"customerInfo","firstName":"Nul","lastName":"Row",` + fields + "}\n"
	}
	bad := []struct{ row, field string }{
		{row(`"email":"nul\u0000@example.com"`), "email"},
		{row(`"email":"nul.ref@example.com","referenceId":"R\u0000"`), "referenceId"},
		{row(`"email":"nul.account@example.com","parameters":[{"externalId":"account","value":"A\u0000"}]`), "parameters.account"},
		{row(`"email":"nul.later@example.com","reenroll":false,"referenceId":"S\u0000"`), "referenceId"},
		{`{"identificationType":"leadId","leadId":"l\u0000"}` + "\n", "leadId"},
		{`{"identificationType":"customerId","customerId":"c\u0000"}` + "\n", "customerId"},
		{`{"identificationType":"enrollmentId","enrollmentId":"e\u0000"}` + "\n", "enrollmentId"},
	}
	files := make([][]int, 0, len(bad)+1)
	all := make([]int, len(bad))
	for i := range bad {
		files, all[i] = append(files, []int{i}), i
	}
	for _, rows := range append(files, all) {
		var file strings.Builder
		var want []string
		for n, i := range rows {
			file.WriteString(bad[i].row)
			want = append(want, fmt.Sprintf("%d %s", n+1, bad[i].field))
		}
		file.WriteString(row(`"email":"fine.` + enroll.NewID() + `@example.com"`))
		im, err := tryImport(f, is, inst, enroll.FormatNDJSON, file.String(), false, 100)
		if err != nil {
			t.Fatalf("import of\n%s: %v", file.String(), err)
		}
		checkCounters(t, im)
		var got []string
		for _, e := range allErrors(f, is, im.ID, 100) {
			got = append(got, fmt.Sprintf("%d %s", e.Row, e.Field))
		}
		if im.Status != enroll.ImportSucceeded || im.CreatedCount != 1 || im.FailedRows != len(rows) || !slices.Equal(got, want) {
			t.Fatalf("import of\n%s= %+v, errors %v, want %v", file.String(), im, got, want)
		}
	}
}
