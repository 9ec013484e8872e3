package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/enrollhq/enroll"
)

// testEnrollmentEmailHeldOpen checks that an open enrollment holding an
// email (compared normalized) makes every create of a participant with
// that email in the instance a 409 naming it, as an import skips the row:
// a lead with an email only, which cannot become a customer, enrolled by
// leadId, then the same person by customerInfo, customerId, enrollmentId
// or another such lead, and the other way round; reenroll: false sees a
// closed one by its email too, which otherwise does not count. Such a
// lead enrolled where a customer has its email already becomes that
// customer. Participants without an email are not matched by it.
func testEnrollmentEmailHeldOpen(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	is := importStore(t, f.s)
	inst, other := f.instance(), f.instance()
	lead := func(l *enroll.Lead) *enroll.Lead {
		if err := f.s.CreateLead(f.ctx, f.a, l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	create := func(in *enroll.ProgramInstance, c *enroll.EnrollmentCreate) (*enroll.Enrollment, error) {
		return f.s.CreateEnrollment(f.ctx, f.a, in.ID, c)
	}
	byLead := func(l *enroll.Lead) *enroll.EnrollmentCreate {
		return &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID, LeadID: l.ID}
	}
	byInfo := func(email string) *enroll.EnrollmentCreate {
		return &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo, FirstName: "Two", LastName: "Person", Email: email}
	}

	// The audit's first sequence: the lead, with an email only, is
	// enrolled, then the same email by customerInfo, in another case.
	l := lead(&enroll.Lead{Email: "two@example.com"})
	held := must(create(inst, byLead(l)))
	if held.CustomerID != "" {
		t.Fatalf("email-only lead's enrollment = %+v", held)
	}
	_, err := create(inst, byInfo("Two@Example.com"))
	wantOpenConflict(t, err, held.ID)
	// The customer that makes elsewhere, by customerId and by re-enrolling
	// its enrollment there; another email-only lead with the email, which
	// is that customer now; and the lead's own enrollment re-enrolled.
	own := must(create(other, byInfo("two@example.com")))
	for _, c := range []struct {
		name string
		in   *enroll.EnrollmentCreate
	}{
		{"customerId", &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerID, CustomerID: own.CustomerID}},
		{"enrollmentId", &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByEnrollmentID, EnrollmentID: own.ID}},
		{"leadId of another lead", byLead(lead(&enroll.Lead{Email: "TWO@example.com"}))},
		{"customerInfo", byInfo("two@example.com")},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, err := create(inst, c.in)
			if err == nil {
				// Gone again, so that the next case stands alone.
				must(0, f.s.DeleteEnrollment(f.ctx, f.a, e.ID, nil))
			}
			wantOpenConflict(t, err, held.ID)
		})
	}
	// An import agrees: a customerInfo row (planned) and a leadId row (one
	// by one) are skipped.
	late := lead(&enroll.Lead{Email: "two@example.com"})
	for _, row := range []string{
		`{"identificationType":"customerInfo","firstName":"Two","lastName":"Person","email":"two@example.com"}`,
		`{"identificationType":"leadId","leadId":"` + late.ID + `"}`,
	} {
		im := runImport(f, is, inst, enroll.FormatNDJSON, row+"\n", false, 10)
		checkCounters(t, im)
		if im.SkippedCount != 1 {
			t.Errorf("import of %s = %+v, errors %+v", row, im, allErrors(f, is, im.ID, 10))
		}
	}
	if n := enrollmentCount(f, inst); n != 1 {
		t.Fatalf("instance holds %d enrollments, want the lead's one", n)
	}

	// The other way round: a customer enrolled, then a lead with its email
	// in another case. The lead becomes that customer, and is refused as
	// the customer; elsewhere it is enrolled as the customer.
	cust := f.enroll(inst, "one@example.com")
	one := lead(&enroll.Lead{Email: "ONE@example.com"})
	_, err = create(inst, byLead(one))
	wantOpenConflict(t, err, cust.ID)
	e := must(create(other, byLead(one)))
	if e.CustomerID != cust.CustomerID || e.LeadID != one.ID || e.Email != "ONE@example.com" {
		t.Fatalf("lead of a customer's email enrolled = %+v", e)
	}
	if got := must(f.s.FindLead(f.ctx, f.a.WorkspaceID, one.ID)); got.CustomerID != cust.CustomerID {
		t.Fatalf("lead = %+v, want customer %s", got, cust.CustomerID)
	}
	// A lead given an email by the request is matched by that one.
	phone := lead(&enroll.Lead{Phone: "+1557"})
	_, err = create(inst, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID, LeadID: phone.ID, Email: "one@EXAMPLE.com"})
	wantOpenConflict(t, err, cust.ID)

	// reenroll: false sees a closed enrollment by its email; otherwise a
	// closed one does not count.
	closed := f.instance(noAutoEvaluate)
	three := lead(&enroll.Lead{Email: "three@example.com"})
	old := must(create(closed, byLead(three)))
	for _, to := range []enroll.Status{enroll.StatusEligible, enroll.StatusSubmitted, enroll.StatusRejected} {
		old = f.move(old, to)
	}
	no := false
	in := byInfo("three@example.com")
	in.Reenroll = &no
	_, err = create(closed, in)
	wantOpenConflict(t, err, old.ID)
	if e := must(create(closed, byInfo("three@example.com"))); e.CustomerID == "" {
		t.Fatalf("enrolled after a closed one = %+v", e)
	}

	// Leads without an email are not one participant by it.
	for range 2 {
		must(create(inst, byLead(lead(&enroll.Lead{Phone: "+1558"}))))
	}
}

