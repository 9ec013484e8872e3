package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
)

// replicas is two stores on one database, as two `enroll serve` processes
// would be, with a workspace to work in.
type replicas struct {
	t   *testing.T
	ctx context.Context
	dbs [2]*postgres.DB
	a   enroll.Actor
}

func newReplicas(t *testing.T) *replicas {
	t.Helper()
	url := newDatabase(t)
	r := &replicas{t: t, ctx: context.Background(), dbs: [2]*postgres.DB{openDB(t, url), openDB(t, url)}}
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "replicas"}
	key, _ := enroll.NewAPIKey(ws.ID, "test", nil, nil, time.Now())
	if err := r.dbs[0].CreateWorkspace(r.ctx, ws, key); err != nil {
		t.Fatal(err)
	}
	r.a = enroll.Actor{WorkspaceID: ws.ID, KeyID: key.ID, RequestID: "req_replicas"}
	return r
}

// instance creates an active instance without auto evaluation through the
// first replica.
func (r *replicas) instance(mutate ...func(*enroll.ProgramInstance)) *enroll.ProgramInstance {
	r.t.Helper()
	p := &enroll.Program{Slug: "p-" + enroll.NewID()[16:], Name: "P"}
	if err := r.dbs[0].CreateProgram(r.ctx, r.a, p); err != nil {
		r.t.Fatal(err)
	}
	in := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "2026", Name: "2026", Status: enroll.InstanceActive}
	for _, m := range mutate {
		m(in)
	}
	if err := r.dbs[0].CreateInstance(r.ctx, r.a, in); err != nil {
		r.t.Fatal(err)
	}
	return in
}

// enroll creates a customerInfo enrollment through replica i and moves it
// along path, alternating replicas.
func (r *replicas) enroll(i int, inst *enroll.ProgramInstance, email string, path ...enroll.Status) *enroll.Enrollment {
	r.t.Helper()
	e, err := r.dbs[i%2].CreateEnrollment(r.ctx, r.a, inst.ID, &enroll.EnrollmentCreate{
		IdentificationType: enroll.IdentifyByCustomerInfo, FirstName: "R", LastName: "R", Email: email})
	if err != nil {
		r.t.Fatal(err)
	}
	for j, to := range path {
		if e, err = r.dbs[(i+j+1)%2].UpdateEnrollment(r.ctx, r.a, e.ID, setStatus(to)); err != nil {
			r.t.Fatalf("move to %s: %v", to, err)
		}
	}
	return e
}

func setStatus(to enroll.Status) func(*enroll.Enrollment) error {
	return func(e *enroll.Enrollment) error {
		e.SetStatus(to, "")
		return nil
	}
}

// race runs n calls of fn at once, call i on replica i%2, and returns their
// errors by call.
func (r *replicas) race(n int, fn func(i int, db *postgres.DB) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i, r.dbs[i%2])
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// checkHistory fails unless e's history, read through both replicas, is a
// path through the workflow from creation to e's current status.
func (r *replicas) checkHistory(id string) []*enroll.StatusChange {
	r.t.Helper()
	var hs [2][]*enroll.StatusChange
	for i, db := range r.dbs {
		hs[i] = must(db.ListStatusChanges(r.ctx, r.a.WorkspaceID, id))
	}
	h := hs[0]
	if len(hs[1]) != len(h) {
		r.t.Fatalf("replicas see histories of %d and %d entries", len(h), len(hs[1]))
	}
	cur := must(r.dbs[1].FindEnrollment(r.ctx, r.a.WorkspaceID, id))
	if len(h) == 0 || h[0].From != "" || h[len(h)-1].To != cur.Eligibility.Status {
		r.t.Fatalf("history %+v does not end at %s", h, cur.Eligibility.Status)
	}
	for i := 1; i < len(h); i++ {
		if h[i].From != h[i-1].To || !enroll.CanTransition(h[i].From, h[i].To) {
			r.t.Fatalf("history is not a path at %d: %+v", i, h)
		}
	}
	return h
}

