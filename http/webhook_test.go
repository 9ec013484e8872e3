package http_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	enrollhttp "github.com/enrollhq/enroll/http"
	"github.com/enrollhq/enroll/webhook"
)

// hookReceiver is a real receiver that keeps what it got.
type hookReceiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []http.Header
	raw [][]byte
}

func newHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.got = append(h.got, r.Header.Clone())
		h.raw = append(h.raw, b)
		h.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookReceiver) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.got)
}

// newWebhookEnv is newEnv with a running Deliverer woken by the server.
func newWebhookEnv(t *testing.T) *env { return newWebhookEnvOn(t, nil) }

// newWebhookEnvOn is newWebhookEnv over a store that seals webhook
// signing secrets with sealer (nil: none).
func newWebhookEnvOn(t *testing.T, sealer enroll.SecretSealer) *env {
	var d *webhook.Deliverer
	e := newEnvOn(t, sealer, func(c *enrollhttp.Config) {
		c.WakeWebhooks = func() {
			if d != nil {
				d.Wake()
			}
		}
	})
	d = webhook.New(webhook.Config{Store: e.store.(enroll.WebhookStore), AllowPrivate: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	d.Start()
	t.Cleanup(func() { d.Close() })
	return e
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestWebhookEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	t.Run("201 and the secret once", func(t *testing.T) {
		r := e.do("POST", "/v1/webhookEndpoints", map[string]any{"url": "https://hooks.example.com/a", "description": "CRM",
			"eventTypes": []string{"enrollment.status_changed"}}).expect(201)
		m := r.obj()
		id, _ := m["id"].(string)
		if !strings.HasPrefix(m["secret"].(string), "whsec_") || m["enabled"] != true || r.Header.Get("Location") != "/v1/webhookEndpoints/"+id {
			t.Fatalf("created: %s", r.Body)
		}
		got := e.do("GET", "/v1/webhookEndpoints/"+id, nil).expect(200).obj()
		if _, ok := got["secret"]; ok || got["url"] != "https://hooks.example.com/a" || got["description"] != "CRM" {
			t.Fatalf("GET shows: %v", got)
		}
		list := e.do("GET", "/v1/webhookEndpoints", nil).expect(200).obj()
		if data := list["data"].([]any); len(data) == 0 || strings.Contains(string(e.do("GET", "/v1/webhookEndpoints", nil).Body), "whsec_") {
			t.Fatalf("list: %v", list)
		}
	})

	t.Run("200 patch, rotate; 204 delete", func(t *testing.T) {
		created := e.do("POST", "/v1/webhookEndpoints", map[string]any{"url": "https://hooks.example.com/b"}).expect(201)
		id := created.obj()["id"].(string)
		// A PATCH that changes nothing keeps updatedAt, and the ETag.
		same := e.do("PATCH", "/v1/webhookEndpoints/"+id, raw(`{}`), withHeader("Content-Type", "application/merge-patch+json")).expect(200)
		if same.obj()["updatedAt"] != created.obj()["updatedAt"] || same.Header.Get("ETag") != created.Header.Get("ETag") {
			t.Fatalf("PATCH {} changed the endpoint: %s, was %s", same.Body, created.Body)
		}
		p := e.do("PATCH", "/v1/webhookEndpoints/"+id, raw(`{"enabled": false, "description": "paused", "eventTypes": ["enrollment.created"]}`),
			withHeader("Content-Type", "application/merge-patch+json")).expect(200).obj()
		if p["enabled"] != false || p["description"] != "paused" || len(p["eventTypes"].([]any)) != 1 {
			t.Fatalf("patched: %v", p)
		}
		p = e.do("PATCH", "/v1/webhookEndpoints/"+id, raw(`{"eventTypes": null, "description": null}`),
			withHeader("Content-Type", "application/merge-patch+json")).expect(200).obj()
		if len(p["eventTypes"].([]any)) != 0 || p["description"] != nil || p["disabledReason"] != nil {
			t.Fatalf("cleared: %v", p)
		}
		rot := e.do("POST", "/v1/webhookEndpoints/"+id+"/rotateSecret", nil).expect(200).obj()
		if !strings.HasPrefix(rot["secret"].(string), "whsec_") || rot["previousSecretExpiresAt"] == nil {
			t.Fatalf("rotated: %v", rot)
		}
		e.do("DELETE", "/v1/webhookEndpoints/"+id, nil).expect(204)
		e.do("GET", "/v1/webhookEndpoints/"+id, nil).expect(404)
		e.do("DELETE", "/v1/webhookEndpoints/"+id, nil).expect(404)
	})

	t.Run("422", func(t *testing.T) {
		for _, body := range []string{
			`{"url": "ftp://example.com/x"}`,
			`{"url": "/relative"}`,
			`{"url": "https://user:pw@example.com/"}`,
			`{"url": "https://example.com/", "eventTypes": ["enrollment.exploded"]}`,
			`{"url": "https://example.com/", "eventTypes": ["enrollment.created", "enrollment.created"]}`,
			`{}`,
			`{"url": "https://example.com/", "secret": "whsec_mine"}`,
		} {
			r := e.do("POST", "/v1/webhookEndpoints", raw(body))
			if r.Status != 422 || !strings.Contains(r.Header.Get("Content-Type"), "problem+json") {
				t.Errorf("%s: %d %s", body, r.Status, r.Body)
			}
		}
	})

	t.Run("404", func(t *testing.T) {
		id := e.do("POST", "/v1/webhookEndpoints", map[string]any{"url": "https://hooks.example.com/c"}).expect(201).obj()["id"].(string)
		_, _, other := e.newWorkspace()
		for _, path := range []string{"/v1/webhookEndpoints/" + id, "/v1/webhookEndpoints/" + id + "/deliveries"} {
			e.do("GET", path, nil, withKey(other)).expect(404)
		}
		e.do("POST", "/v1/webhookEndpoints/"+id+"/rotateSecret", nil, withKey(other)).expect(404)
		e.do("GET", "/v1/webhookEndpoints/whe_nope/deliveries/whd_nope", nil).expect(404)
		e.do("POST", "/v1/webhookEndpoints/"+id+"/deliveries/whd_nope/redeliver", nil).expect(404)
	})

	t.Run("idempotent create shows the secret once", func(t *testing.T) {
		body := map[string]any{"url": "https://hooks.example.com/idem"}
		first := e.do("POST", "/v1/webhookEndpoints", body, withHeader("Idempotency-Key", "wh-1")).expect(201).obj()
		again := e.do("POST", "/v1/webhookEndpoints", body, withHeader("Idempotency-Key", "wh-1")).expect(201)
		if again.Header.Get("Idempotent-Replayed") != "true" || again.obj()["id"] != first["id"] || strings.Contains(string(again.Body), "whsec_") {
			t.Fatalf("replay: %s", again.Body)
		}
	})
}

func TestWebhookDeliveryThroughAPI(t *testing.T) {
	t.Parallel()
	e := newWebhookEnv(t)
	rec := newHookReceiver(t)
	ep := e.do("POST", "/v1/webhookEndpoints", map[string]any{"url": rec.srv.URL + "/in"}).expect(201).obj()
	id, secret := ep["id"].(string), ep["secret"].(string)

	inst := e.createInstance(nil)
	enr := e.do("POST", "/v1/programInstances/"+inst+"/enrollments", raw(seedCreate)).expect(201).obj()
	waitFor(t, "the enrollment's events", func() bool { return rec.count() >= 2 })

	rec.mu.Lock()
	for i, h := range rec.got {
		if err := webhook.Verify(secret, h, rec.raw[i], time.Now(), time.Minute); err != nil {
			t.Fatalf("delivery %d does not verify: %v", i, err)
		}
	}
	var first enroll.Event
	_ = json.Unmarshal(rec.raw[len(rec.raw)-1], &first)
	rec.mu.Unlock()

	var page struct {
		Data []enroll.WebhookDelivery `json:"data"`
	}
	waitFor(t, "attempts recorded", func() bool {
		e.do("GET", "/v1/webhookEndpoints/"+id+"/deliveries?status=succeeded", nil).expect(200).decode(&page)
		return len(page.Data) >= 2
	})
	d := page.Data[0]
	if d.AttemptCount != 1 || d.Attempts[0].StatusCode != 200 || d.EndpointID != id {
		t.Fatalf("delivery: %+v", d)
	}
	one := e.do("GET", "/v1/webhookEndpoints/"+id+"/deliveries/"+d.ID, nil).expect(200).obj()
	if one["id"] != d.ID || one["eventId"] != d.EventID {
		t.Fatalf("GET delivery: %v", one)
	}
	// The event log answers the same question from the other side.
	events := e.do("GET", "/v1/events?enrollmentId="+enr["id"].(string), nil).expect(200).obj()
	if n := len(events["data"].([]any)); n == 0 {
		t.Fatal("no events for the enrollment")
	}

	seen := func() int { // how many requests carried the delivery's event
		rec.mu.Lock()
		defer rec.mu.Unlock()
		n := 0
		for _, h := range rec.got {
			if h.Get(webhook.HeaderID) == d.EventID {
				n++
			}
		}
		return n
	}
	waitFor(t, "the first delivery", func() bool { return seen() == 1 })
	re := e.do("POST", "/v1/webhookEndpoints/"+id+"/deliveries/"+d.ID+"/redeliver", nil).expect(202)
	m := re.obj()
	if m["redeliveryOf"] != d.ID || m["eventId"] != d.EventID || !strings.HasSuffix(re.Header.Get("Location"), "/deliveries/"+m["id"].(string)) {
		t.Fatalf("redeliver: %s", re.Body)
	}
	// The redelivery carries the same webhook-id: the event's.
	waitFor(t, "the redelivery", func() bool { return seen() == 2 })
}

// webhookDelivery creates an endpoint and one delivery to it, recorded as
// sent and received (so that it may be redelivered), and returns their
// ids.
func (e *env) webhookDelivery() (endpointID, deliveryID string) {
	e.t.Helper()
	endpointID, deliveryID = e.pendingWebhookDelivery()
	ws := e.store.(enroll.WebhookStore)
	ctx := context.Background()
	// Parallel fixtures claim each other's deliveries too: go on until
	// this one is finished, by whichever.
	for i := 0; ; i++ {
		jobs, err := ws.ClaimWebhookDeliveries(ctx, time.Minute, 500, 500, 500)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, j := range jobs {
			ok := enroll.DeliveryOutcome{Attempt: enroll.DeliveryAttempt{At: time.Now(), StatusCode: 200}, Status: enroll.DeliverySucceeded}
			if _, err := ws.FinishWebhookDelivery(ctx, j, ok); err != nil {
				e.t.Fatal(err)
			}
		}
		d := e.do("GET", "/v1/webhookEndpoints/"+endpointID+"/deliveries/"+deliveryID, nil).expect(200).obj()
		if d["status"] == string(enroll.DeliverySucceeded) {
			return endpointID, deliveryID
		}
		if i == 200 {
			e.t.Fatalf("delivery %s not finished: %v", deliveryID, d)
		}
		time.Sleep(time.Duration(i) * time.Millisecond)
	}
}

// pendingWebhookDelivery creates an endpoint and one delivery to it (of
// the events so far, dispatched without sending) and returns their ids.
func (e *env) pendingWebhookDelivery() (endpointID, deliveryID string) {
	e.t.Helper()
	endpointID = e.do("POST", "/v1/webhookEndpoints", map[string]any{"url": "https://hooks.example.com/fixture"}).expect(201).obj()["id"].(string)
	e.enrollIn(e.manualInstance(), customerInfo(nil))
	ws := e.store.(enroll.WebhookStore)
	var page struct {
		Data []map[string]any `json:"data"`
	}
	// Another test's dispatch may hold the (PostgreSQL) dispatch lock: retry.
	for i := 0; len(page.Data) == 0; i++ {
		if _, err := ws.DispatchEvents(context.Background(), 500, 0); err != nil {
			e.t.Fatal(err)
		}
		e.do("GET", "/v1/webhookEndpoints/"+endpointID+"/deliveries", nil).expect(200).decode(&page)
		if i == 200 {
			e.t.Fatal("no delivery dispatched")
		}
		time.Sleep(time.Duration(i) * time.Millisecond)
	}
	return endpointID, page.Data[0]["id"].(string)
}

// TestEventsPollAfter follows the event log as a polling consumer does:
// after the last id received, oldest first, until caught up.
func TestEventsPollAfter(t *testing.T) {
	t.Parallel()
	e := newWebhookEnv(t) // its deliverer publishes events
	inst := e.createInstance(nil)
	var first struct {
		Data []enroll.Event `json:"data"`
	}
	e.do("GET", "/v1/events?perPage=500", nil).expect(200).decode(&first)
	oldest := first.Data[len(first.Data)-1].ID
	for i := 0; i < 3; i++ {
		e.enrollIn(inst, customerInfo(nil))
	}
	var all struct {
		Data       []enroll.Event `json:"data"`
		TotalItems int            `json:"totalItems"`
	}
	e.do("GET", "/v1/events?perPage=500", nil).expect(200).decode(&all)
	var polled []string
	cursor := oldest
	waitFor(t, "the poll to catch up", func() bool {
		r := e.do("GET", "/v1/events?perPage=2&after="+cursor, nil)
		if r.Status == 422 { // the cursor's event is not published yet
			return false
		}
		var pg struct {
			Data []enroll.Event `json:"data"`
		}
		r.expect(200).decode(&pg)
		for _, ev := range pg.Data {
			polled = append(polled, ev.ID)
			cursor = ev.ID
		}
		return len(polled) >= all.TotalItems-1
	})
	for i, id := range polled {
		if want := all.Data[len(all.Data)-2-i].ID; id != want {
			t.Fatalf("poll %d = %s, want %s (oldest first)", i, id, want)
		}
	}
	r := e.do("GET", "/v1/events?after=evt_nope", nil).expect(422)
	if !strings.Contains(string(r.Body), "query.after") {
		t.Fatalf("422 body: %s", r.Body)
	}

	// A poll is page 0 of the backlog, whatever perPage: a page number
	// would answer the first page again under another number (a client
	// walking totalPages read the same events on every page), so it is
	// refused, as is a page token.
	pg := e.do("GET", "/v1/events?perPage=1&page=0&after="+oldest, nil).expect(200).obj()
	if pg["page"] != 0.0 || pg["totalPages"] != float64(len(polled)) || pg["nextPageToken"] != nil {
		t.Fatalf("poll page = %v", pg)
	}
	for query, loc := range map[string]string{"page=2": "query.page", "pageToken=abc": "query.pageToken"} {
		p := e.do("GET", "/v1/events?perPage=1&after="+oldest+"&"+query, nil).expect(422).problem()
		if len(p.Errors) != 1 || p.Errors[0].Location != loc || p.Errors[0].Value == nil {
			t.Errorf("%s: errors %+v", query, p.Errors)
		}
	}
}