// testEnrollmentEmailRace checks that concurrent creates of one email in
// an instance, by customerInfo and by leadId of leads with that email
// only (which no unique index relates), leave exactly one open
// enrollment: the others are 409s.
func testEnrollmentEmailRace(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	inst := f.instance(noAutoEvaluate)
	const n = 16
	ins := make([]*enroll.EnrollmentCreate, n)
	for i := range ins {
		if i%2 == 0 {
			ins[i] = &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
				FirstName: "Race", LastName: "Person", Email: []string{"race@example.com", "Race@Example.com"}[i/2%2]}
			continue
		}
		l := &enroll.Lead{Email: "RACE@example.com"}
		if err := f.s.CreateLead(f.ctx, f.a, l); err != nil {
			t.Fatal(err)
		}
		ins[i] = &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID, LeadID: l.ID}
	}
	won, errs := f.createAtOnce(inst.ID, ins)
	if len(won) != 1 {
		t.Fatalf("%d concurrent creates of one email succeeded, want 1: %v", len(won), won)
	}
	for _, err := range errs {
		wantCode(t, err, enroll.ECONFLICT)
		if got := err.(*enroll.Error).Extra["existingId"]; got != won[0] {
			t.Errorf("existingId = %v (%v), want %s", got, err, won[0])
		}
	}
}

// testImportEmailRace checks that an import and concurrent creates of the
// same emails in an instance leave one open enrollment an email: the
// import's customerInfo rows, planned in runs (written with an INSERT, and
// with COPY from 16 rows on) and one by one (reenroll: false), and
// leadId creates of leads with those emails only, which no unique index
// relates to the rows' customers. Each email is enrolled once, by the
// import or by a create; the import skips the others, and a refused
// create is a 409 naming the open enrollment.
func testImportEmailRace(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	is := importStore(t, f.s)
	for round := range 12 {
		inst := f.instance(noAutoEvaluate)
		n := []int{1, 6, 20}[round%3]
		var file strings.Builder
		leads := make([]*enroll.Lead, n)
		for i := range leads {
			email := fmt.Sprintf("race.%d.%d@example.com", round, i)
			leads[i] = &enroll.Lead{Email: strings.ToUpper(email)}
			if err := f.s.CreateLead(f.ctx, f.a, leads[i]); err != nil {
				t.Fatal(err)
			}
			reenroll := ""
			if i%4 == 3 {
				reenroll = `,"reenroll":false`
			}
			fmt.Fprintf(&file, `{"identificationType":"customerInfo","firstName":"Race","lastName":"Row%d","email":"%s"%s}`+"\n", i, email, reenroll)
		}
		var (
			wg        sync.WaitGroup
			start     = make(chan struct{})
			im        *enroll.Import
			importErr error
			created   = make([]*enroll.Enrollment, n)
			errs      = make([]error, n)
		)
		wg.Go(func() {
			<-start
			im, importErr = tryImport(f, is, inst, enroll.FormatNDJSON, file.String(), false, 100)
		})
		for i, l := range leads {
			wg.Go(func() {
				<-start
				created[i], errs[i] = f.s.CreateEnrollment(f.ctx, f.a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID, LeadID: l.ID})
			})
		}
		close(start)
		wg.Wait()
		if importErr != nil {
			t.Fatal(importErr)
		}
		checkCounters(t, im)
		open := map[string]string{}
		for _, e := range must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID,
			ListParams: enroll.ListParams{PerPage: 100}})).Data {
			email := enroll.NormalizeEmail(e.Email)
			if open[email] != "" {
				t.Fatalf("round %d: %s holds two open enrollments, %s and %s (import %+v)", round, email, open[email], e.ID, im)
			}
			open[email] = e.ID
		}
		won := 0
		for i, err := range errs {
			email := enroll.NormalizeEmail(leads[i].Email)
			if err == nil {
				won++
				if open[email] != created[i].ID {
					t.Fatalf("round %d: %s created %s, open %q", round, email, created[i].ID, open[email])
				}
				continue
			}
			wantCode(t, err, enroll.ECONFLICT)
			if got := err.(*enroll.Error).Extra["existingId"]; got != open[email] {
				t.Fatalf("round %d: %s refused naming %v (%v), open %q", round, email, got, err, open[email])
			}
		}
		if len(open) != n || im.CreatedCount != n-won || im.SkippedCount != won || im.FailedRows != 0 {
			t.Fatalf("round %d: %d emails enrolled of %d, %d by creates; import %+v, errors %+v", round, len(open), n, won, im,
				allErrors(f, is, im.ID, 10))
		}
	}
}
