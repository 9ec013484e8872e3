package storetest

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/seal"
)

// SealedSecretsHarness is how SealedSecrets reaches a store's database:
// it opens stores with different sealers on one database, and reads and
// writes the stored secrets column as it is, which no store method shows.
type SealedSecretsHarness struct {
	// Open opens a store, migrated, on the one database of the test, with
	// sealer s (nil: none); the caller closes it.
	Open func(t *testing.T, s enroll.SecretSealer) enroll.Store
	// RawSecrets returns the secrets column of endpoint id of workspace
	// wsID as stored.
	RawSecrets func(t *testing.T, wsID, id string) string
	// SetRawSecrets stores raw as that column.
	SetRawSecrets func(t *testing.T, wsID, id, raw string)
}

// sealKey is a test key of seal.KeySize bytes b.
func sealKey(b byte) []byte { return bytes.Repeat([]byte{b}, seal.KeySize) }

// newSealer returns a seal.Sealer with keys, as an enroll.SecretSealer.
func newSealer(t *testing.T, keys ...[]byte) enroll.SecretSealer {
	t.Helper()
	s, err := seal.New(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// SealedSecrets checks a store's sealing of webhook signing secrets over
// one database opened without a key, then with one, then without and
// with the wrong one, then with a new key before the old: what is stored
// is never the secret once a key is configured, every read and claim
// gives the secret, plain and sealed rows work side by side, a value
// moved to another endpoint does not open there (its deliveries fail
// saying why), SealWebhookSecrets seals the plain ones and moves the
// sealed ones to a new key, and refuses a database holding values that
// none of its keys (or no key) opens.
func SealedSecrets(t *testing.T, h SealedSecretsHarness) {
	one, two := sealKey(1), sealKey(2)
	s := h.Open(t, nil)
	f, on := sealedFixtures(t, s)
	ws := f.a.WorkspaceID
	plain := f.endpoint()
	if raw := h.RawSecrets(t, ws, plain.ID); !strings.Contains(raw, plain.Secret) {
		t.Fatalf("without a key the stored secrets %s do not hold the secret", raw)
	}
	if n, err := f.ws.SealWebhookSecrets(f.ctx, nil); n != 0 || err != nil {
		t.Fatalf("SealWebhookSecrets without a key = %d, %v", n, err)
	}
	s.Close()

	// With a key: new secrets are sealed; plain ones still read.
	k1 := newSealer(t, one)
	s = h.Open(t, k1)
	f = on(s)
	sealed := f.endpoint()
	moved := f.endpoint()
	raw := h.RawSecrets(t, ws, sealed.ID)
	if strings.Contains(raw, sealed.Secret) || strings.Contains(raw, "whsec_") || !strings.Contains(raw, k1.KeyPrefixes()[0]) {
		t.Fatalf("with a key the stored secrets are %s, want them sealed under it", raw)
	}
	// A sealed value copied to another endpoint does not open there
	// (SealedSecretsUnopened checks it further).
	h.SetRawSecrets(t, ws, moved.ID, raw)
	if got := must(f.ws.FindWebhookEndpoint(f.ctx, ws, moved.ID)); got.SecretError == "" || len(got.Secrets) != 0 {
		t.Fatalf("an endpoint holding another's sealed secret reads with secretError %q and %d secrets", got.SecretError, len(got.Secrets))
	}
	for _, ep := range []*enroll.WebhookEndpoint{plain, sealed} {
		got := must(f.ws.FindWebhookEndpoint(f.ctx, ws, ep.ID))
		if s := got.SigningSecrets(time.Now()); len(s) != 1 || s[0] != ep.Secret {
			t.Fatalf("endpoint %s signs with %v, want its secret", ep.ID, s)
		}
	}
	f.enroll(f.instance(), "sealed@example.com")
	f.dispatchAll()
	byEndpoint := f.claimAll()
	for _, ep := range []*enroll.WebhookEndpoint{plain, sealed} {
		if j := byEndpoint[ep.ID]; j == nil || len(j.Secrets) != 1 || j.Secrets[0] != ep.Secret || j.SecretsError != "" {
			t.Fatalf("claimed job of endpoint %s = %+v, want its secret", ep.ID, j)
		}
	}
	if j := byEndpoint[moved.ID]; j == nil || len(j.Secrets) != 0 || !strings.Contains(j.SecretsError, "cannot be opened") {
		t.Fatalf("claimed job of the endpoint holding another's sealed secret = %+v, want no secret and why", j)
	}
	// Deleting it works: what a delete reads needs no secret.
	if err := f.ws.DeleteWebhookEndpoint(f.ctx, f.a, moved.ID, func(*enroll.WebhookEndpoint) error { return nil }); err != nil {
		t.Fatalf("deleting the endpoint whose secret does not open: %v", err)
	}

	// Rotation seals the new secret and the one kept beside it.
	rot := f.rotate(sealed.ID)
	raw = h.RawSecrets(t, ws, sealed.ID)
	if strings.Contains(raw, rot.Secret) || strings.Contains(raw, sealed.Secret) || strings.Count(raw, k1.KeyPrefixes()[0]) != 2 {
		t.Fatalf("after a rotation the stored secrets are %s, want both sealed", raw)
	}
	got := must(f.ws.FindWebhookEndpoint(f.ctx, ws, sealed.ID))
	if s := got.SigningSecrets(time.Now()); len(s) != 2 || s[0] != rot.Secret || s[1] != sealed.Secret {
		t.Fatalf("after a rotation signing secrets = %v", s)
	}

	// The pass at start seals the plain one, and only it.
	if n, err := f.ws.SealWebhookSecrets(f.ctx, nil); n != 1 || err != nil {
		t.Fatalf("SealWebhookSecrets = %d, %v; want the one plain endpoint sealed", n, err)
	}
	if raw := h.RawSecrets(t, ws, plain.ID); strings.Contains(raw, plain.Secret) || !strings.Contains(raw, k1.KeyPrefixes()[0]) {
		t.Fatalf("after SealWebhookSecrets the plain endpoint's stored secrets are %s", raw)
	}
	if got := must(f.ws.FindWebhookEndpoint(f.ctx, ws, plain.ID)); got.Secrets[0].Secret != plain.Secret {
		t.Fatalf("after SealWebhookSecrets the endpoint's secret is %q, want %q", got.Secrets[0].Secret, plain.Secret)
	}
	if n, err := f.ws.SealWebhookSecrets(f.ctx, nil); n != 0 || err != nil {
		t.Fatalf("SealWebhookSecrets again = %d, %v; want nothing to do", n, err)
	}
	s.Close()

	// Without the key, or with another, the store refuses to go on.
	for _, sealer := range []enroll.SecretSealer{nil, newSealer(t, two)} {
		s = h.Open(t, sealer)
		_, err := s.(enroll.WebhookStore).SealWebhookSecrets(f.ctx, nil)
		if !errors.Is(err, enroll.ErrSealKeyUnknown) || !strings.Contains(err.Error(), "webhook endpoint") {
			t.Fatalf("SealWebhookSecrets with sealer %v over sealed secrets: %v, want ErrSealKeyUnknown", sealer, err)
		}
		s.Close()
	}

	// A new key first, the old one after: everything moves to the new.
	k21 := newSealer(t, two, one)
	s = h.Open(t, k21)
	f = on(s)
	if n, err := f.ws.SealWebhookSecrets(f.ctx, nil); n != 2 || err != nil {
		t.Fatalf("SealWebhookSecrets with a new key = %d, %v; want both endpoints sealed again", n, err)
	}
	s.Close()
	s = h.Open(t, newSealer(t, two))
	defer s.Close()
	f = on(s)
	if n, err := f.ws.SealWebhookSecrets(f.ctx, nil); n != 0 || err != nil {
		t.Fatalf("SealWebhookSecrets with the new key alone = %d, %v", n, err)
	}
	for _, want := range []struct {
		ep     *enroll.WebhookEndpoint
		secret string
	}{{plain, plain.Secret}, {sealed, rot.Secret}} {
		if raw := h.RawSecrets(t, ws, want.ep.ID); !strings.Contains(raw, k21.KeyPrefixes()[0]) || strings.Contains(raw, k21.KeyPrefixes()[1]) {
			t.Fatalf("after the new key the stored secrets are %s", raw)
		}
		if got := must(f.ws.FindWebhookEndpoint(f.ctx, ws, want.ep.ID)); got.Secrets[0].Secret != want.secret {
			t.Fatalf("with the new key alone endpoint %s reads %q", want.ep.ID, got.Secrets[0].Secret)
		}
	}
}

// SealedSecretsConcurrent checks that stores starting at once on one
// database (replicas) seal every plain endpoint exactly once between
// them, in more chunks than one.
func SealedSecretsConcurrent(t *testing.T, h SealedSecretsHarness) {
	const endpoints, replicas = 250, 3
	s := h.Open(t, nil)
	f, _ := sealedFixtures(t, s)
	for range endpoints {
		f.endpoint()
	}
	s.Close()
	k := newSealer(t, sealKey(3))
	stores := make([]enroll.Store, replicas)
	for i := range stores {
		stores[i] = h.Open(t, k)
		defer stores[i].Close()
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int
	)
	for _, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := s.(enroll.WebhookStore).SealWebhookSecrets(f.ctx, nil)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total != endpoints {
		t.Fatalf("replicas sealed %d endpoints between them, want %d", total, endpoints)
	}
	pg := must(stores[0].(enroll.WebhookStore).ListWebhookEndpoints(f.ctx, f.a.WorkspaceID, enroll.ListParams{PerPage: 500}))
	for _, ep := range pg.Data {
		if raw := h.RawSecrets(t, f.a.WorkspaceID, ep.ID); strings.Contains(raw, "whsec_") {
			t.Fatalf("endpoint %s left plain: %s", ep.ID, raw)
		}
	}
}
