package http_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/enrollhq/enroll/seal"
	"github.com/enrollhq/enroll/webhook"
)

// rawSecrets returns the secrets column of webhook endpoint id as the
// env's database holds it.
func (e *env) rawSecrets(id string) string {
	e.t.Helper()
	var v string
	if e.pgURL == "" {
		if err := e.sqlDB().QueryRow(`SELECT secrets FROM webhook_endpoints WHERE id = ?`, id).Scan(&v); err != nil {
			e.t.Fatal(err)
		}
		return v
	}
	e.pgExec(func(c *pgx.Conn) error {
		return c.QueryRow(context.Background(), `SELECT secrets::text FROM webhook_endpoints WHERE id = $1`, id).Scan(&v)
	})
	return v
}

// setRawSecrets stores v as the secrets column of webhook endpoint id.
func (e *env) setRawSecrets(id, v string) {
	e.t.Helper()
	if e.pgURL == "" {
		e.exec(`UPDATE webhook_endpoints SET secrets = ? WHERE id = ?`, v, id)
		return
	}
	e.pgExec(func(c *pgx.Conn) error {
		_, err := c.Exec(context.Background(), `UPDATE webhook_endpoints SET secrets = $1::jsonb WHERE id = $2`, v, id)
		return err
	})
}

// pgExec runs fn on a connection of its own to the env's PostgreSQL
// database.
func (e *env) pgExec(fn func(*pgx.Conn) error) {
	e.t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, e.pgURL)
	if err != nil {
		e.t.Fatal(err)
	}
	defer c.Close(ctx)
	if err := fn(c); err != nil {
		e.t.Fatal(err)
	}
}