// TestReplicasTransitions sends concurrent conflicting transitions of one
// enrollment through two replicas: with If-Match (a version check in the
// callback, as the HTTP layer does) exactly one of the racers wins each step
// and the rest get EPRECONDITION; without it, exactly one of two
// incompatible decisions wins and the others get ECONFLICT.
func TestReplicasTransitions(t *testing.T) {
	t.Parallel()
	r := newReplicas(t)
	inst := r.instance()
	e := r.enroll(0, inst, "walk@example.com")
	const n = 12
	for _, to := range []enroll.Status{enroll.StatusEligible, enroll.StatusSubmitted, enroll.StatusApproved, enroll.StatusPaused,
		enroll.StatusApproved, enroll.StatusUnenrolled} {
		cur := must(r.dbs[1].FindEnrollment(r.ctx, r.a.WorkspaceID, e.ID))
		errs := r.race(n, func(i int, db *postgres.DB) error {
			_, err := db.UpdateEnrollment(r.ctx, r.a, e.ID, func(e *enroll.Enrollment) error {
				if e.ETag() != cur.ETag() {
					return enroll.Errorf(enroll.EPRECONDITION, "stale")
				}
				e.SetStatus(to, fmt.Sprintf("racer %d", i))
				return nil
			})
			return err
		})
		won := 0
		for _, err := range errs {
			switch code := enroll.ErrorCode(err); code {
			case "":
				won++
			case enroll.EPRECONDITION:
			default:
				t.Fatalf("→ %s: unexpected error %v", to, err)
			}
		}
		if won != 1 {
			t.Fatalf("→ %s: %d racers won, want 1", to, won)
		}
		if got := must(r.dbs[0].FindEnrollment(r.ctx, r.a.WorkspaceID, e.ID)); got.Eligibility.Status != to || got.Version != cur.Version+1 {
			t.Fatalf("→ %s: enrollment is %s at version %d", to, got.Eligibility.Status, got.Version)
		}
	}
	if h := r.checkHistory(e.ID); len(h) != 7 {
		t.Fatalf("history has %d entries, want 7", len(h))
	}

	// Incompatible decisions without If-Match: approve and reject race. The
	// first to commit decides; the other decision is then refused by the
	// workflow, and a repeat of the winning one is a no-op.
	for round := range 5 {
		d := r.enroll(round, inst, fmt.Sprintf("decide%d@example.com", round), enroll.StatusEligible, enroll.StatusSubmitted)
		before := len(r.checkHistory(d.ID))
		targets := []enroll.Status{enroll.StatusApproved, enroll.StatusRejected}
		results := make([]*enroll.Enrollment, n)
		errs := r.race(n, func(i int, db *postgres.DB) error {
			var err error
			results[i], err = db.UpdateEnrollment(r.ctx, r.a, d.ID, setStatus(targets[i%3%2]))
			return err
		})
		final := must(r.dbs[round%2].FindEnrollment(r.ctx, r.a.WorkspaceID, d.ID))
		for i, err := range errs {
			switch {
			case err == nil && results[i].Eligibility.Status != final.Eligibility.Status:
				t.Fatalf("racer %d succeeded with %s, enrollment is %s", i, results[i].Eligibility.Status, final.Eligibility.Status)
			case err != nil && enroll.ErrorCode(err) != enroll.ECONFLICT:
				t.Fatalf("racer %d: %v", i, err)
			case err != nil && targets[i%3%2] == final.Eligibility.Status:
				t.Fatalf("racer %d asked for the winning status and failed: %v", i, err)
			}
		}
		if h := r.checkHistory(d.ID); len(h) != before+1 {
			t.Fatalf("history grew by %d entries, want 1", len(h)-before)
		}
	}
}

