package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/enrollhq/enroll/postgres/pgtest"
	"github.com/enrollhq/enroll/webhook"
)

// TestWebhookSurvivesKillMidDelivery kills a server (SIGKILL) while a
// receiver holds a delivery open, and checks that every event still
// reaches the receiver, signed, each enrollment's in order: on SQLite from
// the server restarted, on PostgreSQL from a second replica, started while
// the first held the delivery, which takes over the dead one's leases as
// they expire, with no restart.
func TestWebhookSurvivesKillMidDelivery(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		db   func(testing.TB) string
		// replica starts a second server before the kill, which carries
		// on alone; without it the killed server is restarted.
		replica bool
	}{
		{"sqlite restarted", func(t testing.TB) string { return filepath.Join(t.TempDir(), "hooks.db") }, false},
		{"postgres other replica", pgtest.NewDatabase, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			webhookKillMidDelivery(t, tc.db(t), tc.replica)
		})
	}
}

// webhookKillMidDelivery runs the test on database db; see its cases.
func webhookKillMidDelivery(t *testing.T, db string, replica bool) {
	var (
		mu       sync.Mutex
		hanging  = true
		held     = make(chan struct{}, 1)
		accepted []string // event ids, in the order accepted
		objects  = map[string]string{}
		secret   string
	)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		hang, sec := hanging, secret
		mu.Unlock()
		if hang {
			select {
			case held <- struct{}{}:
			default:
			}
			<-r.Context().Done() // held open until the sender dies
			return
		}
		if err := webhook.Verify(sec, r.Header, body, time.Now(), time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var ev struct {
			ID   string
			Data struct{ Object struct{ ID string } }
		}
		_ = json.Unmarshal(body, &ev)
		mu.Lock()
		accepted = append(accepted, ev.ID)
		objects[ev.ID] = ev.Data.Object.ID
		mu.Unlock()
	}))
	t.Cleanup(recv.Close)

	env := []string{"ENROLL_WEBHOOK_ALLOW_PRIVATE=true", "ENROLL_WEBHOOK_TIMEOUT=1s"}
	c := startChild(t, db, env...)
	key := secretIn(t, c.stdout)
	res := do(t, "POST", c.url+"/v1/webhookEndpoints", key, `{"url": "`+recv.URL+`/hooks"}`)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create endpoint = %d", res.StatusCode)
	}
	mu.Lock()
	secret = decodeBody(t, res)["secret"].(string)
	mu.Unlock()
	do(t, "POST", c.url+"/v1/programs", key, `{"slug": "rebate", "name": "Rebate"}`)
	inst := decodeBody(t, do(t, "POST", c.url+"/v1/programs/rebate/instances", key, `{"slug": "2026", "name": "2026"}`))["id"].(string)
	for i := range 5 {
		res := do(t, "POST", c.url+"/v1/programInstances/"+inst+"/enrollments", key,
			fmt.Sprintf(`{"identificationType": "customerInfo", "firstName": "W", "lastName": "H", "email": "w%d@example.com"}`, i))
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("create enrollment = %d", res.StatusCode)
		}
	}
	select {
	case <-held:
	case <-time.After(20 * time.Second):
		t.Fatal("no delivery reached the receiver")
	}
	// Only c runs yet, so c holds the delivery; a replica started now finds
	// it leased, and the receiver holds its own attempts too until it lets
	// go below (they time out and are retried).
	var other *child
	if replica {
		other = startChild(t, db, env...)
	}
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = c.cmd.Wait()
	mu.Lock()
	hanging = false
	mu.Unlock()

	if other == nil {
		other = startChild(t, db, env...)
	}
	c = other
	var events struct {
		Data []struct {
			ID string
		}
		TotalItems int
	}
	if err := json.NewDecoder(do(t, "GET", c.url+"/v1/events?perPage=500", key, "").Body).Decode(&events); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		got := map[string]bool{}
		for _, id := range accepted {
			got[id] = true
		}
		mu.Unlock()
		missing := 0
		for _, e := range events.Data {
			if !got[e.ID] {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events never delivered after the kill", missing, len(events.Data))
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Newest first in the list: each object's events must have been first
	// accepted oldest first.
	mu.Lock()
	defer mu.Unlock()
	first := map[string]int{}
	for i, id := range accepted {
		if _, ok := first[id]; !ok {
			first[id] = i
		}
	}
	last := map[string]int{}
	for i := len(events.Data) - 1; i >= 0; i-- {
		id := events.Data[i].ID
		obj := objects[id]
		if p, ok := last[obj]; ok && first[id] < p {
			t.Fatalf("object %s: event %s accepted before an earlier one", obj, id)
		}
		last[obj] = first[id]
	}
}
