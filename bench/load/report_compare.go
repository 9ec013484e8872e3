package main

import "fmt"

// compare sets each database after the first next to the first, workload
// by workload: throughput, latency, the CPU the request cost in all (the
// server's and the database's own), and each one's ratio to its own bare
// baseline, measured in the same run.
func (r *report) compare() table {
	first := r.o.Backends[0]
	a := backends[first].label()
	t := table{head: []string{"workload", "enrollments", "database", "req/s", "÷ " + a + " req/s", "p50 ms", "p99 ms",
		"CPU ms/req (server + database)", "bare req/s", "÷ bare req/s"}}
	var others []string
	for _, backend := range r.o.Backends[1:] {
		others = append(others, backends[backend].label())
	}
	t.title = fmt.Sprintf("%s next to %s", joinAnd(others), a)
	t.intro = fmt.Sprintf("The same workloads at the same sizes on each database, from the table above. \"÷ %s req/s\" is the database's "+
		"req/s divided by %s's; CPU counts the server process and, for PostgreSQL, its processes serving the run's database; "+
		"\"bare\" is the database's own bare baseline for the same operation, and \"÷ bare req/s\" Enroll's req/s divided by it.", a, a)
	for _, size := range r.sizes() {
		for _, w := range workloads {
			base, ok := r.enroll[enrollKey{first, w.key, size}]
			if !ok {
				continue
			}
			for _, backend := range r.o.Backends {
				st, ok := r.enroll[enrollKey{backend, w.key, size}]
				if !ok {
					continue
				}
				bare, bareRate := "", ""
				if bst, ok := r.ownBaseline(backend, w, size); ok {
					bare, bareRate = rate(bst.Rate), ratio(st.Rate, bst.Rate)
				}
				name, sz := "", ""
				if backend == first {
					name, sz = w.name, itoa(size)
				}
				t.rows = append(t.rows, []string{name, sz, backends[backend].label(), rate(st.Rate), ratio(st.Rate, base.Rate),
					ms(st.P50), ms(st.P99), ms(st.CPU + st.DBCPU), bare, bareRate})
			}
		}
	}
	return t
}

// ownBaseline returns the run of backend's own bare baseline next to
// workload w at size.
func (r *report) ownBaseline(backend string, w workload, size int) (stats, bool) {
	for _, bs := range baselineServers {
		if _, ok := bs.labels[w.op]; ok && bs.backend == backend {
			return r.baseline(bs, backend, w.key, size)
		}
	}
	return stats{}, false
}

// joinAnd joins names as a list in prose: "A", "A and B", "A, B and C".
func joinAnd(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	s := names[0]
	for _, n := range names[1 : len(names)-1] {
		s += ", " + n
	}
	return s + " and " + names[len(names)-1]
}
