package storetest

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// SealedSecretsUnopened checks an endpoint whose stored secret does not
// open although the store has keys: one holding another endpoint's sealed
// value (bound to that endpoint), and one sealed under a key the store
// is not given (a replica without it). Every read shows it, the same way
// (its ETag), with a SecretError saying why and nothing to sign with; a
// change other than a rotation stores its secret again as it was, so
// that a store with the right key still opens it; its claims fail saying
// why; a rotation replaces it with a new secret alone, which its
// deliveries are then signed with.
func SealedSecretsUnopened(t *testing.T, h SealedSecretsHarness) {
	one, two := sealKey(1), sealKey(2)
	k1 := newSealer(t, one)
	s := h.Open(t, k1)
	defer s.Close()
	f, _ := sealedFixtures(t, s)
	ws := f.a.WorkspaceID
	good, moved := f.endpoint(), f.endpoint()
	h.SetRawSecrets(t, ws, moved.ID, h.RawSecrets(t, ws, good.ID))
	stored := h.RawSecrets(t, ws, moved.ID)

	// Reads: the endpoint, with why it cannot sign.
	got, err := f.ws.FindWebhookEndpoint(f.ctx, ws, moved.ID)
	if err != nil {
		t.Fatalf("finding the endpoint whose secret does not open: %v", err)
	}
	if !strings.Contains(got.SecretError, "cannot be opened") || len(got.SigningSecrets(time.Now())) != 0 {
		t.Fatalf("endpoint whose secret does not open: secretError %q, signing with %d secrets", got.SecretError, len(got.SigningSecrets(time.Now())))
	}
	if b, _ := json.Marshal(got); !strings.Contains(string(b), `"secretError":"The signing secret cannot be opened`) {
		t.Fatalf("its representation: %s", b)
	}
	if g := must(f.ws.FindWebhookEndpoint(f.ctx, ws, good.ID)); g.SecretError != "" {
		t.Fatalf("the endpoint whose secret opens has secretError %q", g.SecretError)
	}
	pg := must(f.ws.ListWebhookEndpoints(f.ctx, ws, enroll.ListParams{}))
	listed := map[string]*enroll.WebhookEndpoint{}
	for _, ep := range pg.Data {
		listed[ep.ID] = ep
	}
	if listed[moved.ID] == nil || listed[moved.ID].SecretError != got.SecretError || listed[good.ID] == nil || listed[good.ID].SecretError != "" {
		t.Fatalf("listed: %+v", pg.Data)
	}
	if a, b := enroll.ContentETag(listed[moved.ID]), enroll.ContentETag(got); a != b {
		t.Fatalf("listed as %s, found as %s: the representations differ", a, b)
	}

	// Changes other than a rotation work and keep the stored value.
	etag := enroll.ContentETag(got)
	for _, change := range []func(*enroll.WebhookEndpoint){
		func(ep *enroll.WebhookEndpoint) { ep.Description = "kept" },
		func(ep *enroll.WebhookEndpoint) { ep.Enabled = false },
		func(ep *enroll.WebhookEndpoint) { ep.Enabled = true },
	} {
		var seen string
		up, err := f.ws.UpdateWebhookEndpoint(f.ctx, f.a, moved.ID, func(ep *enroll.WebhookEndpoint) error {
			seen = enroll.ContentETag(ep)
			change(ep)
			return nil
		})
		if err != nil {
			t.Fatalf("changing the endpoint whose secret does not open: %v", err)
		}
		if seen != etag {
			t.Fatalf("an update saw the endpoint as %s, a read as %s", seen, etag)
		}
		if up.SecretError != got.SecretError || up.Secret != "" {
			t.Fatalf("after a change: secretError %q, secret %q", up.SecretError, up.Secret)
		}
		if raw := h.RawSecrets(t, ws, moved.ID); raw != stored {
			t.Fatalf("a change stored the secrets as %s, were %s", raw, stored)
		}
		etag = enroll.ContentETag(must(f.ws.FindWebhookEndpoint(f.ctx, ws, moved.ID)))
	}
	errKept := errors.New("kept")
	if err := f.ws.DeleteWebhookEndpoint(f.ctx, f.a, moved.ID, func(ep *enroll.WebhookEndpoint) error {
		if enroll.ContentETag(ep) != etag {
			t.Errorf("a deletion's check saw the endpoint as %s, a read as %s", enroll.ContentETag(ep), etag)
		}
		return errKept
	}); !errors.Is(err, errKept) {
		t.Fatalf("deletion refused by its check: %v", err)
	}

	// Its claims fail, saying why.
	f.enroll(f.instance(), "unopened@example.com")
	f.dispatchAll()
	job := func(ep *enroll.WebhookEndpoint) *enroll.WebhookJob {
		t.Helper()
		out := f.claimAll()[ep.ID]
		if out == nil {
			t.Fatalf("no delivery of endpoint %s claimed", ep.ID)
		}
		return out
	}
	if j := job(moved); len(j.Secrets) != 0 || !strings.Contains(j.SecretsError, "cannot be opened") {
		t.Fatalf("claimed job of the endpoint whose secret does not open = %+v, want no secret and why", j)
	}

	// A rotation replaces it: the new secret alone signs.
	rot := f.rotate(moved.ID)
	if !strings.HasPrefix(rot.Secret, "whsec_") || rot.SecretError != "" || rot.PreviousSecretExpiresAt != nil {
		t.Fatalf("rotated: secret %q, secretError %q, previousSecretExpiresAt %v", rot.Secret, rot.SecretError, rot.PreviousSecretExpiresAt)
	}
	if raw := h.RawSecrets(t, ws, moved.ID); raw == stored || strings.Contains(raw, rot.Secret) || strings.Count(raw, k1.KeyPrefixes()[0]) != 1 {
		t.Fatalf("after the rotation the stored secrets are %s", raw)
	}
	healed := must(f.ws.FindWebhookEndpoint(f.ctx, ws, moved.ID))
	if s := healed.SigningSecrets(time.Now()); healed.SecretError != "" || !slices.Equal(s, []string{rot.Secret}) {
		t.Fatalf("after the rotation: secretError %q, signing with %d secrets", healed.SecretError, len(s))
	}
	f.enroll(f.instance(), "healed@example.com")
	f.dispatchAll()
	if j := job(moved); j.SecretsError != "" || !slices.Equal(j.Secrets, []string{rot.Secret}) {
		t.Fatalf("claimed job after the rotation: error %q, %d secrets", j.SecretsError, len(j.Secrets))
	}

	// Read by a store without the key that sealed it (a replica not yet
	// given it): shown, changed, kept; the store with the key opens it.
	s2 := h.Open(t, newSealer(t, two))
	defer s2.Close()
	ws2 := s2.(enroll.WebhookStore)
	sealed := h.RawSecrets(t, ws, good.ID)
	g := must(ws2.FindWebhookEndpoint(f.ctx, ws, good.ID))
	if !strings.Contains(g.SecretError, "not configured with") || len(g.SigningSecrets(time.Now())) != 0 {
		t.Fatalf("without its key: secretError %q", g.SecretError)
	}
	must(ws2.UpdateWebhookEndpoint(f.ctx, f.a, good.ID, func(ep *enroll.WebhookEndpoint) error { ep.Description = "by a replica"; return nil }))
	if raw := h.RawSecrets(t, ws, good.ID); raw != sealed {
		t.Fatalf("a change without the key stored the secrets as %s, were %s", raw, sealed)
	}
	if g := must(f.ws.FindWebhookEndpoint(f.ctx, ws, good.ID)); g.SecretError != "" || g.Description != "by a replica" ||
		!slices.Equal(g.SigningSecrets(time.Now()), []string{good.Secret}) {
		t.Fatalf("with the key after that change: secretError %q, description %q", g.SecretError, g.Description)
	}
}

