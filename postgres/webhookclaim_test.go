package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
)

// TestClaimLock holds one claim open between its leases and its commit,
// as a replica's claim is for a moment, and claims beside it, in the
// interleaving the claim's lock is for: the two count a workspace's
// leases before either commits, and pick different rows of it. The first
// endpoint's backlog comes first in due order: the held claim (4) finds
// enough at the front and leases the endpoint's first four; the second
// (5) does not (the endpoint's room is 4) and picks the first of each of
// the workspace's four endpoints, three of them rows the first did not
// lease. Without the lock, or with the endpoints locked instead of the
// workspace (as before the bound per workspace), it leases those three:
// 7 leases of a workspace whose bound is 6.
func TestClaimLock(t *testing.T) {
	t.Parallel()
	const perEndpoint, perWorkspace = 4, 6
	ctx := context.Background()
	db := openDB(t, newDatabase(t))
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "claims"}
	key, _ := enroll.NewAPIKey(ws.ID, "test", nil, nil, time.Now())
	if err := db.CreateWorkspace(ctx, ws, key); err != nil {
		t.Fatal(err)
	}
	a := enroll.Actor{WorkspaceID: ws.ID, KeyID: key.ID}
	p := &enroll.Program{Slug: "rebate", Name: "Rebate", Active: true}
	if err := db.CreateProgram(ctx, a, p); err != nil {
		t.Fatal(err)
	}
	inst := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "2026", Name: "2026", Status: enroll.InstanceActive}
	if err := db.CreateInstance(ctx, a, inst); err != nil {
		t.Fatal(err)
	}
	dispatch := func() {
		t.Helper()
		for {
			n, err := db.DispatchEvents(ctx, 100, 0)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				return
			}
		}
	}
	endpoint := func() {
		t.Helper()
		if err := db.CreateWebhookEndpoint(ctx, a, &enroll.WebhookEndpoint{URL: "https://hooks.example.com/" + enroll.NewID(), Enabled: true}); err != nil {
			t.Fatal(err)
		}
	}
	enrollSome := func(n int) {
		t.Helper()
		for range n {
			if _, err := db.CreateEnrollment(ctx, a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
				FirstName: "A", LastName: "B", Email: "c" + enroll.NewID()[16:] + "@example.com"}); err != nil {
				t.Fatal(err)
			}
		}
		dispatch()
	}
	dispatch()
	endpoint()
	enrollSome(6) // the first endpoint's alone: the front
	for range 3 {
		endpoint()
	}
	enrollSome(6) // every endpoint's

	held, commit, err := postgres.HoldClaim(ctx, db, time.Minute, 4, perEndpoint, perWorkspace)
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != 4 {
		commit()
		t.Fatalf("the held claim leased %d, want 4", len(held))
	}
	beside, err := db.ClaimWebhookDeliveries(ctx, time.Minute, 5, perEndpoint, perWorkspace)
	if err := commit(); err != nil {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if n := len(held) + len(beside); n > perWorkspace {
		t.Fatalf("two claims at once leased %d of one workspace (%d and %d), want at most %d", n, len(held), len(beside), perWorkspace)
	}
	// Once the first commits, the next claim sees its leases and takes
	// the workspace's last two.
	after, err := db.ClaimWebhookDeliveries(ctx, time.Minute, 5, perEndpoint, perWorkspace)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(held) + len(beside) + len(after); n != perWorkspace {
		t.Fatalf("after the commit the workspace holds %d leases, want %d", n, perWorkspace)
	}
}