// TestWebhookEndpointSecretUnopened: an endpoint whose sealed signing
// secret does not open (another endpoint's value copied to its row) reads,
// lists, changes and deletes as any other, with If-Match, its secretError
// saying why; its changes keep the stored value; its deliveries are not
// sent, saying why, until a rotation gives it a new secret, which signs
// them from then on.
func TestWebhookEndpointSecretUnopened(t *testing.T) {
	t.Parallel()
	sealer, err := seal.New(bytes.Repeat([]byte{5}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	e := newWebhookEnvOn(t, sealer)
	goodRec, brokenRec := newHookReceiver(t), newHookReceiver(t)
	create := func(url string) string {
		return e.do("POST", "/v1/webhookEndpoints", map[string]any{"url": url}).expect(201).obj()["id"].(string)
	}
	good, broken, doomed := create(goodRec.srv.URL+"/in"), create(brokenRec.srv.URL+"/in"), create("https://hooks.example.com/doomed")
	e.setRawSecrets(broken, e.rawSecrets(good))
	e.setRawSecrets(doomed, e.rawSecrets(good))
	stored := e.rawSecrets(broken)
	path := "/v1/webhookEndpoints/" + broken
	patch := withHeader("Content-Type", "application/merge-patch+json")
	const why = "The signing secret cannot be opened: it was altered or damaged. Deliveries are not sent until the secret is rotated."
	var etag string

	t.Run("200", func(t *testing.T) {
		got := e.do("GET", path, nil).expect(200)
		etag = got.Header.Get("ETag")
		m := got.obj()
		if etag == "" || m["secretError"] != why || m["id"] != broken {
			t.Fatalf("GET: ETag %q, %s", etag, got.Body)
		}
		if _, ok := m["secret"]; ok {
			t.Fatalf("GET shows a secret: %s", got.Body)
		}
		if g := e.do("GET", "/v1/webhookEndpoints/"+good, nil).expect(200).obj(); !hasNull(g, "secretError") {
			t.Fatalf("GET of an endpoint whose secret opens: %v", g)
		}
		listed := map[string]any{}
		for _, item := range e.do("GET", "/v1/webhookEndpoints", nil).expect(200).obj()["data"].([]any) {
			listed[item.(map[string]any)["id"].(string)] = item.(map[string]any)["secretError"]
		}
		if listed[broken] != why || listed[doomed] != why || listed[good] != nil || len(listed) != 3 {
			t.Fatalf("listed secretErrors: %v", listed)
		}
		// Changes with its ETag work and keep the stored value.
		for _, body := range []string{`{"description": "still here"}`, `{"enabled": false}`, `{"enabled": true}`} {
			r := e.do("PATCH", path, raw(body), patch, withHeader("If-Match", etag)).expect(200)
			if r.obj()["secretError"] != why || r.Header.Get("ETag") == "" {
				t.Fatalf("PATCH %s: %s", body, r.Body)
			}
			etag = r.Header.Get("ETag")
			if got := e.rawSecrets(broken); got != stored {
				t.Fatalf("PATCH %s stored the secrets as %s, were %s", body, got, stored)
			}
		}
		// The representation sent back whole, secretError with it.
		whole := e.do("GET", path, nil).expect(200)
		if r := e.do("PATCH", path, raw(whole.Body), patch, withHeader("If-Match", etag)).expect(200); r.Header.Get("ETag") != etag {
			t.Fatalf("PATCH of the representation as read changed it: %s", r.Body)
		}
	})

	t.Run("412", func(t *testing.T) {
		e.do("PATCH", path, raw(`{"description": "stale"}`), patch, withHeader("If-Match", `"0000000000000000"`)).expect(412)
		e.do("DELETE", "/v1/webhookEndpoints/"+doomed, nil, withHeader("If-Match", `"0000000000000000"`)).expect(412)
	})

	t.Run("204", func(t *testing.T) {
		tag := e.do("GET", "/v1/webhookEndpoints/"+doomed, nil).expect(200).Header.Get("ETag")
		e.do("DELETE", "/v1/webhookEndpoints/"+doomed, nil, withHeader("If-Match", tag)).expect(204)
		e.do("GET", "/v1/webhookEndpoints/"+doomed, nil).expect(404)
	})

	t.Run("deliveries wait for a new secret", func(t *testing.T) {
		e.enrollIn(e.manualInstance(), customerInfo(nil))
		var page struct {
			Data []struct {
				Attempts []struct {
					Error *string `json:"error"`
				} `json:"attempts"`
			} `json:"data"`
		}
		waitFor(t, "a failed attempt", func() bool {
			e.do("GET", path+"/deliveries", nil).expect(200).decode(&page)
			return len(page.Data) > 0 && len(page.Data[0].Attempts) > 0
		})
		if a := page.Data[0].Attempts[0]; a.Error == nil || *a.Error != "not sent: the endpoint's signing secret cannot be opened: it was altered or damaged" {
			t.Fatalf("attempt: %+v", a)
		}
		if brokenRec.count() != 0 {
			t.Fatal("a delivery was sent without the endpoint's secret")
		}
		rot := e.do("POST", path+"/rotateSecret", nil).expect(200)
		m := rot.obj()
		secret, _ := m["secret"].(string)
		if !strings.HasPrefix(secret, "whsec_") || !hasNull(m, "secretError") || !hasNull(m, "previousSecretExpiresAt") {
			t.Fatalf("rotated: %s", rot.Body)
		}
		if g := e.do("GET", path, nil).expect(200); !hasNull(g.obj(), "secretError") || g.Header.Get("ETag") != rot.Header.Get("ETag") {
			t.Fatalf("GET after the rotation: %s", g.Body)
		}
		// The waiting delivery is retried, signed with the new secret.
		waitFor(t, "the delivery retried", func() bool { return brokenRec.count() > 0 })
		brokenRec.mu.Lock()
		defer brokenRec.mu.Unlock()
		for i, h := range brokenRec.got {
			if err := webhook.Verify(secret, h, brokenRec.raw[i], time.Now(), time.Minute); err != nil {
				t.Fatalf("delivery %d does not verify with the new secret: %v", i, err)
			}
		}
	})
}
