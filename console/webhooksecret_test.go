package console

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/seal"
)

// TestShownSecretSealed checks that with a sealer the new secret waiting
// in a session is stored sealed, not as it is, and still shown once on
// its page; that it opens in no other session; and that one the console
// can no longer open (its key gone) is dropped unseen, not shown broken.
func TestShownSecretSealed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	now := time.Now().UTC()
	sealer, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	ss, s, stored := storedSession(t, f, &now)
	ss.sealer = sealer
	ep := &enroll.WebhookEndpoint{ID: "whe_a", Secret: "whsec_c2VhbGVk"}
	ss.setSecret(ctx, s, ep, false)
	raw := stored().Secret
	if strings.Contains(raw, "c2VhbGVk") || !strings.HasPrefix(raw, sealer.KeyPrefixes()[0]) {
		t.Fatalf("the session holds %q, want the secret sealed", raw)
	}
	// Moved to another session, it does not open.
	ss2, s2, stored2 := storedSession(t, f, &now)
	ss2.sealer = sealer
	if ok, err := f.store.SwapConsoleSecret(ctx, s2.ID, "", raw); !ok || err != nil {
		t.Fatalf("copy to another session: %v %v", ok, err)
	}
	if got := ss2.takeSecret(ctx, stored2(), "whe_a"); got != nil {
		t.Fatalf("another session opened the secret: %+v", got)
	}
	if got := ss.takeSecret(ctx, stored(), "whe_a"); got == nil || got.Secret != ep.Secret {
		t.Fatalf("took %+v, want the secret", got)
	}
	// Without the key, a sealed secret waiting is dropped unseen.
	ss.setSecret(ctx, s, ep, false)
	ss.sealer = nil
	if got := ss.takeSecret(ctx, stored(), "whe_a"); got != nil || stored().Secret != "" {
		t.Fatalf("without the key took %+v, left %q", got, stored().Secret)
	}
}
