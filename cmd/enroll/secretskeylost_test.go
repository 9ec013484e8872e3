package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll/postgres/pgtest"
	"github.com/enrollhq/enroll/seal"
	"github.com/enrollhq/enroll/webhook"
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
	var (
		mu       sync.Mutex
		secret   string
		verified = make(chan error, 100)
	)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		sec := secret
		mu.Unlock()
		err := webhook.Verify(sec, r.Header, body, time.Now(), time.Minute)
		verified <- err
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
		}
	}))
	t.Cleanup(recv.Close)

	lostKey, newKey := testSecretsKey(1), testSecretsKey(2)
	lostID := seal.KeyID(bytes.Repeat([]byte{1}, 32))
	m, out, err := serveWith(t, db, func(c *Config) { c.SecretsKeys = []string{lostKey} })
	if err != nil {
		t.Fatal(err)
	}
	key := secretIn(t, out)
	ep := decodeBody(t, do(t, "POST", m.HTTPServer.URL()+"/v1/webhookEndpoints", key, `{"url": "`+recv.URL+`/hooks"}`))["id"].(string)
	do(t, "POST", m.HTTPServer.URL()+"/v1/programs", key, `{"slug": "rebate", "name": "Rebate"}`)
	inst := decodeBody(t, do(t, "POST", m.HTTPServer.URL()+"/v1/programs/rebate/instances", key, `{"slug": "2026", "name": "2026"}`))["id"].(string)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	_, _, err = serveWith(t, db, func(c *Config) { c.SecretsKeys = []string{newKey} })
	if err == nil || !strings.Contains(err.Error(), `sealed as "aes-256-gcm:v1:`+lostID+`"`) ||
		!strings.Contains(err.Error(), "if that key is lost, name its id with --secrets-key-lost") {
		t.Fatalf("serve over a lost key's secrets: %v, want a refusal saying how to start", err)
	}

	m, _, err = serveWith(t, db, func(c *Config) {
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
	mu.Lock()
	secret = rot["secret"].(string)
	mu.Unlock()
	res = do(t, "POST", m.HTTPServer.URL()+"/v1/programInstances/"+inst+"/enrollments", key,
		`{"identificationType": "customerInfo", "firstName": "W", "lastName": "H", "email": "lost@example.com"}`)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create enrollment = %d", res.StatusCode)
	}
	select {
	case err := <-verified:
		if err != nil {
			t.Fatalf("the delivery does not verify with the new secret: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no delivery reached the receiver")
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	m, _, err = serveWith(t, db, func(c *Config) { c.SecretsKeys = []string{newKey} })
	if err != nil {
		t.Fatalf("serve once no secret is sealed under the lost key: %v", err)
	}
	m.Close()
}
