package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// heldGone is a receiver whose /old path holds each request until released,
// then answers 410 Gone, and whose other paths answer 204, counting them.
type heldGone struct {
	srv   *httptest.Server
	mu    sync.Mutex
	held  int
	freed int // how many held requests may answer; -1: all
	fresh int
}

func newHeldGone(t *testing.T) *heldGone {
	h := &heldGone{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/old") {
			h.mu.Lock()
			h.fresh++
			h.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.mu.Lock()
		h.held++
		n := h.held
		h.mu.Unlock()
		for {
			h.mu.Lock()
			free := h.freed < 0 || n <= h.freed
			h.mu.Unlock()
			if free {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		w.WriteHeader(http.StatusGone)
	}))
	t.Cleanup(h.srv.Close)
	t.Cleanup(h.releaseAll)
	return h
}

func (h *heldGone) releaseAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.freed = -1
}

// releaseFirst lets the first request held answer.
func (h *heldGone) releaseFirst() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.freed = 1
}

func (h *heldGone) count() (held, fresh int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.held, h.fresh
}

// attempted waits until every delivery of the endpoint has an attempt
// recorded and none is pending.
func attempted(t *testing.T, w *world, n int) {
	t.Helper()
	eventually(t, "the 410s recorded", func() bool {
		pg, err := w.s.ListWebhookDeliveries(context.Background(), w.a.WorkspaceID, w.ep.ID, enroll.DeliveryFilter{})
		if err != nil || len(pg.Data) < n {
			return false
		}
		for _, d := range pg.Data {
			if d.AttemptCount == 0 {
				return false
			}
		}
		return true
	})
}

// newProgram creates a program, whose program.created event is a stream
// of its own.
func newProgram(t *testing.T, w *world) {
	t.Helper()
	p := &enroll.Program{Slug: "p" + strings.ToLower(enroll.NewID()[18:]), Name: "P", Active: true}
	if err := w.s.CreateProgram(context.Background(), w.a, p); err != nil {
		t.Fatal(err)
	}
}

// TestGoneFromOldURLKeepsEndpoint moves an endpoint to a new URL while
// attempts to its old one are under way; the old receiver's 410s arrive
// after the move. They must not disable the endpoint, which now names a
// receiver that never answered 410: the events after the move reach it.
func TestGoneFromOldURLKeepsEndpoint(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s enroll.WebhookStore) {
		h := newHeldGone(t)
		w := newWorld(t, s, newReceiver(t, nil), nil)
		ctx := context.Background()
		if _, err := s.UpdateWebhookEndpoint(ctx, w.a, w.ep.ID, func(ep *enroll.WebhookEndpoint) error {
			ep.URL = h.srv.URL + "/old"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		newProgram(t, w)
		newProgram(t, w)
		eventually(t, "two attempts held at the old URL", func() bool { held, _ := h.count(); return held == 2 })
		if _, err := s.UpdateWebhookEndpoint(ctx, w.a, w.ep.ID, func(ep *enroll.WebhookEndpoint) error {
			ep.URL = h.srv.URL + "/new"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		h.releaseAll()
		attempted(t, w, 2)
		ep, err := s.FindWebhookEndpoint(ctx, w.a.WorkspaceID, w.ep.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !ep.Enabled {
			t.Fatalf("the old URL's 410 disabled the endpoint at its new URL %s: %q", ep.URL, ep.DisabledReason)
		}
		newProgram(t, w)
		eventually(t, "an event after the move reaches the new URL", func() bool { _, fresh := h.count(); return fresh == 1 })
	})
}

// TestGoneBeforeReenableKeepsEndpoint re-enables an endpoint that a 410
// disabled while a second attempt, made before, is still under way; its
// 410 arrives after the re-enabling and must not undo it.
func TestGoneBeforeReenableKeepsEndpoint(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s enroll.WebhookStore) {
		h := newHeldGone(t)
		w := newWorld(t, s, newReceiver(t, nil), nil)
		ctx := context.Background()
		if _, err := s.UpdateWebhookEndpoint(ctx, w.a, w.ep.ID, func(ep *enroll.WebhookEndpoint) error {
			ep.URL = h.srv.URL + "/old"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		newProgram(t, w)
		newProgram(t, w)
		eventually(t, "two attempts held", func() bool { held, _ := h.count(); return held == 2 })
		h.releaseFirst()
		eventually(t, "the first 410 disables the endpoint", func() bool {
			ep, err := s.FindWebhookEndpoint(ctx, w.a.WorkspaceID, w.ep.ID)
			return err == nil && !ep.Enabled
		})
		if _, err := s.UpdateWebhookEndpoint(ctx, w.a, w.ep.ID, func(ep *enroll.WebhookEndpoint) error {
			ep.Enabled = true
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		h.releaseAll()
		attempted(t, w, 2)
		ep, err := s.FindWebhookEndpoint(ctx, w.a.WorkspaceID, w.ep.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !ep.Enabled {
			t.Fatalf("a 410 to an attempt made before the endpoint was enabled again disabled it: %q", ep.DisabledReason)
		}
	})
}