// TestReplicasDuplicateCreates creates one new customer's enrollment many
// times at once through two replicas: exactly one create succeeds, the
// others are ECONFLICT naming it, never an internal error, and there is one
// customer. Each replica reads the other's writes at once.
func TestReplicasDuplicateCreates(t *testing.T) {
	t.Parallel()
	r := newReplicas(t)
	inst := r.instance()
	const n = 16
	for round := range 8 {
		email := fmt.Sprintf("Dup%d@Example.com", round)
		created := make([]*enroll.Enrollment, n)
		errs := r.race(n, func(i int, db *postgres.DB) error {
			var err error
			created[i], err = db.CreateEnrollment(r.ctx, r.a, inst.ID, &enroll.EnrollmentCreate{
				IdentificationType: enroll.IdentifyByCustomerInfo, FirstName: "D", LastName: "D", Email: email})
			return err
		})
		var winner *enroll.Enrollment
		for i, err := range errs {
			if err == nil {
				if winner != nil {
					t.Fatalf("round %d: two creates succeeded: %s and %s", round, winner.ID, created[i].ID)
				}
				winner = created[i]
			}
		}
		if winner == nil {
			t.Fatalf("round %d: no create succeeded: %v", round, errs)
		}
		for i, err := range errs {
			if err == nil {
				continue
			}
			e, ok := err.(*enroll.Error)
			if !ok || e.Code != enroll.ECONFLICT || e.Extra["existingId"] != winner.ID {
				t.Fatalf("round %d, racer %d: %v (extra %v), want ECONFLICT naming %s", round, i, err, e, winner.ID)
			}
		}
		for _, db := range r.dbs {
			if got := must(db.FindEnrollment(r.ctx, r.a.WorkspaceID, winner.ID)); got.CustomerID != winner.CustomerID {
				t.Fatalf("round %d: replica reads customer %s, want %s", round, got.CustomerID, winner.CustomerID)
			}
			if pg := must(db.ListCustomers(r.ctx, r.a.WorkspaceID, enroll.CustomerFilter{Email: email})); pg.TotalItems != 1 {
				t.Fatalf("round %d: %d customers with the email", round, pg.TotalItems)
			}
		}
	}
	counts := must(r.dbs[1].CountEnrollments(r.ctx, r.a.WorkspaceID, inst.ID))
	if counts[enroll.StatusCandidate] != 8 {
		t.Fatalf("counts = %v, want 8 candidates", counts)
	}

	// Creating customers directly races the same way.
	errs := r.race(n, func(i int, db *postgres.DB) error {
		return db.CreateCustomer(r.ctx, r.a, &enroll.Customer{FirstName: "C", LastName: "C", Email: "direct@example.com"})
	})
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else if e, ok := err.(*enroll.Error); !ok || e.Code != enroll.ECONFLICT || e.Extra["existingId"] == nil {
			t.Fatalf("CreateCustomer: %v, want ECONFLICT naming the customer", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d CreateCustomer calls succeeded, want 1", won)
	}
}

// TestReplicasCapacity approves many enrollments at once through two
// replicas: the capacity is never exceeded, paused enrollments keep their
// place, and a place freed by an unenrollment goes to exactly one racer.
func TestReplicasCapacity(t *testing.T) {
	t.Parallel()
	r := newReplicas(t)
	const capacity = 3
	inst := r.instance(func(in *enroll.ProgramInstance) { in.Capacity = new(int); *in.Capacity = capacity })
	var subs []*enroll.Enrollment
	for i := range 14 {
		subs = append(subs, r.enroll(i, inst, fmt.Sprintf("cap%02d@example.com", i), enroll.StatusEligible, enroll.StatusSubmitted))
	}
	approveAll := func(es []*enroll.Enrollment) (approved []*enroll.Enrollment) {
		var mu sync.Mutex
		errs := r.race(len(es), func(i int, db *postgres.DB) error {
			e, err := db.UpdateEnrollment(r.ctx, r.a, es[i].ID, setStatus(enroll.StatusApproved))
			if err == nil {
				mu.Lock()
				approved = append(approved, e)
				mu.Unlock()
			}
			return err
		})
		for _, err := range errs {
			if err != nil && enroll.ErrorCode(err) != enroll.ECONFLICT {
				t.Fatalf("approve: %v", err)
			}
		}
		return approved
	}
	approvedOrPaused := func() int {
		c := must(r.dbs[0].CountEnrollments(r.ctx, r.a.WorkspaceID, inst.ID))
		return c[enroll.StatusApproved] + c[enroll.StatusPaused]
	}

	approved := approveAll(subs[:10])
	if len(approved) != capacity || approvedOrPaused() != capacity {
		t.Fatalf("%d approvals succeeded (%d counted), capacity %d", len(approved), approvedOrPaused(), capacity)
	}
	var pending []*enroll.Enrollment // still submitted
	for _, e := range subs {
		if !slices.ContainsFunc(approved, func(a *enroll.Enrollment) bool { return a.ID == e.ID }) {
			pending = append(pending, e)
		}
	}
	// A paused enrollment keeps its place: still full.
	must(r.dbs[1].UpdateEnrollment(r.ctx, r.a, approved[0].ID, setStatus(enroll.StatusPaused)))
	if got := approveAll(pending); len(got) != 0 {
		t.Fatalf("%d approvals succeeded with the instance full of approved and paused", len(got))
	}
	// Freed places go to exactly that many racers, while others pause and
	// resume concurrently.
	must(r.dbs[0].UpdateEnrollment(r.ctx, r.a, approved[1].ID, setStatus(enroll.StatusUnenrolled)))
	must(r.dbs[1].UpdateEnrollment(r.ctx, r.a, approved[0].ID, setStatus(enroll.StatusUnenrolled)))
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 6 {
			to := []enroll.Status{enroll.StatusPaused, enroll.StatusApproved}[i%2]
			if _, err := r.dbs[i%2].UpdateEnrollment(r.ctx, r.a, approved[2].ID, setStatus(to)); err != nil {
				t.Errorf("pause/resume: %v", err)
			}
		}
	})
	late := approveAll(pending)
	wg.Wait()
	if len(late) != 2 || approvedOrPaused() != capacity {
		t.Fatalf("%d approvals took 2 freed places (%d counted)", len(late), approvedOrPaused())
	}
}

