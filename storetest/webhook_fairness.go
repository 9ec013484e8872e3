package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// busyWorkspace queues a backlog in f's workspace: endpoints endpoints,
// and enrollments enrollments whose enrollment.created events each go to
// every endpoint. With first, the first endpoint alone receives the
// first first enrollments, so its backlog comes first in due order.
func (f *webhookFixture) busyWorkspace(endpoints, first, enrollments int) []*enroll.WebhookEndpoint {
	f.t.Helper()
	inst := f.instance(noAutoEvaluate)
	f.dispatchAll() // the instance's events, before any endpoint
	eps := []*enroll.WebhookEndpoint{f.endpoint()}
	for i := 0; i < enrollments; i++ {
		if i == first {
			f.dispatchAll()
			for len(eps) < endpoints {
				eps = append(eps, f.endpoint())
			}
		}
		f.enroll(inst, "busy"+enroll.NewID()[16:]+"@example.com")
	}
	f.dispatchAll()
	return eps
}

// quietWorkspace makes another workspace on f's store with one endpoint
// and one enrollment queued for it, after f's backlog in due order.
func (f *webhookFixture) quietWorkspace() (*fixture, *enroll.WebhookEndpoint) {
	f.t.Helper()
	other := newFixtureOn(f.t, f.s)
	inst := other.instance(noAutoEvaluate)
	f.dispatchAll()
	quiet := &enroll.WebhookEndpoint{URL: "https://hooks.example.com/quiet", Enabled: true}
	if err := f.ws.CreateWebhookEndpoint(f.ctx, other.a, quiet); err != nil {
		f.t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond) // due strictly after f's backlog
	other.enroll(inst, "quiet@example.com")
	f.dispatchAll()
	return other, quiet
}

// byWorkspace counts jobs by workspace.
func byWorkspace(jobs []*enroll.WebhookJob) map[string]int {
	n := map[string]int{}
	for _, j := range jobs {
		n[j.Delivery.WorkspaceID]++
	}
	return n
}

// testWebhookWorkspaceCap checks ClaimWebhookDeliveries' bound per
// workspace. A workspace whose backlog over several endpoints comes first
// in due order and exceeds every claim (an import's events to each of its
// endpoints) holds at most perWorkspace leases, so a second workspace's
// one due delivery, queued after the backlog, is claimed within the first
// claims, not once the backlog has drained; a lone workspace still gets
// perWorkspace at once; the bound counts expired leases out and finished
// attempts make room.
func testWebhookWorkspaceCap(t *testing.T, newStore Factory) {
	const perEndpoint, perWorkspace, limit = 8, 6, 4
	f := newWebhookFixture(t, newStore)
	f.dispatchAll()
	eps := f.busyWorkspace(4, 0, 10) // 40 due, 8 a claim may take of each endpoint
	claim := func(lease time.Duration, limit int) []*enroll.WebhookJob {
		t.Helper()
		return must(f.ws.ClaimWebhookDeliveries(f.ctx, lease, limit, perEndpoint, perWorkspace))
	}
	// Alone, the workspace gets perWorkspace at once, from every endpoint.
	jobs := claim(300*time.Millisecond, 100)
	if n := byWorkspace(jobs)[f.a.WorkspaceID]; n != perWorkspace {
		t.Fatalf("a lone workspace's claim of 100 leased %d, want %d", n, perWorkspace)
	}
	time.Sleep(400 * time.Millisecond) // those leases expire: they do not count

	other, _ := f.quietWorkspace()
	var busy []*enroll.WebhookJob
	claimed := 0
	for i := 1; i <= 3 && claimed == 0; i++ {
		jobs := claim(time.Minute, limit)
		n := byWorkspace(jobs)
		claimed = n[other.a.WorkspaceID]
		for _, j := range jobs {
			if j.Delivery.WorkspaceID == f.a.WorkspaceID {
				busy = append(busy, j)
			}
		}
		if len(busy) > perWorkspace {
			t.Fatalf("claim %d: the busy workspace holds %d leases, want at most %d", i, len(busy), perWorkspace)
		}
	}
	if claimed != 1 {
		t.Fatalf("the quiet workspace's delivery was not claimed within 3 claims of %d (the busy one holds %d, %d due)", limit, len(busy), 40)
	}
	if jobs := claim(time.Minute, 100); len(jobs) != perWorkspace-len(busy) {
		t.Fatalf("a claim of 100 leased %v, want the busy workspace's last %d", byWorkspace(jobs), perWorkspace-len(busy))
	} else {
		busy = append(busy, jobs...)
	}
	if jobs := claim(time.Minute, 100); len(jobs) != 0 {
		t.Fatalf("a claim leased %v past the busy workspace's bound", byWorkspace(jobs))
	}
	// A finished attempt makes room for one more, of any endpoint.
	if _, err := f.ws.FinishWebhookDelivery(f.ctx, busy[0], ok200(time.Now())); err != nil {
		t.Fatal(err)
	}
	if jobs := claim(time.Minute, 100); byWorkspace(jobs)[f.a.WorkspaceID] != 1 || len(jobs) != 1 {
		t.Fatalf("after one finished, claimed %v, want 1 of the busy workspace", byWorkspace(jobs))
	}
	perEp := map[string]int{}
	for _, j := range busy {
		perEp[j.Delivery.EndpointID]++
	}
	if len(perEp) < 2 {
		t.Fatalf("the busy workspace's leases are all of one endpoint of %d: %v", len(eps), perEp)
	}
}

