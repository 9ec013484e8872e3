package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// setEmail returns an update giving an enrollment email.
func setEmail(email string) func(*enroll.Enrollment) error {
	return func(e *enroll.Enrollment) error { e.Email = email; return nil }
}

// wantOpenConflict fails t unless err is the ECONFLICT of an open
// enrollment naming id (existingId), as a create's 409 names it.
func wantOpenConflict(t *testing.T, err error, id string) {
	t.Helper()
	wantCode(t, err, enroll.ECONFLICT)
	if got := err.(*enroll.Error).Extra["existingId"]; got != id {
		t.Fatalf("existingId = %v (%v), want %s", got, err, id)
	}
}

// testEnrollmentEmailPatchHeld checks that an update giving an open
// enrollment an email that another open enrollment of the instance holds
// (compared normalized, whoever it names) is the create's ECONFLICT
// naming that one, and changes nothing; that a change of case of its own
// email, an email only a closed enrollment or another instance's holds,
// and a closed enrollment's change of email (a closed one holds none)
// are taken; and that the email so taken is held against creates.
func testEnrollmentEmailPatchHeld(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	inst, other := f.instance(noAutoEvaluate), f.instance(noAutoEvaluate)
	held := f.enroll(inst, "held@example.com")
	l := &enroll.Lead{Email: "lead@example.com"}
	if err := f.s.CreateLead(f.ctx, f.a, l); err != nil {
		t.Fatal(err)
	}
	byLead := must(f.s.CreateEnrollment(f.ctx, f.a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID, LeadID: l.ID}))
	mover := f.reach(inst, "mover@example.com", enroll.StatusSubmitted)
	closed := f.reach(inst, "closed@example.com", enroll.StatusRejected)
	elsewhere := f.enroll(other, "elsewhere@example.com")

	for _, c := range []struct {
		email, holder string
	}{
		{"held@example.com", held.ID},
		{"HELD@Example.com", held.ID},
		{"Lead@example.COM", byLead.ID},
	} {
		_, err := f.s.UpdateEnrollment(f.ctx, f.a, mover.ID, setEmail(c.email))
		wantOpenConflict(t, err, c.holder)
		// With a change of status too, which counts first.
		_, err = f.s.UpdateEnrollment(f.ctx, f.a, mover.ID, func(e *enroll.Enrollment) error {
			e.Email = c.email
			e.SetStatus(enroll.StatusApproved, "")
			return nil
		})
		wantOpenConflict(t, err, c.holder)
	}
	if got := must(f.s.FindEnrollment(f.ctx, f.a.WorkspaceID, mover.ID)); got.Email != mover.Email || got.Version != mover.Version ||
		got.Eligibility.Status != enroll.StatusSubmitted {
		t.Fatalf("refused update left %+v, want %+v", got, mover)
	}
	if counts := must(f.s.CountEnrollments(f.ctx, f.a.WorkspaceID, inst.ID)); counts[enroll.StatusApproved] != 0 || counts[enroll.StatusSubmitted] != 1 {
		t.Fatalf("refused update left counts %v", counts)
	}

	for _, c := range []struct {
		name string
		id   string
		to   string
	}{
		{"own email in another case", mover.ID, "MOVER@Example.com"},
		{"a closed enrollment's email", mover.ID, "Closed@example.com"},
		{"another instance's email", mover.ID, "elsewhere@example.com"},
		{"an open enrollment's email on a closed one", closed.ID, "held@example.com"},
		{"an open enrollment's email elsewhere", elsewhere.ID, "held@example.com"},
	} {
		e, err := f.s.UpdateEnrollment(f.ctx, f.a, c.id, setEmail(c.to))
		if err != nil || e.Email != c.to {
			t.Fatalf("%s: update = %+v, %v", c.name, e, err)
		}
	}
	// The email taken is held: a create of it, and an update to it, are
	// refused naming the enrollment that took it.
	_, err := f.s.CreateEnrollment(f.ctx, f.a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: "Eli", LastName: "Where", Email: "ELSEWHERE@example.com"})
	wantOpenConflict(t, err, mover.ID)
	_, err = f.s.UpdateEnrollment(f.ctx, f.a, held.ID, setEmail("elsewhere@example.com"))
	wantOpenConflict(t, err, mover.ID)
}

// testEnrollmentEmailPatchRace checks that an update giving an open
// enrollment an email and concurrent creates of that email in the
// instance leave one open enrollment holding it: the update or one
// create wins, and the others are the 409s naming the winner.
func testEnrollmentEmailPatchRace(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	inst := f.instance(noAutoEvaluate)
	updates := 0
	for round := range 12 {
		email := fmt.Sprintf("race.%d@example.com", round)
		mover := f.enroll(inst, fmt.Sprintf("mover.%d@example.com", round))
		ins := make([]*enroll.EnrollmentCreate, 3)
		for i := range ins {
			ins[i] = &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
				FirstName: "Race", LastName: "Person", Email: []string{email, fmt.Sprintf("RACE.%d@Example.com", round)}[i%2]}
		}
		var (
			wg       sync.WaitGroup
			start    = make(chan struct{})
			patchErr error
			won      []string
			errs     []error
		)
		wg.Go(func() {
			<-start
			_, patchErr = f.s.UpdateEnrollment(f.ctx, f.a, mover.ID, setEmail(email))
		})
		wg.Go(func() {
			<-start
			// Later by a little more each round, so that the update
			// wins some rounds and meets the creates in others.
			time.Sleep(time.Duration(round) * 50 * time.Microsecond)
			won, errs = f.createAtOnce(inst.ID, ins)
		})
		close(start)
		wg.Wait()
		holders := must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Email: email})).Data
		if len(holders) != 1 {
			t.Fatalf("round %d: %d open enrollments hold %s (update: %v; creates made %v)", round, len(holders), email, patchErr, won)
		}
		winner := holders[0].ID
		if patchErr == nil {
			updates++
			if winner != mover.ID || len(won) != 0 {
				t.Fatalf("round %d: update and creates %v both won", round, won)
			}
		} else {
			wantOpenConflict(t, patchErr, winner)
		}
		for _, err := range errs {
			wantOpenConflict(t, err, winner)
		}
	}
	t.Logf("the update won %d rounds of 12", updates)
}
