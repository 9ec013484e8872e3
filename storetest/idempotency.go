package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// lease is long enough that no claim in these tests expires unless a test
// waits for it.
const lease = time.Minute

// testIdempotency checks the store's half of the Idempotency-Key protocol:
// claims, the claim committed by the work's own transaction with the id of
// the object it created, fencing after a takeover, completion, release,
// expiry and isolation.
func testIdempotency(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	is, ok := f.s.(enroll.IdempotencyStore)
	if !ok {
		t.Skip("the store does not implement enroll.IdempotencyStore")
	}
	ws := f.a.WorkspaceID
	claim := func(key, hash string, lease time.Duration) (*enroll.IdempotencyRecord, bool) {
		t.Helper()
		rec, claimed, err := is.ClaimIdempotencyKey(f.ctx, ws, key, hash, lease)
		if err != nil {
			t.Fatalf("ClaimIdempotencyKey(%s): %v", key, err)
		}
		return rec, claimed
	}
	// with returns a context whose writes commit rec's claim.
	with := func(rec *enroll.IdempotencyRecord, kind enroll.ObjectKind) context.Context {
		return enroll.NewContextWithIdempotencyClaim(f.ctx, &enroll.IdempotencyClaim{WorkspaceID: ws, Key: rec.Key, Token: rec.Token, Creates: kind})
	}

	t.Run("claim, then the same key again", func(t *testing.T) {
		rec, claimed := claim("k-claim", "h1", lease)
		if !claimed || rec.State != enroll.IdempotencyInProgress || rec.Token == "" || rec.RequestHash != "h1" || rec.CreatedAt.IsZero() {
			t.Fatalf("first claim = %+v, %v", rec, claimed)
		}
		again, claimed := claim("k-claim", "h1", lease)
		if claimed || again.Token != rec.Token || again.State != enroll.IdempotencyInProgress {
			t.Fatalf("second claim = %+v, %v", again, claimed)
		}
		other, claimed := claim("k-claim", "h2", lease)
		if claimed || other.RequestHash != "h1" {
			t.Fatalf("claim with another hash = %+v, %v; want the record as it is", other, claimed)
		}
	})

	t.Run("invalid claims", func(t *testing.T) {
		for _, c := range []struct {
			key, hash string
			lease     time.Duration
		}{{"", "h", lease}, {"k\n", "h", lease}, {"k", "", lease}, {"k", "h", 0}} {
			_, _, err := is.ClaimIdempotencyKey(f.ctx, ws, c.key, c.hash, c.lease)
			wantCode(t, err, enroll.EINVALID)
		}
	})

	t.Run("the work commits the claim with the object it created", func(t *testing.T) {
		inst := f.instance(noAutoEvaluate)
		for _, tc := range []struct {
			kind enroll.ObjectKind
			work func(ctx context.Context) (string, error)
		}{
			{enroll.KindProgram, func(ctx context.Context) (string, error) {
				p := &enroll.Program{Slug: "idem-program", Name: "P", Active: true}
				err := f.s.CreateProgram(ctx, f.a, p)
				return p.ID, err
			}},
			{enroll.KindInstance, func(ctx context.Context) (string, error) {
				in := &enroll.ProgramInstance{ProgramID: inst.ProgramID, Slug: "idem", Name: "I", Status: enroll.InstanceActive}
				err := f.s.CreateInstance(ctx, f.a, in)
				return in.ID, err
			}},
			{enroll.KindCustomer, func(ctx context.Context) (string, error) {
				c := &enroll.Customer{FirstName: "I", LastName: "D", Email: "idem-customer@example.com"}
				err := f.s.CreateCustomer(ctx, f.a, c)
				return c.ID, err
			}},
			{enroll.KindLead, func(ctx context.Context) (string, error) {
				l := &enroll.Lead{Email: "idem-lead@example.com"}
				err := f.s.CreateLead(ctx, f.a, l)
				return l.ID, err
			}},
			{enroll.KindEnrollment, func(ctx context.Context) (string, error) {
				// customerInfo inserts a customer too: the enrollment is the object.
				e, err := f.s.CreateEnrollment(ctx, f.a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
					FirstName: "I", LastName: "E", Email: "idem-enrollment@example.com"})
				if err != nil {
					return "", err
				}
				return e.ID, nil
			}},
			{enroll.KindAPIKey, func(ctx context.Context) (string, error) {
				k, _ := enroll.NewAPIKey(ws, "idem", nil, nil, time.Now())
				err := f.s.CreateAPIKey(ctx, f.a, k)
				return k.ID, err
			}},
		} {
			key := "k-work-" + string(tc.kind)
			rec, _ := claim(key, "h", lease)
			id, err := tc.work(with(rec, tc.kind))
			if err != nil {
				t.Fatalf("%s: %v", tc.kind, err)
			}
			got, claimed := claim(key, "h", lease)
			if claimed || got.State != enroll.IdempotencyCommitted || got.ObjectID != id || got.Token != rec.Token {
				t.Fatalf("%s: after the work the record is %+v, want committed with object %s", tc.kind, got, id)
			}
		}
	})

	t.Run("an update commits the claim without an object", func(t *testing.T) {
		inst := f.instance(noAutoEvaluate)
		e := f.enroll(inst, "idem-update@example.com")
		rec, _ := claim("k-update", "h", lease)
		if _, err := f.s.EvaluateEnrollment(with(rec, ""), f.a, e.ID, nil); err != nil {
			t.Fatal(err)
		}
		got, _ := claim("k-update", "h", lease)
		if got.State != enroll.IdempotencyCommitted || got.ObjectID != "" {
			t.Fatalf("record = %+v", got)
		}
		// One claim guards one write: a second write with it is refused.
		before := must(f.s.FindEnrollment(f.ctx, ws, e.ID))
		_, err := f.s.UpdateEnrollment(with(rec, ""), f.a, e.ID, setStatus(enroll.StatusIneligible, ""))
		wantCode(t, err, enroll.ECONFLICT)
		if after := must(f.s.FindEnrollment(f.ctx, ws, e.ID)); after.ETag() != before.ETag() {
			t.Fatalf("the refused write changed the enrollment: %s → %s", before.Eligibility.Status, after.Eligibility.Status)
		}
	})

	t.Run("failed work leaves the claim in progress", func(t *testing.T) {
		f.program("idem-taken")
		rec, _ := claim("k-fail", "h", lease)
		err := f.s.CreateProgram(with(rec, enroll.KindProgram), f.a, &enroll.Program{Slug: "idem-taken", Name: "x", Active: true})
		wantCode(t, err, enroll.ECONFLICT)
		if got, _ := claim("k-fail", "h", lease); got.State != enroll.IdempotencyInProgress {
			t.Fatalf("record = %+v", got)
		}
	})

	t.Run("takeover fences the first holder out", func(t *testing.T) {
		first, _ := claim("k-takeover", "h", lease)
		time.Sleep(20 * time.Millisecond)
		if _, claimed := claim("k-takeover", "other-hash", time.Millisecond); claimed {
			t.Fatal("a request with another hash took the claim over")
		}
		second, claimed := claim("k-takeover", "h", time.Millisecond)
		if !claimed || second.Token == first.Token || !second.LockedAt.After(first.LockedAt) || !second.CreatedAt.Equal(first.CreatedAt) {
			t.Fatalf("takeover = %+v, %v (first %+v)", second, claimed, first)
		}
		// The first holder's work arrives late: refused, nothing written.
		err := f.s.CreateProgram(with(first, enroll.KindProgram), f.a, &enroll.Program{Slug: "idem-late", Name: "x", Active: true})
		wantCode(t, err, enroll.ECONFLICT)
		_, err = f.s.FindProgram(f.ctx, ws, "idem-late")
		wantCode(t, err, enroll.ENOTFOUND)
		err = is.CompleteIdempotencyKey(f.ctx, ws, "k-takeover", first.Token, &enroll.IdempotentResponse{Status: 201})
		wantCode(t, err, enroll.ECONFLICT)
		// The new holder's work goes through.
		p := &enroll.Program{Slug: "idem-late", Name: "x", Active: true}
		if err := f.s.CreateProgram(with(second, enroll.KindProgram), f.a, p); err != nil {
			t.Fatal(err)
		}
		if got, _ := claim("k-takeover", "h", lease); got.State != enroll.IdempotencyCommitted || got.ObjectID != p.ID {
			t.Fatalf("record = %+v", got)
		}
		// Committed work is never taken over, however old.
		time.Sleep(5 * time.Millisecond)
		if _, claimed := claim("k-takeover", "h", time.Millisecond); claimed {
			t.Fatal("a committed claim was taken over")
		}
	})

	t.Run("complete stores the response", func(t *testing.T) {
		rec, _ := claim("k-complete", "h", lease)
		p := &enroll.Program{Slug: "idem-complete", Name: "x", Active: true}
		if err := f.s.CreateProgram(with(rec, enroll.KindProgram), f.a, p); err != nil {
			t.Fatal(err)
		}
		resp := &enroll.IdempotentResponse{Status: 201, Header: map[string]string{"Location": "/v1/programs/" + p.ID, "Content-Type": "application/json"},
			Body: []byte(`{"id":"` + p.ID + `"}`)}
		if err := is.CompleteIdempotencyKey(f.ctx, ws, "k-complete", rec.Token, resp); err != nil {
			t.Fatal(err)
		}
		got, claimed := claim("k-complete", "h", time.Millisecond)
		if claimed || got.State != enroll.IdempotencyCompleted || got.Response == nil || got.Response.Status != 201 ||
			got.Response.Header["Location"] != resp.Header["Location"] || string(got.Response.Body) != string(resp.Body) || got.ObjectID != p.ID {
			t.Fatalf("record = %+v (response %+v)", got, got.Response)
		}
		wantCode(t, is.CompleteIdempotencyKey(f.ctx, ws, "k-complete", rec.Token, resp), enroll.ECONFLICT)
		wantCode(t, is.CompleteIdempotencyKey(f.ctx, ws, "k-missing", rec.Token, resp), enroll.ENOTFOUND)

		// A request that failed without writing stores its response too.
		failed, _ := claim("k-complete-4xx", "h", lease)
		if err := is.CompleteIdempotencyKey(f.ctx, ws, "k-complete-4xx", failed.Token, &enroll.IdempotentResponse{Status: 422, Body: []byte("{}")}); err != nil {
			t.Fatal(err)
		}
		if got, _ := claim("k-complete-4xx", "h", lease); got.State != enroll.IdempotencyCompleted || got.Response.Status != 422 || len(got.Response.Header) != 0 {
			t.Fatalf("record = %+v", got)
		}
	})

	t.Run("release", func(t *testing.T) {
		rec, _ := claim("k-release", "h", lease)
		if err := is.ReleaseIdempotencyKey(f.ctx, ws, "k-release", "not-the-token"); err != nil {
			t.Fatal(err)
		}
		if got, claimed := claim("k-release", "h", lease); claimed || got.Token != rec.Token {
			t.Fatal("release with another token released the claim")
		}
		if err := is.ReleaseIdempotencyKey(f.ctx, ws, "k-release", rec.Token); err != nil {
			t.Fatal(err)
		}
		again, claimed := claim("k-release", "other", lease)
		if !claimed || again.Token == rec.Token || again.RequestHash != "other" {
			t.Fatalf("after release: %+v, %v", again, claimed)
		}
		// A committed claim is never released: its work is done.
		if err := f.s.CreateLead(with(again, enroll.KindLead), f.a, &enroll.Lead{Email: "release@example.com"}); err != nil {
			t.Fatal(err)
		}
		if err := is.ReleaseIdempotencyKey(f.ctx, ws, "k-release", again.Token); err != nil {
			t.Fatal(err)
		}
		if got, _ := claim("k-release", "other", lease); got.State != enroll.IdempotencyCommitted {
			t.Fatalf("a committed claim was released: %+v", got)
		}
		if err := is.ReleaseIdempotencyKey(f.ctx, ws, "k-never-claimed", "t"); err != nil {
			t.Fatalf("release of a missing key: %v", err)
		}
	})

	t.Run("concurrent claims", func(t *testing.T) {
		var (
			wg  sync.WaitGroup
			mu  sync.Mutex
			won int
		)
		for range 16 {
			wg.Go(func() {
				_, claimed, err := is.ClaimIdempotencyKey(f.ctx, ws, "k-race", "h", lease)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				defer mu.Unlock()
				if claimed {
					won++
				}
			})
		}
		wg.Wait()
		if won != 1 {
			t.Fatalf("%d concurrent claims won, want 1", won)
		}
	})

	t.Run("isolation", func(t *testing.T) {
		other := newFixtureOn(t, f.s)
		mine, _ := claim("k-shared", "h", lease)
		theirs, claimed, err := is.ClaimIdempotencyKey(f.ctx, other.a.WorkspaceID, "k-shared", "h", lease)
		if err != nil || !claimed || theirs.Token == mine.Token || theirs.WorkspaceID != other.a.WorkspaceID {
			t.Fatalf("the same key in another workspace: %+v, %v, %v", theirs, claimed, err)
		}
		// A claim of one workspace cannot commit in another.
		cross := enroll.NewContextWithIdempotencyClaim(f.ctx, &enroll.IdempotencyClaim{WorkspaceID: ws, Key: "k-shared", Token: theirs.Token})
		err = f.s.CreateLead(cross, f.a, &enroll.Lead{Email: "cross@example.com"})
		wantCode(t, err, enroll.ECONFLICT)
		wantCode(t, is.CompleteIdempotencyKey(f.ctx, ws, "k-shared", theirs.Token, &enroll.IdempotentResponse{Status: 200}), enroll.ECONFLICT)
	})

	t.Run("expiry", func(t *testing.T) {
		claim("k-expire", "h", lease)
		n, err := is.DeleteExpiredIdempotencyKeys(f.ctx, time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if _, claimed := claim("k-expire", "h", lease); claimed {
			t.Fatalf("a fresh record was deleted (%d deleted)", n)
		}
		n, err = is.DeleteExpiredIdempotencyKeys(f.ctx, time.Now().Add(time.Hour))
		if err != nil || n == 0 {
			t.Fatalf("DeleteExpiredIdempotencyKeys = %d, %v", n, err)
		}
		if rec, claimed := claim("k-expire", "h2", lease); !claimed || rec.RequestHash != "h2" {
			t.Fatalf("after expiry: %+v, %v", rec, claimed)
		}
	})
}
