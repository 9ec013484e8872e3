package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/enrollhq/enroll"
)

// phase is one size of the listed instance: the data the runs of that size
// share, and the server they hit.
type phase struct {
	// label names the size in file names ("small", "large").
	label string
	// size is the number of enrollments in the listed instance.
	size int
	ds   *dataset
	// sample holds ids of listed enrollments, spread over the whole instance.
	sample []string
	// pool holds eligible enrollments of the writes instance, one per PATCH.
	pool []string
	// eligible counts the listed instance's eligible enrollments from the rows.
	eligible int
	// template is the path of an enrollment's JSON, for the baselines.
	template string
	// backend and dsn are Enroll's database.
	backend, dsn string
}

// A workload is one kind of request measured against Enroll on each
// database at each size. Each has a file of its own or a line here; a new
// one (webhooks, issue 5) registers itself from its own file and replaces
// its line in planned.go's report. A figure that needs a server of its own,
// as the import does (import_run.go), registers in figures instead.
type workload struct {
	// key names the workload in file names and in planned.go.
	key string
	// name is the row label.
	name string
	// op is the baseline route the workload is compared with; "" for none.
	op string
	// workers, when set, replaces the fixed number of clients.
	workers int
	// targets returns the requests and the check of the run on Enroll at
	// url, for vegeta.
	targets func(ph *phase, url string) (vegeta.Targeter, check)
	// measure, when set, replaces the vegeta run (for workloads that are
	// not request/response, such as webhook delivery).
	measure func(ctx context.Context, o options, ph *phase, c *child) (stats, error)
}

// workloads run in this order against each Enroll process.
var workloads = []workload{
	{key: "create", name: "create enrollment (customerInfo)", op: opCreate, targets: createTargets},
	{key: "patch", name: "status change eligible→submitted (PATCH)", op: opUpdate, targets: patchTargets},
	{key: "get", name: "get enrollment by id", op: opGet, targets: getTargets},
	{key: "list", name: "list instance, status=eligible, perPage=100", op: opList, targets: listTargets},
	// The same list one request at a time: its latency without queueing,
	// which a closed loop of many clients adds (p50 ≈ clients ÷ req/s).
	{key: "list-1", name: "same list, 1 client", op: opList, workers: 1, targets: listTargets},
	{key: "evaluate", name: "eligibility evaluation, 3 rules (POST /evaluate)", op: opUpdate, targets: evaluateTargets},
}

// Baseline operations, the routes of baseline.go.
const (
	opCreate = "create"
	opGet    = "get"
	opUpdate = "update"
	opList   = "list"
)

// header returns the headers of an Enroll request, with or without a JSON body.
func (ph *phase) header(body bool) http.Header {
	h := http.Header{"Authorization": {"Bearer " + ph.ds.secret}}
	if body {
		h.Set("Content-Type", "application/json")
	}
	return h
}

// counter hands out 0, 1, 2, … to concurrent targeters.
type counter struct{ n atomic.Int64 }

// next returns the next number.
func (c *counter) next() int { return int(c.n.Add(1) - 1) }

// bodyTag returns a tag that keeps the emails of one run unique.
func bodyTag(run string) string { return run + "-" + enroll.NewID()[18:] }

// createTargets creates a new participant per request in the writes
// instance.
func createTargets(ph *phase, url string) (vegeta.Targeter, check) {
	var i counter
	tag, h := bodyTag("c"), ph.header(true)
	target := url + "/v1/programInstances/" + ph.ds.writes + "/enrollments"
	return func(t *vegeta.Target) error {
		body, err := json.Marshal(participant(i.next(), tag))
		*t = vegeta.Target{Method: http.MethodPost, URL: target, Body: body, Header: h}
		return err
	}, expect(http.StatusCreated)
}

// patchTargets moves each enrollment of the pool from eligible to submitted,
// one request per enrollment. Past the end of the pool (a run faster than
// -patch-rate) it starts over with the next step of the review loop,
// submitted → needs_action → submitted, so every request is still a real
// transition.
func patchTargets(ph *phase, url string) (vegeta.Targeter, check) {
	var i counter
	h := ph.header(true)
	bodies := [][]byte{[]byte(`{"eligibilityStatus":"submitted"}`), []byte(`{"eligibilityStatus":"needs_action"}`)}
	return func(t *vegeta.Target) error {
		n := i.next()
		pass := n / len(ph.pool)
		*t = vegeta.Target{Method: http.MethodPatch, URL: url + "/v1/enrollments/" + ph.pool[n%len(ph.pool)],
			Body: bodies[pass%2], Header: h}
		return nil
	}, expect(http.StatusOK)
}

