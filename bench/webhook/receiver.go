package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// receiver is a local webhook receiver that records, per event, how long
// after its commit it arrived.
type receiver struct {
	srv *http.Server
	url string
	// delay is how long each answer takes (a receiver that works before
	// it answers); set before the first request.
	delay time.Duration

	mu        sync.Mutex
	latencies map[string]time.Duration // first arrival, by event id
	requests  int
	last      time.Time // the last request's arrival
	changed   chan struct{}
}

func newReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{url: "http://" + ln.Addr().String() + "/hooks", latencies: map[string]time.Duration{}, changed: make(chan struct{}, 1)}
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	var ev struct {
		ID        string    `json:"id"`
		Type      string    `json:"type"`
		CreatedAt time.Time `json:"createdAt"`
	}
	body, _ := io.ReadAll(req.Body)
	now := time.Now()
	_ = json.Unmarshal(body, &ev)
	time.Sleep(r.delay)
	r.mu.Lock()
	r.requests++
	r.last = now
	if _, seen := r.latencies[ev.ID]; !seen && ev.Type == "enrollment.created" {
		r.latencies[ev.ID] = now.Sub(ev.CreatedAt)
	}
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
	w.WriteHeader(http.StatusNoContent)
}

// reset forgets what arrived.
func (r *receiver) reset() {
	r.mu.Lock()
	r.latencies, r.requests = map[string]time.Duration{}, 0
	r.mu.Unlock()
}

// waitFor waits until n enrollment.created events arrived or deadline.
func (r *receiver) waitFor(n int, deadline time.Time) int {
	for {
		r.mu.Lock()
		got := len(r.latencies)
		r.mu.Unlock()
		if got >= n || time.Now().After(deadline) {
			return got
		}
		select {
		case <-r.changed:
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// count returns how many requests arrived.
func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}

// lastArrival returns when the last request arrived.
func (r *receiver) lastArrival() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

// snapshot returns the latencies so far.
func (r *receiver) snapshot() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]time.Duration, 0, len(r.latencies))
	for _, d := range r.latencies {
		out = append(out, d)
	}
	return out
}

func (r *receiver) close() { _ = r.srv.Close() }
