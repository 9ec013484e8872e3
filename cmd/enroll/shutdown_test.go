package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestCloseStopsDeliveriesAtOnce checks that a shutdown stops the webhook
// deliverer when it starts, not once the requests in flight have drained
// (up to 10 s): an event made while an upload holds the HTTP server open
// is left for the next start, not delivered. Stopped one after the
// other, a shutdown could take the drain and a webhook's timeout added up.
func TestCloseStopsDeliveriesAtOnce(t *testing.T) {
	t.Parallel()
	hits := make(chan string, 10)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hits <- string(body)
	}))
	t.Cleanup(recv.Close)
	m, out, err := serveWith(t, newDB(t), func(*Config) {})
	if err != nil {
		t.Fatal(err)
	}
	key := secretIn(t, out)
	ws := regexp.MustCompile(`Created workspace "default" \((\S+)\)`).FindStringSubmatch(out)
	if ws == nil {
		t.Fatalf("no workspace id printed:\n%s", out)
	}
	url := m.HTTPServer.URL()
	if res := do(t, "POST", url+"/v1/webhookEndpoints", key, `{"url": "`+recv.URL+`/hooks"}`); res.StatusCode != http.StatusCreated {
		t.Fatalf("create endpoint = %d", res.StatusCode)
	}
	do(t, "POST", url+"/v1/programs", key, `{"slug": "rebate", "name": "Rebate"}`)
	inst := decodeBody(t, do(t, "POST", url+"/v1/programs/rebate/instances", key, `{"slug": "2026", "name": "2026"}`))["id"].(string)
	// The deliverer runs: the program's and the instance's events arrive.
	for range 2 {
		select {
		case <-hits:
		case <-time.After(20 * time.Second):
			t.Fatal("no delivery reached the receiver")
		}
	}

	// An upload that never ends holds a request in flight.
	pr, pw := io.Pipe()
	t.Cleanup(func() { _ = pw.CloseWithError(io.ErrUnexpectedEOF) })
	req, err := http.NewRequest("POST", url+"/v1/programInstances/"+inst+"/imports", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "text/csv")
	go func() {
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
	}()
	go func() { _, _ = pw.Write([]byte("firstName,lastName,email\n")) }()
	deadline := time.Now().Add(20 * time.Second)
	for inFlight(t, url) < 2 { // the upload and this look at /metrics
		if time.Now().After(deadline) {
			t.Fatal("the upload did not reach the server")
		}
		time.Sleep(20 * time.Millisecond)
	}

	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	// The listener closes at once; the upload keeps the server draining.
	for {
		if _, err := http.Get(url + "/healthz"); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server still takes requests")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Wait for the deliverer to finish stopping (it had nothing under
	// way), then make an event and wake it.
	time.Sleep(300 * time.Millisecond)
	if err := m.Store.CreateProgram(context.Background(), enroll.Actor{WorkspaceID: ws[1]},
		&enroll.Program{Slug: "late", Name: "Late"}); err != nil {
		t.Fatal(err)
	}
	m.Webhooks.Wake()
	select {
	case body := <-hits:
		t.Fatalf("an event made while the server drained was delivered: %.200s", body)
	case <-time.After(2 * time.Second):
	}
	_ = pw.CloseWithError(io.ErrUnexpectedEOF)
	if err := <-closed; err != nil && !strings.Contains(err.Error(), "cut off") {
		t.Fatalf("close: %v", err)
	}
}

// inFlight reads enroll_http_requests_in_flight from url's /metrics.
func inFlight(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	m := regexp.MustCompile(`(?m)^enroll_http_requests_in_flight (\d+)`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no in-flight gauge on /metrics:\n%.500s", body)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}
