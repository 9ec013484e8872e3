package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/postgres/pgtest"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
	"github.com/enrollhq/enroll/webhook"
)

// stores runs test on SQLite and on PostgreSQL.
func stores(t *testing.T, test func(t *testing.T, s enroll.WebhookStore)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		db, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(t.TempDir(), "enroll.db"), Engine: rules.New()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		test(t, db)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		db, err := postgres.Open(context.Background(), postgres.Config{URL: pgtest.NewDatabase(t), Engine: rules.New()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		test(t, db)
	})
}

// received is one request a receiver got.
type received struct {
	id, object string
	header     http.Header
	body       []byte
}

// receiver is a real HTTP receiver on 127.0.0.1 that verifies signatures
// and records what it accepted.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	secret string
	// answer chooses the status of the n-th request (from 0); nil is 204.
	answer func(n int) int
	mu     sync.Mutex
	n      int
	got    []received
	bad    []string
}

func newReceiver(t *testing.T, answer func(n int) int) *receiver {
	r := &receiver{t: t, answer: answer}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	n := r.n
	r.n++
	secret := r.secret
	r.mu.Unlock()
	status := http.StatusNoContent
	if r.answer != nil {
		status = r.answer(n)
	}
	if status >= 200 && status < 300 {
		var ev struct {
			ID   string `json:"id"`
			Data struct {
				Object struct {
					ID string `json:"id"`
				} `json:"object"`
			} `json:"data"`
		}
		err := json.Unmarshal(body, &ev)
		if verr := webhook.Verify(secret, req.Header, body, time.Now(), 5*time.Minute); verr != nil || err != nil || ev.ID != req.Header.Get(webhook.HeaderID) {
			r.mu.Lock()
			r.bad = append(r.bad, req.Header.Get(webhook.HeaderID))
			r.mu.Unlock()
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		r.mu.Lock()
		r.got = append(r.got, received{id: ev.ID, object: ev.Data.Object.ID, header: req.Header.Clone(), body: body})
		r.mu.Unlock()
	}
	w.WriteHeader(status)
}

func (r *receiver) received() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// world is a store with a workspace, an endpoint to a receiver, and a
// running Deliverer.
type world struct {
	t  *testing.T
	s  enroll.WebhookStore
	a  enroll.Actor
	ep *enroll.WebhookEndpoint
	r  *receiver
	d  *webhook.Deliverer
}

func newWorld(t *testing.T, s enroll.WebhookStore, r *receiver, configure func(*webhook.Config)) *world {
	t.Helper()
	ctx := context.Background()
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "ws-" + enroll.NewID()}
	key, _ := enroll.NewAPIKey(ws.ID, "test", nil, nil, time.Now())
	if err := s.CreateWorkspace(ctx, ws, key); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, s: s, a: enroll.Actor{WorkspaceID: ws.ID, KeyID: key.ID}, r: r}
	w.ep = &enroll.WebhookEndpoint{URL: r.srv.URL + "/hooks", Enabled: true}
	if err := s.CreateWebhookEndpoint(ctx, w.a, w.ep); err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	r.secret = w.ep.Secret
	r.mu.Unlock()
	cfg := webhook.Config{Store: s, AllowPrivate: true, Jitter: func() float64 { return 0 },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), PollInterval: 20 * time.Millisecond}
	if configure != nil {
		configure(&cfg)
	}
	w.d = webhook.New(cfg)
	w.d.Start()
	t.Cleanup(func() { w.d.Close() })
	return w
}

// enrollments creates n enrollments in a new instance and moves each
// through two statuses: 4 events an enrollment, plus the program's and
// the instance's. It returns every event of the workspace, oldest first.
func (w *world) enrollments(n int) []*enroll.Event {
	w.t.Helper()
	ctx := context.Background()
	p := &enroll.Program{Slug: "p" + strings.ToLower(enroll.NewID()[18:]), Name: "P", Active: true}
	if err := w.s.CreateProgram(ctx, w.a, p); err != nil {
		w.t.Fatal(err)
	}
	inst := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "s", Name: "S", Status: enroll.InstanceActive}
	if err := w.s.CreateInstance(ctx, w.a, inst); err != nil {
		w.t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		e, err := w.s.CreateEnrollment(ctx, w.a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
			FirstName: "A", LastName: "B", Email: strings.ToLower(enroll.NewID()[14:]) + "@example.com"})
		if err != nil {
			w.t.Fatal(err)
		}
		for _, to := range []enroll.Status{enroll.StatusEligible, enroll.StatusSubmitted} {
			if _, err := w.s.UpdateEnrollment(ctx, w.a, e.ID, func(e *enroll.Enrollment) error {
				e.SetStatus(to, "test")
				return nil
			}); err != nil {
				w.t.Fatal(err)
			}
		}
	}
	pg, err := w.s.ListEvents(ctx, w.a.WorkspaceID, enroll.EventFilter{ListParams: enroll.ListParams{PerPage: enroll.MaxPerPage}})
	if err != nil {
		w.t.Fatal(err)
	}
	out := make([]*enroll.Event, len(pg.Data))
	for i, e := range pg.Data {
		out[len(out)-1-i] = e
	}
	return out
}

