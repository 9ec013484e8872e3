package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// stats are the figures of one measured run.
type stats struct {
	// Requests counts the measured requests; Failed those that failed.
	Requests, Failed uint64
	// Rate is successful requests per second.
	Rate float64
	// P50, P99 and Max are request latencies seen by the client.
	P50, P99, Max time.Duration
	// CPU is the server's CPU time (user + system) per request.
	CPU time.Duration
	// DBCPU is the CPU time per request of the database's own processes,
	// when they are not the server's (PostgreSQL's); DB says it was read.
	DBCPU time.Duration
	DB    bool
	// Writer is the single writer's figures (SQLite), when the server
	// exports them.
	Writer writerFigures
	// RSS is the largest resident set size of the server seen during the
	// measured run, sampled every 50 ms.
	RSS int64
	// Errors lists the distinct failures, first ones first.
	Errors []string
}

// check says whether a response is the one the run expects.
type check func(*vegeta.Result) error

// expect returns a check for a status code.
func expect(code uint16) check {
	return func(r *vegeta.Result) error {
		if r.Error != "" && r.Code == 0 {
			return fmt.Errorf("%s", r.Error)
		}
		if r.Code != code {
			body := string(r.Body)
			if len(body) > 200 {
				body = body[:200] + "…"
			}
			return fmt.Errorf("%s %s: status %d, want %d: %s", r.Method, r.URL, r.Code, code, body)
		}
		return nil
	}
}

// attack drives tr against c with o.Workers concurrent clients, as fast as
// they go (a closed loop: each client sends its next request when the
// previous answered), first for o.Warmup unmeasured, then for o.Duration.
// Every response is checked, warm-up included. With o.Profile set, CPU and
// allocation profiles of the server are written there, named after run.
func attack(ctx context.Context, o options, c *child, run string, tr vegeta.Targeter, ok check) (stats, error) {
	var st stats
	var mu sync.Mutex
	seen := map[string]bool{}
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		st.Failed++
		if msg := err.Error(); !seen[msg] && len(st.Errors) < 5 {
			seen[msg] = true
			st.Errors = append(st.Errors, msg)
		}
	}
	// One connection per client, never more: a connection dialled and
	// left without a request would hold up the server's shutdown for 5 s.
	transport := &http.Transport{MaxConnsPerHost: o.Workers, MaxIdleConnsPerHost: o.Workers}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	newAttacker := func() *vegeta.Attacker {
		return vegeta.NewAttacker(vegeta.Client(client), vegeta.Workers(uint64(o.Workers)), vegeta.MaxWorkers(uint64(o.Workers)))
	}
	// Rate 0 with MaxWorkers: no pacing, exactly o.Workers in flight.
	unpaced := vegeta.Rate{Freq: 0}
	if o.Warmup > 0 {
		a := newAttacker()
		for r := range a.Attack(tr, unpaced, o.Warmup, run+" warm-up") {
			if err := ok(r); err != nil {
				fail(err)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return st, err
	}
	var profiles sync.WaitGroup
	if o.Profile != "" {
		secs := max1(int(o.Duration.Seconds()))
		for _, p := range []struct{ path, ext string }{
			{"/debug/pprof/profile?seconds=" + strconv.Itoa(secs), "cpu"},
			{"/debug/pprof/allocs?seconds=" + strconv.Itoa(secs), "allocs"},
		} {
			profiles.Add(1)
			go func() {
				defer profiles.Done()
				if err := fetch(ctx, c.pprof+p.path, filepath.Join(o.Profile, run+"."+p.ext+".pprof")); err != nil {
					fmt.Fprintln(os.Stderr, "profile:", err)
				}
			}()
		}
	}
	cpu0, err := c.cpuTime()
	if err != nil {
		return st, err
	}
	var db0 procTimes
	if c.dbCPU != nil {
		if db0, err = c.dbCPU(); err != nil {
			return st, err
		}
	}
	peakRSS := c.sampleRSS()
	w0, t0 := readWriter(ctx, c.url), time.Now()
	var m vegeta.Metrics
	a := newAttacker()
	for r := range a.Attack(tr, unpaced, o.Duration, run) {
		if err := ok(r); err != nil {
			fail(err)
			r.Code = 0 // not a success for the metrics either
		}
		m.Add(r)
		if ctx.Err() != nil {
			a.Stop()
		}
	}
	m.Close()
	st.Writer = readWriter(ctx, c.url).since(w0, time.Since(t0))
	st.RSS = peakRSS()
	cpu1, err := c.cpuTime()
	if err != nil {
		return st, err
	}
	var dbTime time.Duration
	if c.dbCPU != nil {
		db1, err := c.dbCPU()
		if err != nil {
			return st, err
		}
		dbTime, st.DB = db1.since(db0), true
	}
	profiles.Wait()
	st.Requests = m.Requests
	st.Rate = m.Throughput
	st.P50, st.P99, st.Max = m.Latencies.P50, m.Latencies.P99, m.Latencies.Max
	if m.Requests > 0 {
		st.CPU = (cpu1 - cpu0) / time.Duration(m.Requests)
		st.DBCPU = dbTime / time.Duration(m.Requests)
	}
	return st, ctx.Err()
}

// max1 returns n, or 1 if n is smaller.
func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// getOK GETs url and returns the response, or an error when it is not a
// 200; the caller closes its body.
func getOK(ctx context.Context, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		return nil, fmt.Errorf("GET %s: %s", url, res.Status)
	}
	return res, nil
}

// fetch saves the body of a GET to path.
func fetch(ctx context.Context, url, path string) error {
	res, err := getOK(ctx, url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
