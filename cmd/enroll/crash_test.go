package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// loadClient sends requests to whichever server process is running,
// retrying what a crash interrupts exactly as a careful client would: the
// same request, with the same Idempotency-Key, until it gets an answer.
type loadClient struct {
	t    *testing.T
	base atomic.Pointer[string] // the running server's URL
	http *http.Client

	requests, retries, replayed atomic.Int64
}

// send sends one request until it gets a final answer, and returns the
// decoded 2xx body; any other final answer fails the test.
func (c *loadClient) send(secret, method, path string, body any, idempotencyKey string) map[string]any {
	b, err := json.Marshal(body)
	if err != nil {
		c.t.Error(err)
		return nil
	}
	giveUp := time.Now().Add(time.Minute)
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			c.retries.Add(1)
		}
		if time.Now().After(giveUp) {
			c.t.Errorf("%s %s: no answer after a minute of retries", method, path)
			return nil
		}
		c.requests.Add(1)
		status, header, out, err := c.once(secret, method, path, b, idempotencyKey)
		switch {
		case err != nil:
			// The server is down or was killed mid-request: retry.
			time.Sleep(20 * time.Millisecond)
			continue
		case status >= 200 && status < 300:
			if header.Get("Idempotent-Replayed") == "true" {
				c.replayed.Add(1)
			}
			var m map[string]any
			if len(out) > 0 {
				if err := json.Unmarshal(out, &m); err != nil {
					c.t.Errorf("%s %s: %v: %s", method, path, err, out)
				}
			}
			return m
		case status >= 500 || status == http.StatusTooManyRequests || status == http.StatusConflict && header.Get("Retry-After") != "":
			// Transient: a 5xx (not stored, so retrying is safe), the rate
			// limit, or the same key still running in another attempt.
			wait := 50 * time.Millisecond
			if s, err := strconv.Atoi(header.Get("Retry-After")); err == nil {
				wait = time.Duration(s) * time.Second
			}
			time.Sleep(wait)
			continue
		default:
			c.t.Errorf("%s %s: %d %s", method, path, status, out)
			return nil
		}
	}
}

func (c *loadClient) once(secret, method, path string, body []byte, idempotencyKey string) (int, http.Header, []byte, error) {
	req, err := http.NewRequest(method, *c.base.Load()+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Content-Type", "application/json")
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, out, err
}

// acked is what a 2xx told the client about one enrollment.
type acked struct {
	id, email, status string
}

// TestCrashUnderLoad creates and moves enrollments from several clients
// while the server is killed with SIGKILL and restarted, three times, on
// each store. Every POST carries an Idempotency-Key and every interrupted
// request is retried as it was. Afterwards every acknowledged write is
// there, the retries made no duplicates, no claim is left hanging, and the
// database is intact.
func TestCrashUnderLoad(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("kills and restarts the server for about 15 s")
	}
	onCrashStores(t, func(t *testing.T, _, db string) { testCrashUnderLoad(t, db) })
}

func testCrashUnderLoad(t *testing.T, db string) {
	child := startChild(t, db)
	secret := secretIn(t, child.stdout)
	c := &loadClient{t: t, http: &http.Client{Timeout: 15 * time.Second}}
	c.base.Store(&child.url)

	prog := c.send(secret, "POST", "/v1/programs", map[string]any{"slug": "crash", "name": "Crash"}, "setup-program")
	inst := c.send(secret, "POST", "/v1/programs/"+prog["id"].(string)+"/instances",
		map[string]any{"slug": "2026", "name": "2026", "autoEvaluate": false}, "setup-instance")["id"].(string)
	const workers = 6
	secrets := make([]string, workers)
	for w := range workers {
		// A key per client, so one key's rate limit is not the bottleneck.
		secrets[w] = c.send(secret, "POST", "/v1/apiKeys", map[string]any{"name": "load-" + strconv.Itoa(w)}, "setup-key-"+strconv.Itoa(w))["secret"].(string)
	}

	ctx, stop := context.WithCancel(context.Background())
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seen []*acked
	)
	for w := range workers {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				a := &acked{email: fmt.Sprintf("load-%d-%d@example.com", w, i)}
				body := map[string]any{"identificationType": "customerInfo", "firstName": "Load", "lastName": strconv.Itoa(w), "email": a.email}
				e := c.send(secrets[w], "POST", "/v1/programInstances/"+inst+"/enrollments", body, fmt.Sprintf("create-%d-%d", w, i))
				if e == nil {
					return
				}
				a.id, a.status = e["id"].(string), "candidate"
				if e["email"] != a.email {
					t.Errorf("create %s answered %v", a.email, e)
				}
				mu.Lock()
				seen = append(seen, a)
				mu.Unlock()
				for _, to := range []string{"eligible", "submitted", "approved"} {
					if ctx.Err() != nil {
						return
					}
					// A PATCH to a status is safe to repeat: the same status is a no-op.
					m := c.send(secrets[w], "PATCH", "/v1/enrollments/"+a.id, map[string]any{"eligibilityStatus": to}, "")
					if m == nil {
						return
					}
					mu.Lock()
					a.status = to
					mu.Unlock()
				}
			}
		})
	}

	for kill := range 3 {
		time.Sleep(3*time.Second + rand.N(time.Second))
		if err := child.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = child.cmd.Wait()
		t.Logf("kill %d after %d requests", kill+1, c.requests.Load())
		child = startChild(t, db)
		c.base.Store(&child.url)
	}
	time.Sleep(time.Second)
	stop()
	wg.Wait() // a request stuck on a dead server's claim waits out its lease
	t.Logf("%d enrollments, %d requests, %d retries, %d replayed", len(seen), c.requests.Load(), c.retries.Load(), c.replayed.Load())
	if t.Failed() {
		return
	}
	if c.retries.Load() == 0 {
		t.Fatal("no request was interrupted: the test proved nothing")
	}

	// Read back every enrollment of the instance.
	stored, perEmail := map[string]acked{}, map[string]int{}
	for token := ""; ; {
		page := c.send(secret, "GET", "/v1/programInstances/"+inst+"/enrollments?perPage=500&pageToken="+token, nil, "")
		for _, d := range page["data"].([]any) {
			e := d.(map[string]any)
			a := acked{id: e["id"].(string), email: e["email"].(string), status: e["eligibility"].(map[string]any)["status"].(string)}
			stored[a.id] = a
			perEmail[a.email]++
		}
		next, _ := page["nextPageToken"].(string)
		if next == "" {
			break
		}
		token = next
	}
	// Every acknowledged write is there, as acknowledged.
	for _, a := range seen {
		if got, ok := stored[a.id]; !ok || got != *a {
			t.Errorf("enrollment %s (%s): acknowledged %s, found %+v", a.id, a.email, a.status, got)
		}
	}
	// No retry made a duplicate: one enrollment per email, and no more
	// enrollments or customers than were acknowledged.
	for email, n := range perEmail {
		if n != 1 {
			t.Errorf("%s has %d enrollments", email, n)
		}
	}
	if len(perEmail) != len(seen) {
		t.Errorf("%d emails enrolled, %d acknowledged", len(perEmail), len(seen))
	}
	if n := c.send(secret, "GET", "/v1/customers?perPage=1", nil, "")["totalItems"]; n != float64(len(seen)) {
		t.Errorf("%v customers, %d acknowledged", n, len(seen))
	}

	// A last crash, then the database itself: integrity, and no claim left
	// in progress (every interrupted request was finished by its retry).
	if err := child.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.cmd.Wait()
	checkAfterCrash(t, db)
}
