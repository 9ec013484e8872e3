package main

import (
	"fmt"
	"time"
)

// importTarget is issue 6's import rate, with validation and a five-rule
// evaluation per row.
const importTarget = 50_000

// targets judges the issues' targets: issue 9's on SQLite, issue 6's for
// the import.
func (r *report) targets() table {
	t := table{
		title: "Targets (issues 9 and 6)",
		intro: "Issue 9's targets are judged on SQLite, against bare SQLite; issue 6's on the import.",
		head:  []string{"target", "measured", "met"},
	}
	verdict := func(ok bool) string {
		switch {
		case r.o.Smoke:
			return "not judged (smoke)"
		case ok:
			return "yes"
		}
		return "no"
	}
	const backend = "sqlite"
	var sqlite baselineServer
	for _, bs := range baselineServers {
		if bs.role == "bare-sqlite" {
			sqlite = bs
		}
	}
	for _, size := range r.sizes() {
		c, ok1 := r.enroll[enrollKey{backend, "create", size}]
		b, ok2 := r.baseline(sqlite, backend, "create", size)
		if ok1 && ok2 && b.Rate > 0 {
			t.rows = append(t.rows, []string{
				fmt.Sprintf("create ≥ 40%% of bare SQLite insert req/s (%s enrollments)", itoa(size)),
				fmt.Sprintf("%s ÷ %s = %.0f%%", rate(c.Rate), rate(b.Rate), 100*c.Rate/b.Rate), verdict(c.Rate >= 0.4*b.Rate)})
		}
		if ok1 {
			t.rows = append(t.rows, []string{
				fmt.Sprintf("create p99 < 25 ms at %d clients (%s enrollments)", r.o.Workers, itoa(size)),
				ms(c.P99) + " ms", verdict(c.P99 < 25*time.Millisecond)})
		}
	}
	for _, w := range []struct{ key, clients string }{{"list-1", "1 client"}, {"list", fmt.Sprintf("%d clients", r.o.Workers)}} {
		s, ok1 := r.enroll[enrollKey{backend, w.key, r.o.Small}]
		l, ok2 := r.enroll[enrollKey{backend, w.key, r.o.Large}]
		if !ok1 || !ok2 || len(r.sizes()) < 2 {
			continue
		}
		t.rows = append(t.rows,
			[]string{fmt.Sprintf("list p50 at %s ≤ 1.5 × at %s (%s)", itoa(r.o.Large), itoa(r.o.Small), w.clients),
				fmt.Sprintf("%s ÷ %s ms = %s", ms(l.P50), ms(s.P50), ratio(float64(l.P50), float64(s.P50))), verdict(l.P50 <= s.P50*3/2)},
			[]string{fmt.Sprintf("list p50 at %s < 10 ms (%s)", itoa(r.o.Large), w.clients), ms(l.P50) + " ms", verdict(l.P50 < 10*time.Millisecond)})
	}
	for _, l := range r.rss {
		if l.backend == backend && l.server == "Enroll" && l.size == r.o.Large {
			t.rows = append(t.rows, []string{fmt.Sprintf("server peak RSS < 150 MB with %s enrollments under load", itoa(l.size)),
				mb(l.bytes) + " MB", verdict(l.bytes < 150e6)})
		}
	}
	for _, res := range r.imports {
		if res.baseline {
			continue
		}
		measured := rate(res.rate()) + " rows/s"
		if res.capped {
			measured += fmt.Sprintf(" (capped after %s of %s rows)", itoa(res.done), itoa(res.rows))
		}
		t.rows = append(t.rows, []string{fmt.Sprintf("import ≥ %s rows/s with validation and five rules (%s rows, %s)",
			itoa(importTarget), itoa(res.rows), backends[r.o.ImportBackend].label()), measured, verdict(res.rate() >= importTarget)})
	}
	return t
}
