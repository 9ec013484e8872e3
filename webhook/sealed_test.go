package webhook_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/postgres/pgtest"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/seal"
	"github.com/enrollhq/enroll/sqlite"
	"github.com/enrollhq/enroll/webhook"
)

// sealedStores runs test on SQLite and on PostgreSQL with open, which
// opens a store with sealer s on the subtest's one database.
func sealedStores(t *testing.T, test func(t *testing.T, open func(s enroll.SecretSealer) enroll.WebhookStore)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "enroll.db")
		test(t, func(s enroll.SecretSealer) enroll.WebhookStore {
			db, err := sqlite.Open(context.Background(), sqlite.Config{Path: path, Engine: rules.New(), Sealer: s})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		})
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		url := pgtest.NewDatabase(t)
		test(t, func(s enroll.SecretSealer) enroll.WebhookStore {
			db, err := postgres.Open(context.Background(), postgres.Config{URL: url, Engine: rules.New(), MaxConns: 4, Sealer: s})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		})
	})
}

// testSealer is a sealer with one key of 32 bytes b.
func testSealer(t *testing.T, b byte) enroll.SecretSealer {
	t.Helper()
	s, err := seal.New(bytes.Repeat([]byte{b}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSealedSecretsSign: with the store sealing secrets, every event
// reaches the receiver signed with the endpoint's secret, and a 410 that
// disables the endpoint (which writes it again) keeps its secret.
func TestSealedSecretsSign(t *testing.T) {
	t.Parallel()
	sealedStores(t, func(t *testing.T, open func(enroll.SecretSealer) enroll.WebhookStore) {
		s := open(testSealer(t, 1))
		r := newReceiver(t, nil)
		w := newWorld(t, s, r, nil)
		checkAll(t, r, w.enrollments(3))

		gone := newReceiver(t, func(int) int { return http.StatusGone })
		g := newWorld(t, s, gone, nil)
		g.enrollments(1)
		eventually(t, "endpoint disabled", func() bool {
			ep, err := s.FindWebhookEndpoint(context.Background(), g.a.WorkspaceID, g.ep.ID)
			return err == nil && !ep.Enabled
		})
		ep, err := s.FindWebhookEndpoint(context.Background(), g.a.WorkspaceID, g.ep.ID)
		if err != nil || len(ep.Secrets) != 1 || ep.Secrets[0].Secret != g.ep.Secret {
			t.Fatalf("after a 410 the endpoint reads %+v, %v; want its secret", ep, err)
		}
	})
}

// TestSealedSecretUnopenedFailsAttempt: a store whose key did not seal an
// endpoint's secret (a replica started without it) sends nothing to that
// endpoint, and records why as the attempt's error, to be retried.
func TestSealedSecretUnopenedFailsAttempt(t *testing.T) {
	t.Parallel()
	sealedStores(t, func(t *testing.T, open func(enroll.SecretSealer) enroll.WebhookStore) {
		ctx := context.Background()
		r := newReceiver(t, nil)
		sealed, other := open(testSealer(t, 1)), open(testSealer(t, 2))
		ws := &enroll.Workspace{ID: enroll.NewID(), Name: "ws-" + enroll.NewID()}
		key, _ := enroll.NewAPIKey(ws.ID, "test", nil, nil, time.Now())
		if err := sealed.CreateWorkspace(ctx, ws, key); err != nil {
			t.Fatal(err)
		}
		w := &world{t: t, s: other, a: enroll.Actor{WorkspaceID: ws.ID, KeyID: key.ID}, r: r}
		w.ep = &enroll.WebhookEndpoint{URL: r.srv.URL + "/hooks", Enabled: true}
		if err := sealed.CreateWebhookEndpoint(ctx, w.a, w.ep); err != nil {
			t.Fatal(err)
		}
		r.secret = w.ep.Secret
		w.d = webhook.New(webhook.Config{Store: other, AllowPrivate: true, Jitter: func() float64 { return 0 },
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), PollInterval: 20 * time.Millisecond})
		w.d.Start()
		t.Cleanup(func() { w.d.Close() })
		w.enrollments(1)
		var attempts []enroll.DeliveryAttempt
		eventually(t, "an attempt recorded", func() bool {
			pg, err := other.ListWebhookDeliveries(ctx, w.a.WorkspaceID, w.ep.ID, enroll.DeliveryFilter{})
			if err != nil || len(pg.Data) == 0 {
				return false
			}
			attempts = pg.Data[len(pg.Data)-1].Attempts
			return len(attempts) > 0
		})
		if a := attempts[0]; a.StatusCode != 0 || !strings.Contains(a.Error, "not sent: the endpoint's signing secret is sealed under a key the service is not configured with") {
			t.Fatalf("attempt = %+v", a)
		}
		time.Sleep(100 * time.Millisecond)
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.n != 0 {
			t.Fatalf("the receiver got %d requests, want none", r.n)
		}
	})
}