// getTargets reads enrollments drawn at random from the sample.
func getTargets(ph *phase, url string) (vegeta.Targeter, check) {
	h := ph.header(false)
	return func(t *vegeta.Target) error {
		*t = vegeta.Target{Method: http.MethodGet, URL: url + "/v1/enrollments/" + ph.sample[rand.IntN(len(ph.sample))], Header: h}
		return nil
	}, expect(http.StatusOK)
}

// listTargets reads the first page of the listed instance's eligible
// enrollments.
func listTargets(ph *phase, url string) (vegeta.Targeter, check) {
	h := ph.header(false)
	target := url + "/v1/programInstances/" + ph.ds.list + "/enrollments?status=eligible&perPage=100"
	return func(t *vegeta.Target) error {
		*t = vegeta.Target{Method: http.MethodGet, URL: target, Header: h}
		return nil
	}, expect(http.StatusOK)
}

// evaluateTargets re-evaluates listed enrollments in turn: each evaluation
// runs the rules, stores the result and its event, as a create does.
func evaluateTargets(ph *phase, url string) (vegeta.Targeter, check) {
	var i counter
	h := ph.header(false)
	return func(t *vegeta.Target) error {
		id := ph.sample[i.next()%len(ph.sample)]
		*t = vegeta.Target{Method: http.MethodPost, URL: url + "/v1/enrollments/" + id + "/evaluate", Header: h}
		return nil
	}, expect(http.StatusOK)
}

// baselineRuns holds what one baseline server's runs share: the ids its
// creates made, which its updates then change.
type baselineRuns struct {
	mu      sync.Mutex
	created []string
}

// baselineTargets returns the requests of baseline operation op at url.
func (b *baselineRuns) targets(ph *phase, op, url string) (vegeta.Targeter, check) {
	var i counter
	switch op {
	case opCreate:
		tag := bodyTag("b")
		h := http.Header{"Content-Type": {"application/json"}}
		ok := expect(http.StatusCreated)
		return func(t *vegeta.Target) error {
				body, err := json.Marshal(participant(i.next(), tag))
				*t = vegeta.Target{Method: http.MethodPost, URL: url + "/enrollments", Body: body, Header: h}
				return err
			}, func(r *vegeta.Result) error {
				if err := ok(r); err != nil {
					return err
				}
				var e struct{ ID string }
				if err := json.Unmarshal(r.Body, &e); err != nil || e.ID == "" {
					return fmt.Errorf("create: no id in %.100q", r.Body)
				}
				b.mu.Lock()
				b.created = append(b.created, e.ID)
				b.mu.Unlock()
				return nil
			}
	case opGet:
		return func(t *vegeta.Target) error {
			*t = vegeta.Target{Method: http.MethodGet, URL: url + "/enrollments/" + ph.sample[rand.IntN(len(ph.sample))]}
			return nil
		}, expect(http.StatusOK)
	case opUpdate:
		b.mu.Lock()
		ids := append([]string(nil), b.created...)
		b.mu.Unlock()
		body := []byte(`{"eligibilityStatus":"submitted"}`)
		h := http.Header{"Content-Type": {"application/json"}}
		return func(t *vegeta.Target) error {
			if len(ids) == 0 {
				return fmt.Errorf("update: nothing created to update")
			}
			*t = vegeta.Target{Method: http.MethodPatch, URL: url + "/enrollments/" + ids[i.next()%len(ids)], Body: body, Header: h}
			return nil
		}, expect(http.StatusOK)
	case opList:
		target := url + "/instances/" + ph.ds.list + "/enrollments?status=eligible&perPage=100&ws=" + ph.ds.wsID
		return func(t *vegeta.Target) error {
			*t = vegeta.Target{Method: http.MethodGet, URL: target}
			return nil
		}, expect(http.StatusOK)
	}
	panic("unknown baseline operation " + op)
}

// A baselineServer is a baseline role and the operations it answers.
type baselineServer struct {
	role string
	// labels name the server's operations in the report, by op, and say
	// which it answers. Its runs follow the workloads', so updates find
	// what the creates made.
	labels map[string]string
	// backend is the database the baseline goes with ("" for any): it
	// runs in the phases of that backend only, and Enroll on it is
	// compared with it.
	backend string
	// args returns the role's arguments in ph; dir is the directory of
	// the backend's files.
	args func(ph *phase, dir string) []string
	// once means the figures do not depend on the data size: measured in
	// the first phase and shown in every one.
	once bool
}

// baselineServers are the baselines, in report order; each registers
// itself from its file.
var baselineServers []baselineServer

// itoa formats n with thousands separators.
func itoa(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + itoa(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
