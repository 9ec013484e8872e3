package http_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	enrollhttp "github.com/enrollhq/enroll/http"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogs_NoSecrets drives requests that carry, create, refuse and fail
// with secrets, logging everything at debug level, and checks that no
// secret reaches the log while every request is logged with its id, key
// id, route, status and duration.
func TestLogs_NoSecrets(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	e := newEnvWith(t, func(c *enrollhttp.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c.RateLimit, c.RateBurst = 1000, 1000
	})
	created := e.do("POST", "/v1/apiKeys", map[string]any{"name": "logged"}, withIdempotencyKey("log-key")).expect(201).obj()
	newSecret, newID := created["secret"].(string), created["id"].(string)
	e.do("POST", "/v1/apiKeys", map[string]any{"name": "logged"}, withIdempotencyKey("log-key")).expect(201)
	e.do("GET", "/v1/programs", nil, withKey(newSecret)).expect(200)
	unknown := "sk_" + strings.Repeat("Z", 40)
	e.do("GET", "/v1/programs", nil, withKey(unknown)).expect(401)
	e.do("GET", "/v1/programs", nil, withHeader("Authorization", "Basic "+newSecret)).expect(401)
	e.do("DELETE", "/v1/apiKeys/"+newID, nil).expect(204)
	e.do("GET", "/v1/programs", nil, withKey(newSecret)).expect(401)
	// An internal error is logged with its cause.
	e.exec(`ALTER TABLE leads RENAME TO leads_away`)
	e.do("POST", "/v1/leads", map[string]any{"email": "err@example.com"}).expect(500)
	e.exec(`ALTER TABLE leads_away RENAME TO leads`)
	if err := e.srv.Close(); err != nil { // flush background writes into the log
		t.Fatal(err)
	}

	out := logs.String()
	for name, secret := range map[string]string{"workspace key": e.secret, "new key": newSecret, "unknown key": unknown} {
		if strings.Contains(out, secret) || strings.Contains(out, secret[3:]) {
			t.Errorf("the log shows the %s's secret", name)
		}
	}
	if strings.Contains(out, "Bearer") || strings.Contains(out, "Basic ") {
		t.Error("the log shows an Authorization header")
	}
	var requests, withKeyID int
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		if rec["msg"] != "request" {
			continue
		}
		requests++
		for _, k := range []string{"requestId", "route", "status", "duration", "method"} {
			if _, ok := rec[k]; !ok {
				t.Errorf("access log without %s: %s", k, line)
			}
		}
		if rec["keyId"] == e.keyID || rec["keyId"] == newID {
			withKeyID++
		}
	}
	if requests != 8 || withKeyID != 5 {
		t.Errorf("%d access log lines, %d with a key id:\n%s", requests, withKeyID, out)
	}
	if !strings.Contains(out, `"msg":"internal error"`) {
		t.Error("the internal error is not logged")
	}
}
