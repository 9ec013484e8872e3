package webhook_test

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/webhook"
)

// TestSignStandardWebhooksVector checks Sign against the example of the
// Standard Webhooks reference libraries.
func TestSignStandardWebhooksVector(t *testing.T) {
	t.Parallel()
	sig, err := webhook.Sign([]string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, "msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; sig != want {
		t.Fatalf("signature = %s, want %s", sig, want)
	}
}

// TestSignWithoutSecret checks that an endpoint without a secret is not
// sent unsigned: an empty webhook-signature header is no signature.
func TestSignWithoutSecret(t *testing.T) {
	t.Parallel()
	for _, secrets := range [][]string{nil, {}} {
		if sig, err := webhook.Sign(secrets, "evt_1", time.Now(), []byte(`{}`)); !errors.Is(err, webhook.ErrNoSecret) || sig != "" {
			t.Errorf("Sign(%v) = %q, %v; want ErrNoSecret", secrets, sig, err)
		}
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	secret, other := enroll.NewWebhookSecret(), enroll.NewWebhookSecret()
	now := time.Now()
	body := []byte(`{"id":"evt_1"}`)
	header := func(secrets []string, ts time.Time, b []byte) http.Header {
		sig, err := webhook.Sign(secrets, "evt_1", ts, b)
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		h.Set(webhook.HeaderID, "evt_1")
		h.Set(webhook.HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
		h.Set(webhook.HeaderSignature, sig)
		return h
	}
	tests := []struct {
		name string
		h    http.Header
		body []byte
		want error
	}{
		{"good", header([]string{secret}, now, body), body, nil},
		{"either of two", header([]string{other, secret}, now, body), body, nil},
		{"other secret", header([]string{other}, now, body), body, webhook.ErrNoMatchingSecret},
		{"changed body", header([]string{secret}, now, body), []byte(`{"id":"evt_2"}`), webhook.ErrNoMatchingSecret},
		{"old", header([]string{secret}, now.Add(-10*time.Minute), body), body, webhook.ErrTimestamp},
		{"future", header([]string{secret}, now.Add(10*time.Minute), body), body, webhook.ErrTimestamp},
		{"no headers", http.Header{}, body, webhook.ErrMissingHeaders},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := webhook.Verify(secret, tt.h, tt.body, now, 5*time.Minute); !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := webhook.Sign([]string{"not-a-secret"}, "x", now, body); err == nil {
		t.Fatal("Sign accepted a malformed secret")
	}
}
