package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres/pgtest"
	"github.com/enrollhq/enroll/seal"
	"github.com/enrollhq/enroll/webhook"
	"github.com/jackc/pgx/v5"
)

// testSecretsKey is a --secrets-key: base64 of 32 bytes b.
func testSecretsKey(b byte) string {
	return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, 32))
}

// serveWith opens a server on db configured by configure, and returns it
// and what it printed, or the error of its start.
func serveWith(t *testing.T, db string, configure func(*Config)) (*Main, string, error) {
	t.Helper()
	m := NewMain()
	var out bytes.Buffer
	m.Stdout, m.Stderr = &out, io.Discard
	m.Config.DB, m.Config.Addr, m.Config.WebhookAllowPrivate = db, "127.0.0.1:0", true
	configure(&m.Config)
	err := m.Open(context.Background())
	return m, out.String(), err
}

// TestServeSealedSecrets runs serve with --secrets-key: a webhook's
// signature made with the secret the database holds sealed verifies, the
// database holds no secret, and a restart without the key, or with
// another, refuses to start, naming the problem, while the keys in
// rotation (new first, old after, from a file) start and deliver.
func TestServeSealedSecrets(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		db := filepath.Join(t.TempDir(), "e.db")
		testServeSealedSecrets(t, db, func() string {
			raw, err := sql.Open("sqlite", db)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			var stored string
			if err := raw.QueryRow(`SELECT secrets FROM webhook_endpoints`).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			return stored
		})
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		db := pgtest.NewDatabase(t)
		testServeSealedSecrets(t, db, func() string {
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			var stored string
			if err := conn.QueryRow(ctx, `SELECT secrets::text FROM webhook_endpoints`).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			return stored
		})
	})
}

// webhookReceiver is an HTTP server for webhook deliveries that verifies
// each with the endpoint's secret, once the test has set it (deliveries
// before are refused, to be retried, and not reported).
type webhookReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	secret   string
	verified chan error
}

func newWebhookReceiver(t *testing.T) *webhookReceiver {
	r := &webhookReceiver{verified: make(chan error, 100)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		sec := r.secret
		r.mu.Unlock()
		if sec == "" {
			http.Error(w, "no secret yet", http.StatusServiceUnavailable)
			return
		}
		err := webhook.Verify(sec, req.Header, body, time.Now(), time.Minute)
		r.verified <- err
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
		}
	}))
	t.Cleanup(r.Close)
	return r
}

// setSecret is the endpoint's secret, from now on.
func (r *webhookReceiver) setSecret(secret string) {
	r.mu.Lock()
	r.secret = secret
	r.mu.Unlock()
}

// wait fails the test unless the next delivery verifies.
func (r *webhookReceiver) wait(t *testing.T) {
	t.Helper()
	select {
	case err := <-r.verified:
		if err != nil {
			t.Fatalf("the delivery's signature does not verify with the endpoint's secret: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no delivery reached the receiver")
	}
}

// sealedServer is a server started with one --secrets-key, with an API
// key, a webhook endpoint delivering to a receiver, and a program
// instance.
type sealedServer struct {
	m                *Main
	key, endpoint    string
	instance, secret string
}

// startSealed starts a sealedServer on db with secretsKey; secret is the
// endpoint's, as its create answered it.
func startSealed(t *testing.T, db, secretsKey string, recv *webhookReceiver) *sealedServer {
	t.Helper()
	m, out, err := serveWith(t, db, func(c *Config) { c.SecretsKeys = []string{secretsKey} })
	if err != nil {
		t.Fatal(err)
	}
	s := &sealedServer{m: m, key: secretIn(t, out)}
	res := do(t, "POST", m.HTTPServer.URL()+"/v1/webhookEndpoints", s.key, `{"url": "`+recv.URL+`/hooks"}`)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create endpoint = %d", res.StatusCode)
	}
	ep := decodeBody(t, res)
	s.endpoint, s.secret = ep["id"].(string), ep["secret"].(string)
	do(t, "POST", m.HTTPServer.URL()+"/v1/programs", s.key, `{"slug": "rebate", "name": "Rebate"}`)
	s.instance = decodeBody(t, do(t, "POST", m.HTTPServer.URL()+"/v1/programs/rebate/instances", s.key, `{"slug": "2026", "name": "2026"}`))["id"].(string)
	return s
}

// enroll creates an enrollment of email in the instance, through m, the
// server started or another on its database.
func (s *sealedServer) enroll(t *testing.T, m *Main, email string) {
	t.Helper()
	res := do(t, "POST", m.HTTPServer.URL()+"/v1/programInstances/"+s.instance+"/enrollments", s.key,
		`{"identificationType": "customerInfo", "firstName": "W", "lastName": "H", "email": "`+email+`"}`)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create enrollment = %d", res.StatusCode)
	}
}

