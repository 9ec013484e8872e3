package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/enrollhq/enroll"
)

// maxTemplates bounds the enrollments clone copies from.
const maxTemplates = 1000

// run performs the whole benchmark, prints the report to stdout (progress
// to stderr) and returns it. It fails when any request failed.
func run(ctx context.Context, o options, stdout, stderr io.Writer) (*report, error) {
	start := time.Now()
	logf := func(format string, args ...any) {
		if !o.Quiet {
			fmt.Fprintf(stderr, "%6s  %s\n", time.Since(start).Round(time.Second), fmt.Sprintf(format, args...))
		}
	}
	if o.Profile != "" {
		if err := os.MkdirAll(o.Profile, 0o755); err != nil {
			return nil, err
		}
	}
	names, skipped, err := usableBackends(ctx, o)
	if err != nil {
		return nil, err
	}
	for _, line := range skipped {
		// Said even with -q: a figure the reader may expect is missing.
		fmt.Fprintln(stderr, "load: "+line)
	}
	o.Backends = names
	dir, err := os.MkdirTemp(o.Dir, "enroll-bench-")
	if err != nil {
		return nil, err
	}
	if o.Keep {
		logf("databases kept in %s", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	rep := newReport(o)
	rep.skipped = skipped
	for i, name := range o.Backends {
		if err := runBackend(ctx, o, name, dir, i == 0, rep, logf); err != nil {
			return nil, fmt.Errorf("%s: %w", backends[name].label(), err)
		}
	}
	if o.ImportRows > 0 {
		if err := runImport(ctx, o, dir, rep, logf); err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
	}
	rep.Elapsed, rep.loadEnd = time.Since(start), readMachine().LoadAvg
	if _, err := io.WriteString(stdout, rep.render(false)); err != nil {
		return rep, err
	}
	if o.Out != "" {
		if err := os.WriteFile(o.Out, []byte(rep.render(true)), 0o644); err != nil {
			return rep, err
		}
	}
	if n := rep.failures(); n > 0 {
		return rep, fmt.Errorf("%d requests failed; see the report", n)
	}
	if p := rep.importProblems(); len(p) > 0 {
		return rep, fmt.Errorf("%s", strings.Join(p, "; "))
	}
	return rep, nil
}

// load creates the workspace, the instances and the small size through the
// store, and writes an enrollment's JSON for the baselines to template.json.
func load(ctx context.Context, o options, b backend, dsn, dir string, rep *report, logf func(string, ...any)) (*dataset, string, error) {
	store, err := b.open(ctx, dsn, true)
	if err != nil {
		return nil, "", err
	}
	defer store.Close()
	ds, err := setup(ctx, store)
	if err != nil {
		return nil, "", err
	}
	var (
		mu       sync.Mutex
		template []byte
	)
	t0 := time.Now()
	err = createThroughStore(ctx, store, ds.actor(), ds.list, "list", 0, o.Small, o.LoadWorkers, func(e *enroll.Enrollment) {
		ds.sample.add(e.ID)
		mu.Lock()
		defer mu.Unlock()
		if len(ds.templates) < maxTemplates {
			ds.templates = append(ds.templates, e.ID)
		}
		if template == nil && e.Eligibility.Status == enroll.StatusEligible {
			template, _ = json.Marshal(e)
		}
	})
	if err != nil {
		return nil, "", err
	}
	rep.addLoad(fmt.Sprintf("%s: %s enrollments into the listed instance through the store (CreateEnrollment, %d goroutines, %s)",
		b.label(), itoa(o.Small), o.LoadWorkers, b.bulkMode()), o.Small, time.Since(t0))
	logf("%s: loaded %s enrollments through the store in %s", b.label(), itoa(o.Small), time.Since(t0).Round(time.Millisecond))
	err = createThroughStore(ctx, store, ds.actor(), ds.writes, "writes", 0, 40, o.LoadWorkers, func(e *enroll.Enrollment) {
		if e.Eligibility.Status == enroll.StatusEligible {
			mu.Lock()
			ds.writeTemplates = append(ds.writeTemplates, e.ID)
			mu.Unlock()
		}
	})
	if err != nil {
		return nil, "", err
	}
	if template == nil || len(ds.writeTemplates) == 0 {
		return nil, "", errors.New("no enrollment came out eligible")
	}
	ds.size = o.Small
	path := filepath.Join(dir, "template.json")
	return ds, path, errors.Join(os.WriteFile(path, template, 0o644), store.Close())
}

// grow brings the listed instance to the large size.
func grow(ctx context.Context, o options, b backend, dsn string, ds *dataset, rep *report, logf func(string, ...any)) error {
	n := o.Large - ds.size
	if n == 0 {
		return nil
	}
	logf("%s: growing the listed instance by %s enrollments (%s)", b.label(), itoa(n), o.Bulk)
	t0 := time.Now()
	var what string
	if o.Bulk == "clone" {
		what = fmt.Sprintf("%s: %s enrollments and their customers copied in SQL from %d store-made ones (fresh ids, emails, times; counters kept; no history or events)",
			b.label(), itoa(n), len(ds.templates))
		if err := b.clone(ctx, dsn, ds.list, ds.templates, n, ds.sample.add); err != nil {
			return err
		}
	} else {
		what = fmt.Sprintf("%s: %s enrollments through the store (CreateEnrollment, %d goroutines, %s)", b.label(), itoa(n), o.LoadWorkers, b.bulkMode())
		store, err := b.open(ctx, dsn, true)
		if err != nil {
			return err
		}
		err = createThroughStore(ctx, store, ds.actor(), ds.list, "list", ds.size, n, o.LoadWorkers, func(e *enroll.Enrollment) { ds.sample.add(e.ID) })
		if err := errors.Join(err, store.Close()); err != nil {
			return err
		}
	}
	ds.size = o.Large
	rep.addLoad(what, n, time.Since(t0))
	logf("%s: grown to %s in %s", b.label(), itoa(ds.size), time.Since(t0).Round(time.Millisecond))
	return nil
}

// newPhase prepares the runs of the current size: a fresh pool of eligible
// enrollments for PATCH, the sample of ids, and the true eligible count;
// label names its files.
func newPhase(ctx context.Context, o options, b backend, name, dsn string, ds *dataset, label, template string) (*phase, error) {
	ph := &phase{label: label, size: ds.size, ds: ds, sample: ds.sample.list(), template: template, backend: name, dsn: dsn}
	n := max(4*o.Workers, o.PatchRate*int(math.Ceil((o.Warmup+o.Duration).Seconds())))
	if err := b.clone(ctx, dsn, ds.writes, ds.writeTemplates, n, func(id string) { ph.pool = append(ph.pool, id) }); err != nil {
		return nil, err
	}
	var err error
	if ph.eligible, err = b.count(ctx, dsn, ds.list, enroll.StatusEligible); err != nil {
		return nil, err
	}
	// Make what loading wrote durable now, not during the runs.
	if err := b.settle(ctx, dsn); err != nil {
		return nil, err
	}
	return ph, nil
}

// server is a running child with the name the report gives it.
type server struct {
	name string
	c    *child
	bs   baselineServer
	runs *baselineRuns
}

// runPhase measures every workload against an Enroll process, each run
// followed at once by the runs of its baselines, so that a ratio compares
// runs made seconds apart, under the same noise.
func runPhase(ctx context.Context, o options, ph *phase, dir string, first bool, rep *report, logf func(string, ...any)) (err error) {
	var servers []*server
	defer func() {
		for _, s := range servers {
			if stopErr := s.c.stop(); err == nil {
				err = stopErr
			}
			rep.addRSS(ph.backend, s.name, ph.size, s.c.peakRSS)
		}
	}()
	dbCPU := backends[ph.backend].dbCPU(ph.dsn)
	c, err := startChild(ctx, "enroll", "-backend", ph.backend, "-dsn", ph.dsn)
	if err != nil {
		return err
	}
	c.dbCPU = dbCPU
	servers = append(servers, &server{name: "Enroll", c: c})
	for _, bs := range baselineServers {
		if (bs.backend != "" && bs.backend != ph.backend) || (bs.once && !first) {
			continue
		}
		bc, err := startChild(ctx, bs.role, bs.args(ph, dir)...)
		if err != nil {
			return err
		}
		if bs.backend != "" {
			bc.dbCPU = dbCPU
		}
		servers = append(servers, &server{name: bs.role, c: bc, bs: bs, runs: &baselineRuns{}})
	}
	total, page, err := listOnce(ctx, c.url, ph)
	if err != nil {
		return err
	}
	rep.addTotal(ph.backend, ph.size, total, ph.eligible, page)
	for _, w := range workloads {
		if !o.runs(w) {
			continue
		}
		wo := o
		if w.workers > 0 {
			wo.Workers = w.workers
		}
		var st stats
		if w.measure != nil {
			st, err = w.measure(ctx, wo, ph, c)
		} else {
			tr, ok := w.targets(ph, c.url)
			st, err = attack(ctx, wo, c, ph.label+"-"+w.key, tr, ok)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", w.name, err)
		}
		rep.addEnroll(w, ph.backend, ph.size, st)
		logf("%-8s %-13s %-9s %-8s %7.0f req/s  p50 %-7s p99 %-7s %s", ph.backend, "Enroll", itoa(ph.size), w.key, st.Rate, ms(st.P50), ms(st.P99), failNote(st))
		for _, s := range servers[1:] {
			if _, ok := s.bs.labels[w.op]; !ok || w.op == "" {
				continue
			}
			tr, check := s.runs.targets(ph, w.op, s.c.url)
			st, err := attack(ctx, wo, s.c, ph.label+"-"+w.key+"-"+s.name, tr, check)
			if err != nil {
				return fmt.Errorf("%s, %s: %w", w.name, s.name, err)
			}
			rep.addBaseline(s.bs, ph.backend, w.key, ph.size, st)
			logf("%-8s %-13s %-9s %-8s %7.0f req/s  p50 %-7s p99 %-7s %s", ph.backend, s.name, itoa(ph.size), w.op, st.Rate, ms(st.P50), ms(st.P99), failNote(st))
		}
	}
	if o.Profile != "" {
		// What stays live after every run: the heap's share of the RSS.
		return fetch(ctx, c.pprof+"/debug/pprof/heap", filepath.Join(o.Profile, ph.label+"-heap.pprof"))
	}
	return nil
}

// listOnce fetches the first page of the measured list and returns its
// totalItems and its number of rows.
func listOnce(ctx context.Context, url string, ph *phase) (total, rows int, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		url+"/v1/programInstances/"+ph.ds.list+"/enrollments?status=eligible&perPage=100", nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header = ph.header(false)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer res.Body.Close()
	var page struct {
		TotalItems int               `json:"totalItems"`
		Data       []json.RawMessage `json:"data"`
	}
	if res.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("list: %s", res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(&page); err != nil {
		return 0, 0, fmt.Errorf("list: %w", err)
	}
	return page.TotalItems, len(page.Data), nil
}

// failNote is the progress line's note on a run's failures.
func failNote(st stats) string {
	if st.Failed == 0 {
		return ""
	}
	return fmt.Sprintf("%d FAILED: %v", st.Failed, st.Errors)
}