// testWebhookWorkspaceCapConcurrent runs claims at once, as replicas make
// them, on a workspace whose first endpoint's backlog comes first and
// whose three others' follow: a claim that finds enough at the front
// leases that endpoint's first ones, a claim that does not (its limit
// passes the endpoint's room) leases the first of each endpoint, so two
// claims pick different rows of one workspace. Between them they never
// lease past perWorkspace.
func testWebhookWorkspaceCapConcurrent(t *testing.T, newStore Factory) {
	const perEndpoint, perWorkspace = 4, 6
	f := newWebhookFixture(t, newStore)
	f.dispatchAll()
	f.busyWorkspace(4, 6, 12)
	for round := 0; round < 8; round++ {
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			held []*enroll.WebhookJob
		)
		for i := 0; i < 6; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Limits 4 (the front: the first endpoint's first four)
				// and 5 (the front falls short: the first of each).
				jobs, err := f.ws.ClaimWebhookDeliveries(f.ctx, time.Minute, 4+i%2, perEndpoint, perWorkspace)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				held = append(held, jobs...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		if len(held) < 1 || len(held) > perWorkspace {
			t.Fatalf("round %d: concurrent claims leased %d of one workspace, want 1 to %d", round, len(held), perWorkspace)
		}
		perEp := map[string]int{}
		for _, j := range held {
			if perEp[j.Delivery.EndpointID]++; perEp[j.Delivery.EndpointID] > perEndpoint {
				t.Fatalf("round %d: endpoint %s holds %d leases, want at most %d", round, j.Delivery.EndpointID, perEp[j.Delivery.EndpointID], perEndpoint)
			}
		}
		// Let them go again, each
		for _, j := range held {
			// due when it was, so every round finds the same queue.
			retry := enroll.DeliveryOutcome{Attempt: enroll.DeliveryAttempt{At: time.Now(), StatusCode: 503},
				Status: enroll.DeliveryPending, NextAttemptAt: j.Delivery.NextAttemptAt}
			if _, err := f.ws.FinishWebhookDelivery(f.ctx, j, retry); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// testWebhookWorkspaceOrder checks the order of a claim made endpoint by
// endpoint (the queue's front is one endpoint's backlog, beyond its
// room): the first of every workspace before the second of any, so that
// a workspace with many endpoints, below its bound, does not fill a claim
// before another workspace's first delivery, due later.
func testWebhookWorkspaceOrder(t *testing.T, newStore Factory) {
	const perEndpoint, perWorkspace = 2, 100
	f := newWebhookFixture(t, newStore)
	f.dispatchAll()
	f.busyWorkspace(4, 8, 12) // the first endpoint's 8 first, then 4 of each
	other, _ := f.quietWorkspace()
	// A workspace at its bound leaves the rest of the claim to the next
	// workspace with due deliveries, however many of its own come first.
	jobs := must(f.ws.ClaimWebhookDeliveries(f.ctx, 300*time.Millisecond, 4, 100, 1))
	if n := byWorkspace(jobs); len(jobs) != 2 || n[f.a.WorkspaceID] != 1 || n[other.a.WorkspaceID] != 1 {
		t.Fatalf("a claim of 4 at 1 a workspace leased %v, want 1 of each workspace", n)
	}
	time.Sleep(400 * time.Millisecond) // those leases expire
	jobs = must(f.ws.ClaimWebhookDeliveries(f.ctx, time.Minute, 3, perEndpoint, perWorkspace))
	if n := byWorkspace(jobs); len(jobs) != 3 || n[other.a.WorkspaceID] != 1 {
		t.Fatalf("a claim of 3 endpoint by endpoint leased %v, want the other workspace's first among them", n)
	}
}