// TestReplicasIdempotency claims one Idempotency-Key many times at once
// through two replicas (exactly one claim wins), then lets a claim's lease
// run out: the takeover through the other replica fences the first
// holder's work out, and only the new holder's work commits.
func TestReplicasIdempotency(t *testing.T) {
	t.Parallel()
	r := newReplicas(t)
	ws := r.a.WorkspaceID
	const n = 16
	claimed := make([]bool, n)
	errs := r.race(n, func(i int, db *postgres.DB) error {
		var err error
		_, claimed[i], err = db.ClaimIdempotencyKey(r.ctx, ws, "race", "h", time.Minute)
		return err
	})
	won := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("claim %d: %v", i, err)
		}
		if claimed[i] {
			won++
		}
	}
	if won != 1 {
		t.Fatalf("%d concurrent claims won, want 1", won)
	}

	first, ok, err := r.dbs[0].ClaimIdempotencyKey(r.ctx, ws, "lease", "h", time.Minute)
	if err != nil || !ok {
		t.Fatalf("claim: %v, %v", ok, err)
	}
	time.Sleep(10 * time.Millisecond)
	second, ok, err := r.dbs[1].ClaimIdempotencyKey(r.ctx, ws, "lease", "h", time.Millisecond)
	if err != nil || !ok || second.Token == first.Token {
		t.Fatalf("takeover: %+v, %v, %v", second, ok, err)
	}
	with := func(rec *enroll.IdempotencyRecord) context.Context {
		return enroll.NewContextWithIdempotencyClaim(r.ctx, &enroll.IdempotencyClaim{WorkspaceID: ws, Key: rec.Key, Token: rec.Token, Creates: enroll.KindProgram})
	}
	late := &enroll.Program{Slug: "late", Name: "Late"}
	if err := r.dbs[0].CreateProgram(with(first), r.a, late); enroll.ErrorCode(err) != enroll.ECONFLICT {
		t.Fatalf("the fenced-out holder's work: %v, want ECONFLICT", err)
	}
	if _, err := r.dbs[1].FindProgram(r.ctx, ws, "late"); enroll.ErrorCode(err) != enroll.ENOTFOUND {
		t.Fatalf("the fenced-out work was stored: %v", err)
	}
	p := &enroll.Program{Slug: "late", Name: "Late"}
	if err := r.dbs[1].CreateProgram(with(second), r.a, p); err != nil {
		t.Fatal(err)
	}
	rec, ok, err := r.dbs[0].ClaimIdempotencyKey(r.ctx, ws, "lease", "h", time.Millisecond)
	if err != nil || ok || rec.State != enroll.IdempotencyCommitted || rec.ObjectID != p.ID {
		t.Fatalf("after the work: %+v, %v, %v", rec, ok, err)
	}
}