// testServeSealedSecrets is TestServeSealedSecrets on database db, whose
// one endpoint's stored secrets stored reads.
func testServeSealedSecrets(t *testing.T, db string, stored func() string) {
	recv := newWebhookReceiver(t)
	old := testSecretsKey(1)
	s := startSealed(t, db, old, recv)
	recv.setSecret(s.secret)
	m, secret := s.m, s.secret
	s.enroll(t, m, "a@example.com")
	recv.wait(t)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if stored := stored(); strings.Contains(stored, secret) || strings.Contains(stored, "whsec_") || !strings.Contains(stored, "aes-256-gcm:v1:") {
		t.Fatalf("the database holds the secrets as %s, want them sealed", stored)
	}

	// Without the key, or with another alone, serve refuses to start.
	for _, c := range []struct {
		name string
		keys []string
		want string
	}{
		{"no key", nil, "and no key is configured: sealed under a key that is not configured; give the key that sealed them with --secrets-key"},
		{"another key", []string{testSecretsKey(2)}, "under none of the keys configured: sealed under a key that is not configured; add the key that sealed them to --secrets-key"},
	} {
		m, out, err := serveWith(t, db, func(cfg *Config) { cfg.SecretsKeys = c.keys })
		if err == nil {
			m.Close()
			t.Fatalf("%s: serve started over secrets sealed under another key", c.name)
		}
		if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "webhook endpoint whe_") || strings.Contains(out, "sk_") {
			t.Fatalf("%s: serve refused with %q, want %q", c.name, err, c.want)
		}
	}

	// A new key first and the old one after, from a file: serve starts,
	// seals the secret again under the new key, and delivers.
	file := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(file, []byte("# new, then old\n"+testSecretsKey(2)+"\n\n"+old+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m, _, err := serveWith(t, db, func(c *Config) { c.SecretsKeyFile = file })
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s.enroll(t, m, "b@example.com")
	recv.wait(t)
}

// TestServeRefusesMalformedSecretsKey checks that a --secrets-key that is
// not base64 of 32 bytes, or a key file that holds none, is refused before
// the database is opened, naming the key by position and not showing it.
func TestServeRefusesMalformedSecretsKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("# nothing\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	short := base64.StdEncoding.EncodeToString([]byte("sixteen bytes!!!"))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--secrets-key", "not-a-key!"}, "--secrets-key: key 1 is not base64; make one with: openssl rand -base64 32"},
		{[]string{"--secrets-key", testSecretsKey(1) + "," + short}, "--secrets-key: key 2 is 16 bytes, want 32; make one with: openssl rand -base64 32"},
		{[]string{"--secrets-key", testSecretsKey(1) + "," + testSecretsKey(1)}, "--secrets-key: key 2 is key 1 again"},
		{[]string{"--secrets-key-file", empty}, "--secrets-key-file " + empty + " holds no key; make one with: openssl rand -base64 32"},
		{[]string{"--secrets-key-file", filepath.Join(dir, "missing")}, "--secrets-key-file: open "},
		{[]string{"--secrets-key", testSecretsKey(1), "--secrets-key-file", empty}, "--secrets-key and --secrets-key-file: give the keys one way"},
		// A quote, which a CSV reader refuses, is refused as any other
		// malformed key: by position, the text never quoted back.
		{[]string{"--secrets-key", `quoted"` + short}, "--secrets-key: key 1 is not base64"},
		{[]string{"--secrets-key", testSecretsKey(1) + `, "` + short}, "--secrets-key: key 2 is not base64"},
		{[]string{"--secrets-key-lost", "0123abcd,zz"}, `--secrets-key-lost: "zz" is not a key id`},
		{[]string{"--secrets-key", testSecretsKey(1), "--secrets-key-lost", seal.KeyID(bytes.Repeat([]byte{1}, 32))},
			"--secrets-key-lost " + seal.KeyID(bytes.Repeat([]byte{1}, 32)) + ": that key is given with --secrets-key"},
	} {
		db := filepath.Join(dir, "never.db")
		out, err := run(t, append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, c.args...)...)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), short) {
			t.Fatalf("serve %q: %v, want %q\n%s", c.args, err, c.want, out)
		}
		if _, err := os.Stat(db); !os.IsNotExist(err) {
			t.Fatalf("serve %q opened the database before refusing the key", c.args)
		}
	}
}

// TestServeDropsUnsealedConsoleSecrets checks that a start with
// --secrets-key drops the console's secrets left waiting plain by a run
// without it, and keeps its own sealed ones.
func TestServeDropsUnsealedConsoleSecrets(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	m, out, err := serveWith(t, db, func(*Config) {})
	if err != nil {
		t.Fatal(err)
	}
	ids := regexp.MustCompile(`Created workspace "default" \((\S+)\)[\s\S]*key id (\S+);`).FindStringSubmatch(out)
	if ids == nil {
		t.Fatalf("no workspace or key id printed:\n%s", out)
	}
	ctx := context.Background()
	session := func(secret string) string {
		t.Helper()
		now := time.Now()
		s := &enroll.ConsoleSession{ID: enroll.NewID(), WorkspaceID: ids[1], KeyID: ids[2], KeyHash: enroll.NewID(),
			WorkspaceName: "default", CSRF: enroll.NewID(), CreatedAt: now, LastSeenAt: now}
		if err := m.Store.CreateConsoleSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		if ok, err := m.Store.SwapConsoleSecret(ctx, s.ID, "", secret); err != nil || !ok {
			t.Fatalf("SwapConsoleSecret = %v, %v", ok, err)
		}
		return s.ID
	}
	key := testSecretsKey(7)
	sealer, err := seal.Parse([]string{key})
	if err != nil {
		t.Fatal(err)
	}
	plain := session(`[{"endpointId":"we_1","secret":"whsec_plain"}]`)
	sealed := session(sealer.KeyPrefixes()[0] + "sealed")
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	m, _, err = serveWith(t, db, func(c *Config) { c.SecretsKeys = []string{key} })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	for id, want := range map[string]string{plain: "", sealed: sealer.KeyPrefixes()[0] + "sealed"} {
		s, err := m.Store.FindConsoleSession(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if s.Secret != want {
			t.Errorf("session's secret after a start with --secrets-key = %q, want %q", s.Secret, want)
		}
	}
}