// SealedSecretsLostKey checks SealWebhookSecrets given the prefixes of
// keys the operator declared lost: it no longer refuses the values those
// keys sealed, with or without a sealer, leaves them as they are, and
// seals the others; their endpoint reads with its SecretError until a
// rotation replaces its secret, after which the store starts without
// the lost key named.
func SealedSecretsLostKey(t *testing.T, h SealedSecretsHarness) {
	one, two := sealKey(1), sealKey(2)
	k1, k2 := newSealer(t, one), newSealer(t, two)
	lost := []string{k1.KeyPrefixes()[0]}
	s := h.Open(t, nil)
	f, on := sealedFixtures(t, s)
	ws := f.a.WorkspaceID
	plain := f.endpoint()
	s.Close()
	s = h.Open(t, k1)
	f = on(s)
	ep := f.endpoint()
	s.Close()
	stored := h.RawSecrets(t, ws, ep.ID)

	for _, sealer := range []enroll.SecretSealer{nil, k2} {
		s = h.Open(t, sealer)
		f = on(s)
		if _, err := f.ws.SealWebhookSecrets(f.ctx, nil); !errors.Is(err, enroll.ErrSealKeyUnknown) {
			t.Fatalf("SealWebhookSecrets (sealer %v) without the lost key named: %v, want ErrSealKeyUnknown", sealer, err)
		}
		want := 0
		if sealer != nil {
			want = 1 // the plain one
		}
		if n, err := f.ws.SealWebhookSecrets(f.ctx, lost); n != want || err != nil {
			t.Fatalf("SealWebhookSecrets (sealer %v) with the lost key named = %d, %v; want %d", sealer, n, err, want)
		}
		if raw := h.RawSecrets(t, ws, ep.ID); raw != stored {
			t.Fatalf("the pass stored the lost key's value as %s, was %s", raw, stored)
		}
		got := must(f.ws.FindWebhookEndpoint(f.ctx, ws, ep.ID))
		if !strings.Contains(got.SecretError, "not configured with") || len(got.SigningSecrets(time.Now())) != 0 {
			t.Fatalf("endpoint sealed under the lost key: secretError %q", got.SecretError)
		}
		if sealer == nil {
			s.Close()
		}
	}
	defer s.Close()
	if raw := h.RawSecrets(t, ws, plain.ID); !strings.Contains(raw, k2.KeyPrefixes()[0]) {
		t.Fatalf("the plain endpoint's secrets are %s, want them sealed under the key given", raw)
	}
	rot := f.rotate(ep.ID)
	if raw := h.RawSecrets(t, ws, ep.ID); strings.Contains(raw, lost[0]) || !strings.Contains(raw, k2.KeyPrefixes()[0]) {
		t.Fatalf("after the rotation the stored secrets are %s", raw)
	}
	if got := must(f.ws.FindWebhookEndpoint(f.ctx, ws, ep.ID)); got.SecretError != "" || !slices.Equal(got.SigningSecrets(time.Now()), []string{rot.Secret}) {
		t.Fatalf("after the rotation: secretError %q", got.SecretError)
	}
	if n, err := f.ws.SealWebhookSecrets(f.ctx, nil); n != 0 || err != nil {
		t.Fatalf("SealWebhookSecrets once every value of the lost key is replaced = %d, %v", n, err)
	}
}
