package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
)

// The Standard Webhooks headers.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// Sign returns the webhook-signature header value for a message: one
// "v1,<base64 HMAC-SHA256 of id.timestamp.body>" per secret, separated by
// spaces, so a receiver holding either secret of a rotation verifies it.
// Without a secret it returns ErrNoSecret: an empty header would send the
// event unsigned, which no receiver should accept.
func Sign(secrets []string, id string, ts time.Time, body []byte) (string, error) {
	if len(secrets) == 0 {
		return "", ErrNoSecret
	}
	parts := make([]string, 0, len(secrets))
	for _, s := range secrets {
		key, err := enroll.WebhookSecretKey(s)
		if err != nil {
			return "", err
		}
		parts = append(parts, "v1,"+base64.StdEncoding.EncodeToString(mac(key, id, ts, body)))
	}
	return strings.Join(parts, " "), nil
}

func mac(key []byte, id string, ts time.Time, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(id + "." + strconv.FormatInt(ts.Unix(), 10) + "."))
	h.Write(body)
	return h.Sum(nil)
}

// ErrNoSecret is Sign's error for an endpoint without a signing secret;
// its text is the attempt's error.
var ErrNoSecret = errors.New("not sent: the endpoint has no signing secret")

// Verification errors.
var (
	ErrMissingHeaders   = errors.New("webhook: missing webhook-id, webhook-timestamp or webhook-signature")
	ErrTimestamp        = errors.New("webhook: timestamp outside the tolerance")
	ErrNoMatchingSecret = errors.New("webhook: no signature matches the secret")
)

// Verify checks a received webhook as a receiver should: the timestamp
// within tolerance of now (replay protection), and a v1 signature made with
// secret. Receivers in Go can use it; the tests do.
func Verify(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	id, tsText, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || tsText == "" || sigs == "" {
		return ErrMissingHeaders
	}
	sec, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return ErrTimestamp
	}
	ts := time.Unix(sec, 0)
	if d := now.Sub(ts); d > tolerance || d < -tolerance {
		return ErrTimestamp
	}
	key, err := enroll.WebhookSecretKey(secret)
	if err != nil {
		return err
	}
	want := mac(key, id, ts, body)
	for _, sig := range strings.Fields(sigs) {
		v, b64, ok := strings.Cut(sig, ",")
		if !ok || v != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrNoMatchingSecret
}
