package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/rules"
)

// TestStalledReplicaReleasesDispatch freezes one replica in the middle
// of a dispatch, holding the dispatch lock in an idle transaction, as a
// paused VM, a stopped process or a network partition leaves it (in a
// hunt, SIGSTOP of one of three replicas stopped every replica's webhooks
// and ?after= polls: 5,308 events waited, unpublished, for as long as it
// was stopped). The server must end such a transaction, as it ends a
// statement that runs too long, so that the other replicas dispatch
// again: within about the statement timeout here.
func TestStalledReplicaReleasesDispatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := newDatabase(t)
	frozen, err := postgres.Open(ctx, postgres.Config{URL: url, Engine: rules.New(), MaxConns: 2, StatementTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { frozen.Close() })
	live := openDB(t, url)
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "stall"}
	key, _ := enroll.NewAPIKey(ws.ID, "test", nil, nil, time.Now())
	if err := live.CreateWorkspace(ctx, ws, key); err != nil {
		t.Fatal(err)
	}
	a := enroll.Actor{WorkspaceID: ws.ID, KeyID: key.ID}
	resume, err := postgres.StallInDispatch(ctx, frozen)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resume() }()
	if err := live.CreateProgram(ctx, a, &enroll.Program{Slug: "rebate", Name: "Rebate", Active: true}); err != nil {
		t.Fatal(err)
	}
	// The transaction ends about a second in; a frozen replica that
	// kept it would stop the live one for good, which a generous
	// deadline still tells apart on a loaded machine.
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, err := live.DispatchEvents(ctx, 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a replica frozen mid-dispatch keeps every other replica from dispatching")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := resume(); err == nil {
		t.Fatal("the frozen replica's dispatch transaction committed after the others went on")
	}
}
