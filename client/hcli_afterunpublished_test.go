package client_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
	enrollhttp "github.com/enrollhq/enroll/http"
)

// TestAfterUnpublishedIsTransient: a poll after the newest event, read
// from ListEvents before the dispatcher has published it (within 50 ms of
// its commit, docs/webhooks.md: "a 422 to retry"), fails in a way that
// passes, and IsTransient says so, as it does for every failure that may
// pass if sent again: it said false, and a poller that retries what is
// transient gave up where it had only to poll again. An after naming no
// event stays an error that does not pass.
func TestAfterUnpublishedIsTransient(t *testing.T) {
	t.Parallel()
	s := newServer(t, enrollhttp.Config{})
	c := s.client()
	ctx := context.Background()
	must[*enroll.Program](t)(c.CreateProgram(ctx, &client.ProgramCreate{Slug: "unpub", Name: "Unpublished"}))
	newest := must[*enroll.Page[*enroll.Event]](t)(c.ListEvents(ctx, client.EventQuery{ListOptions: client.ListOptions{PerPage: 1}})).Data[0]

	// This server runs no dispatcher: the event stays unpublished.
	var err error
	for _, err = range c.AllEvents(ctx, client.EventQuery{After: newest.ID}) {
		break
	}
	if !client.IsStatus(err, http.StatusUnprocessableEntity) || !client.IsTransient(err) {
		t.Fatalf("AllEvents after an event not yet published: %v; IsTransient %v, want a 422 that is transient", err, client.IsTransient(err))
	}
	if _, err := s.db.DispatchEvents(ctx, 500, 0); err != nil {
		t.Fatal(err)
	}
	if got := collect(t, c.AllEvents(ctx, client.EventQuery{After: newest.ID})); len(got) != 0 {
		t.Fatalf("AllEvents after the newest event, published: %d events, want none", len(got))
	}

	_, err = c.ListEvents(ctx, client.EventQuery{After: "evt_" + enroll.NewID()})
	if !client.IsStatus(err, http.StatusUnprocessableEntity) || client.IsTransient(err) {
		t.Fatalf("ListEvents after an unknown event: %v; IsTransient %v, want a 422 that is not transient", err, client.IsTransient(err))
	}
}