// eventually waits up to 30 s for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkAll checks the receiver accepted every event exactly once and the
// events of each object in the order they happened.
func checkAll(t *testing.T, r *receiver, events []*enroll.Event) {
	t.Helper()
	eventually(t, "every event delivered", func() bool { return len(r.received()) >= len(events) })
	time.Sleep(100 * time.Millisecond) // a duplicate would arrive now
	got := r.received()
	seen := map[string]int{}
	for _, g := range got {
		seen[g.id]++
	}
	for _, e := range events {
		if seen[e.ID] != 1 {
			t.Fatalf("event %s (%s) delivered %d times", e.ID, e.Type, seen[e.ID])
		}
	}
	if len(got) != len(events) {
		t.Fatalf("received %d, want %d", len(got), len(events))
	}
	pos := map[string]int{}
	for i, g := range got {
		pos[g.id] = i
	}
	last := map[string]int{}
	for _, e := range events {
		var obj struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(e.Data.Object, &obj); err != nil || obj.ID == "" {
			t.Fatalf("event %s: object without id", e.ID)
		}
		if p, ok := last[obj.ID]; ok && pos[e.ID] < p {
			t.Fatalf("object %s: event %s (%s) arrived before an earlier one", obj.ID, e.ID, e.Type)
		}
		last[obj.ID] = pos[e.ID]
	}
	if len(r.bad) > 0 {
		t.Fatalf("requests failing verification: %v", r.bad)
	}
}

func TestDeliversEveryEventOnceInOrder(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s enroll.WebhookStore) {
		r := newReceiver(t, nil)
		w := newWorld(t, s, r, nil)
		events := w.enrollments(15)
		checkAll(t, r, events)
		h := r.received()[0].header
		if h.Get("Content-Type") != "application/json" || h.Get(webhook.HeaderTimestamp) == "" || !strings.HasPrefix(h.Get(webhook.HeaderSignature), "v1,") {
			t.Fatalf("headers = %v", h)
		}
		// The body is the event as the API shows it.
		var ev enroll.Event
		if err := json.Unmarshal(r.received()[0].body, &ev); err != nil || ev.Type == "" || ev.CreatedAt.IsZero() || len(ev.Data.Object) == 0 {
			t.Fatalf("body = %s (%v)", r.received()[0].body, err)
		}
		pg, err := s.ListWebhookDeliveries(context.Background(), w.a.WorkspaceID, w.ep.ID, enroll.DeliveryFilter{ListParams: enroll.ListParams{PerPage: 500}})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range pg.Data {
			if d.Status != enroll.DeliverySucceeded || d.AttemptCount != 1 || d.Attempts[0].StatusCode != 204 {
				t.Fatalf("delivery = %+v", d)
			}
		}
	})
}

func TestRecoveringReceiverGetsEverythingInOrder(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s enroll.WebhookStore) {
		start := time.Now()
		r := newReceiver(t, func(n int) int {
			if time.Since(start) < 1500*time.Millisecond {
				return http.StatusServiceUnavailable
			}
			if n%5 == 0 {
				return http.StatusInternalServerError // and a flaky one after
			}
			return http.StatusOK
		})
		w := newWorld(t, s, r, nil)
		events := w.enrollments(8)
		checkAll(t, r, events)
		pg, err := s.ListWebhookDeliveries(context.Background(), w.a.WorkspaceID, w.ep.ID, enroll.DeliveryFilter{ListParams: enroll.ListParams{PerPage: 500}})
		if err != nil {
			t.Fatal(err)
		}
		retried := 0
		for _, d := range pg.Data {
			if d.AttemptCount > 1 {
				retried++
				if d.Attempts[0].StatusCode < 500 || d.Attempts[0].Error == "" {
					t.Fatalf("first attempt = %+v", d.Attempts[0])
				}
			}
		}
		if retried == 0 {
			t.Fatal("no delivery was retried")
		}
	})
}

