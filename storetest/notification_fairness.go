package storetest

import (
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// ExerciseNotificationFairness runs the checks of how ClaimNotifications
// shares the sender between workspaces against stores made by newStore.
func ExerciseNotificationFairness(t *testing.T, newStore Factory) {
	t.Run("NotificationWorkspaceFairness", func(t *testing.T) { t.Parallel(); testNotificationWorkspaceFairness(t, newStore) })
}

// queueNotifications queues n notifications in f's workspace, all for
// one status change: one to the participant and n-1 to administrators.
func (f *notificationFixture) queueNotifications(n int) {
	f.t.Helper()
	inst := f.instance()
	admins := make([]string, n-1)
	for i := range admins {
		admins[i] = "admin" + enroll.NewID()[16:] + "@example.com"
	}
	if err := f.ns.PutNotificationSettings(f.ctx, f.a, &enroll.NotificationSettings{ProgramInstanceID: inst.ID, Enabled: true,
		AdminEmails: admins}, nil); err != nil {
		f.t.Fatal(err)
	}
	f.template(inst.ID, enroll.StatusEligible)
	f.template(inst.ID, enroll.StatusEligible, func(t *enroll.NotificationTemplate) { t.Audience = enroll.AudienceAdministrators })
	f.enroll(inst, "fair"+enroll.NewID()[16:]+"@example.com")
	f.dispatchAll()
}

// byNotificationWorkspace counts notifications by workspace.
func byNotificationWorkspace(ns []*enroll.Notification) map[string]int {
	n := map[string]int{}
	for _, x := range ns {
		n[x.WorkspaceID]++
	}
	return n
}

// testNotificationWorkspaceFairness checks that a workspace's backlog,
// first in due order (an import notifying many administrators), does not
// hold back another workspace's messages queued after it: a claim takes
// the first of each workspace before the second of any, and counts the
// leases a workspace holds already, so that a sender whose slots free one
// at a time gives the next to the workspace holding fewest. A lone
// workspace still gets every slot.
func testNotificationWorkspaceFairness(t *testing.T, newStore Factory) {
	busy := newNotificationFixture(t, newStore)
	busy.queueNotifications(12)
	other := func() *notificationFixture {
		time.Sleep(2 * time.Millisecond) // due strictly after the backlog
		f := &notificationFixture{webhookFixture: &webhookFixture{fixture: newFixtureOn(t, busy.s), ws: busy.ws}, ns: busy.ns}
		f.queueNotifications(1)
		return f
	}
	quiet, late := other(), other()
	claim := func(limit int) []*enroll.Notification {
		t.Helper()
		return must(busy.ns.ClaimNotifications(busy.ctx, time.Minute, limit))
	}

	got := byNotificationWorkspace(claim(4))
	if got[quiet.a.WorkspaceID] != 1 || got[late.a.WorkspaceID] != 1 || got[busy.a.WorkspaceID] != 2 {
		t.Fatalf("a claim of 4 behind a backlog of 12 took %v by workspace, want the quiet workspaces' 1 each and 2 of the backlog (%s)",
			got, busy.a.WorkspaceID)
	}

	// The busy workspace holds 2 leases: a third workspace's message,
	// queued after all, goes before its third.
	third := other()
	if ns := claim(1); len(ns) != 1 || ns[0].WorkspaceID != third.a.WorkspaceID {
		t.Fatalf("a claim of 1 while the backlog's workspace holds 2 leases took %v, want the third workspace's", byNotificationWorkspace(ns))
	}

	// Alone, the backlog gets every slot.
	if n := byNotificationWorkspace(claim(100))[busy.a.WorkspaceID]; n != 10 {
		t.Fatalf("the backlog's workspace alone got %d, want its 10 left", n)
	}
}
