package main

import (
	"bytes"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/enrollhq/enroll/postgres/pgtest"
	"github.com/enrollhq/enroll/seal"
)

// TestServeLostSecretsKey: over secrets sealed under a key that is lost,
// serve refuses to start, saying how to start all the same; named with
// --secrets-key-lost, it starts, the endpoint reads with its secretError
// and a rotation gives it a new secret that signs its deliveries; once
// none is left, a start without the flag no longer refuses.
func TestServeLostSecretsKey(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		testServeLostSecretsKey(t, filepath.Join(t.TempDir(), "e.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		testServeLostSecretsKey(t, pgtest.NewDatabase(t))
	})
}

// testServeLostSecretsKey is TestServeLostSecretsKey on database db.
func testServeLostSecretsKey(t *testing.T, db string) {
	// The receiver verifies nothing until the rotation's secret: the
	// one sealed under the lost key is not to sign anything after.
	recv := newWebhookReceiver(t)
	lostKey, newKey := testSecretsKey(1), testSecretsKey(2)
	lostID := seal.KeyID(bytes.Repeat([]byte{1}, 32))
	s := startSealed(t, db, lostKey, recv)
	key, ep := s.key, s.endpoint
	if err := s.m.Close(); err != nil {
		t.Fatal(err)
	}

	_, _, err := serveWith(t, db, func(c *Config) { c.SecretsKeys = []string{newKey} })
	if err == nil || !strings.Contains(err.Error(), `sealed as "aes-256-gcm:v1:`+lostID+`"`) ||
		!strings.Contains(err.Error(), "if that key is lost, name its id with --secrets-key-lost") {
		t.Fatalf("serve over a lost key's secrets: %v, want a refusal saying how to start", err)
	}

	m, _, err := serveWith(t, db, func(c *Config) {
		c.SecretsKeys, c.SecretsKeysLost = []string{newKey}, []string{"aes-256-gcm:v1:" + lostID}
	})
	if err != nil {
		t.Fatalf("serve with --secrets-key-lost: %v", err)
	}
	res := do(t, "GET", m.HTTPServer.URL()+"/v1/webhookEndpoints/"+ep, key, "")
	if got := decodeBody(t, res); res.StatusCode != http.StatusOK || !strings.Contains(got["secretError"].(string), "not configured with") {
		t.Fatalf("GET of an endpoint sealed under the lost key = %d %v", res.StatusCode, got)
	}
	rot := decodeBody(t, do(t, "POST", m.HTTPServer.URL()+"/v1/webhookEndpoints/"+ep+"/rotateSecret", key, ""))
	if rot["secretError"] != nil {
		t.Fatalf("rotated: %v", rot)
	}
	recv.setSecret(rot["secret"].(string))
	s.enroll(t, m, "lost@example.com")
	recv.wait(t)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	m, _, err = serveWith(t, db, func(c *Config) { c.SecretsKeys = []string{newKey} })
	if err != nil {
		t.Fatalf("serve once no secret is sealed under the lost key: %v", err)
	}
	m.Close()
}