func TestRotatedSecretsBothVerify(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s enroll.WebhookStore) {
		r := newReceiver(t, nil)
		w := newWorld(t, s, r, nil)
		old := w.ep.Secret
		rot, err := s.UpdateWebhookEndpoint(context.Background(), w.a, w.ep.ID, func(ep *enroll.WebhookEndpoint) error {
			ep.Rotate(time.Now())
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		r.mu.Lock()
		r.secret = rot.Secret
		r.mu.Unlock()
		events := w.enrollments(1)
		checkAll(t, r, events)
		for _, g := range r.received() {
			if err := webhook.Verify(old, g.header, g.body, time.Now(), time.Hour); err != nil {
				t.Fatalf("the old secret does not verify during the overlap: %v", err)
			}
			if n := len(strings.Fields(g.header.Get(webhook.HeaderSignature))); n != 2 {
				t.Fatalf("%d signatures, want 2", n)
			}
		}
		if err := webhook.Verify(enroll.NewWebhookSecret(), r.received()[0].header, r.received()[0].body, time.Now(), time.Hour); err == nil {
			t.Fatal("a stranger's secret verified")
		}
	})
}

func TestGoneDisablesEndpoint(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s enroll.WebhookStore) {
		r := newReceiver(t, func(int) int { return http.StatusGone })
		w := newWorld(t, s, r, nil)
		w.enrollments(1)
		eventually(t, "endpoint disabled", func() bool {
			ep, err := s.FindWebhookEndpoint(context.Background(), w.a.WorkspaceID, w.ep.ID)
			return err == nil && !ep.Enabled && ep.DisabledReason != ""
		})
		count := func() int { r.mu.Lock(); defer r.mu.Unlock(); return r.n }
		time.Sleep(200 * time.Millisecond) // attempts under way when it was disabled land
		n := count()
		time.Sleep(300 * time.Millisecond)
		if count() != n {
			t.Fatalf("a disabled endpoint got %d more requests", count()-n)
		}
	})
}

func TestRefusesPrivateAddressesUnlessAllowed(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s enroll.WebhookStore) {
		r := newReceiver(t, nil)
		w := newWorld(t, s, r, func(c *webhook.Config) { c.AllowPrivate = false })
		w.enrollments(1)
		d := w.firstAttempted()
		if d.Status != enroll.DeliveryPending || !strings.Contains(d.Attempts[0].Error, "non-public") || d.Attempts[0].StatusCode != 0 {
			t.Fatalf("delivery to 127.0.0.1 = %+v", d)
		}
		if got := r.received(); len(got) != 0 {
			t.Fatalf("the loopback receiver got %d requests", len(got))
		}
	})
}

func TestSlowReceiverTimesOut(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); slow.Close() })
	stores(t, func(t *testing.T, s enroll.WebhookStore) {
		r := newReceiver(t, nil)
		w := newWorld(t, s, r, func(c *webhook.Config) { c.Timeout = 200 * time.Millisecond })
		if _, err := s.UpdateWebhookEndpoint(context.Background(), w.a, w.ep.ID, func(ep *enroll.WebhookEndpoint) error {
			ep.URL = slow.URL
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		w.enrollments(1)
		eventually(t, "a timed-out attempt", func() bool {
			pg, err := s.ListWebhookDeliveries(context.Background(), w.a.WorkspaceID, w.ep.ID, enroll.DeliveryFilter{})
			if err != nil {
				return false
			}
			for _, d := range pg.Data {
				if d.AttemptCount > 0 && d.Attempts[0].Error == "timed out" && d.Status == enroll.DeliveryPending {
					return true
				}
			}
			return false
		})
	})
}

// TestUnresolvedNameHidesResolver checks that an attempt to a name that
// does not resolve records the failed look-up without the address of the
// service's DNS resolver, which Go's error quotes: the API shows attempts
// to its users, and the resolver is the service's internal network.
func TestUnresolvedNameHidesResolver(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s enroll.WebhookStore) {
		r := newReceiver(t, nil)
		w := newWorld(t, s, r, nil)
		// .invalid never resolves (RFC 6761), and needs no internet to fail.
		if _, err := s.UpdateWebhookEndpoint(context.Background(), w.a, w.ep.ID, func(ep *enroll.WebhookEndpoint) error {
			ep.URL = "https://hooks.invalid/events"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		w.enrollments(1)
		var got string
		eventually(t, "a failed look-up recorded", func() bool {
			pg, err := s.ListWebhookDeliveries(context.Background(), w.a.WorkspaceID, w.ep.ID, enroll.DeliveryFilter{})
			if err != nil {
				return false
			}
			for _, d := range pg.Data {
				if d.AttemptCount > 0 {
					got = d.Attempts[0].Error
					return true
				}
			}
			return false
		})
		if !strings.HasPrefix(got, "lookup hooks.invalid: ") || strings.Contains(got, " on ") || strings.Contains(got, ":53") {
			t.Errorf("attempt error = %q, want the failed look-up without the resolver", got)
		}
	})
}
