package main

import (
	"fmt"
	"strings"
	"time"
)

// report collects a run's figures and renders them as tables.
type report struct {
	o       options
	Machine machine
	Started time.Time
	Elapsed time.Duration
	// loadEnd is the machine's load average when the run ended.
	loadEnd string
	// loads, databases and skipped are header lines: what was loaded, how
	// each database was set up, which were left out and why.
	loads, databases, skipped []string
	// importSetup describes the import figure's file and instance.
	importSetup string
	enroll      map[enrollKey]stats
	base        map[baseKey]stats
	totals      []totalLine
	rss         []rssLine
	imports     []importResult
}

// enrollKey names an Enroll run: a workload on a database at a size.
type enrollKey struct {
	backend, workload string
	size              int
}

// baseKey names a baseline's run next to an Enroll run.
type baseKey struct {
	role, backend, workload string
	size                    int
}

// totalLine is one check of the list's totalItems.
type totalLine struct {
	backend               string
	size, api, rows, page int
}

// rssLine is one server's peak RSS over a phase.
type rssLine struct {
	backend, server string
	size            int
	bytes           int64
}

// newReport starts the report of a run with o.
func newReport(o options) *report {
	return &report{o: o, Machine: readMachine(), Started: time.Now(),
		enroll: map[enrollKey]stats{}, base: map[baseKey]stats{}}
}

// addLoad records a loading step of n rows that took d.
func (r *report) addLoad(what string, n int, d time.Duration) {
	r.loads = append(r.loads, fmt.Sprintf("%s: %s (%s rows/s)", what, d.Round(100*time.Millisecond), itoa(int(float64(n)/d.Seconds()))))
}

// addDatabase records a database's description.
func (r *report) addDatabase(line string) { r.databases = append(r.databases, line) }

// addEnroll records an Enroll run.
func (r *report) addEnroll(w workload, backend string, size int, st stats) {
	r.enroll[enrollKey{backend, w.key, size}] = st
}

// addBaseline records a baseline's run next to an Enroll run.
func (r *report) addBaseline(bs baselineServer, backend, workload string, size int, st stats) {
	r.base[baseKey{bs.role, backend, workload, size}] = st
}

// addTotal records a check of the list's totalItems.
func (r *report) addTotal(backend string, size, api, rows, page int) {
	r.totals = append(r.totals, totalLine{backend, size, api, rows, page})
}

// addRSS records a server's peak RSS over a phase.
func (r *report) addRSS(backend, server string, size int, b int64) {
	r.rss = append(r.rss, rssLine{backend, server, size, b})
}

// addImport records an import.
func (r *report) addImport(res importResult) { r.imports = append(r.imports, res) }

// baseline returns the figures of a baseline's run next to a workload on
// backend at size, or from the run's first phase for a server measured once.
func (r *report) baseline(bs baselineServer, backend, workload string, size int) (stats, bool) {
	if bs.once {
		backend, size = r.o.Backends[0], r.o.Small
	}
	st, ok := r.base[baseKey{bs.role, backend, workload, size}]
	return st, ok
}

// failures counts the failed requests of the run.
func (r *report) failures() uint64 {
	var n uint64
	for _, st := range r.enroll {
		n += st.Failed
	}
	for _, st := range r.base {
		n += st.Failed
	}
	return n
}

// render returns the report as markdown or as aligned text.
func (r *report) render(markdown bool) string {
	var b strings.Builder
	if markdown {
		fmt.Fprintf(&b, "### Run of %s\n\n", r.Started.UTC().Format("2006-01-02 15:04 MST"))
	} else {
		fmt.Fprintf(&b, "Enroll benchmark, %s\n\n", r.Started.UTC().Format("2006-01-02 15:04 MST"))
	}
	for _, line := range r.header() {
		if markdown {
			fmt.Fprintf(&b, "- %s\n", line)
		} else {
			fmt.Fprintf(&b, "  %s\n", line)
		}
	}
	b.WriteString("\n")
	for _, t := range r.tables() {
		t.write(&b, markdown)
	}
	return b.String()
}

// header returns the lines that say how the run was made.
func (r *report) header() []string {
	o, m := r.o, r.Machine
	mode := "full run"
	if o.Smoke {
		mode = "smoke run (tiny sizes and durations: the figures only show that the harness works)"
	}
	var dbs []string
	for _, name := range o.Backends {
		dbs = append(dbs, backends[name].label())
	}
	params := fmt.Sprintf("listed instance at %s and %s enrollments; databases %s", itoa(o.Small), itoa(o.Large), strings.Join(dbs, ", "))
	if o.ImportRows > 0 {
		params += fmt.Sprintf("; import of %s rows, capped at %s", itoa(o.ImportRows), o.ImportCap)
	}
	lines := []string{
		"Mode: " + mode + "; " + params + ".",
		fmt.Sprintf("Machine: %s; %d CPUs (GOMAXPROCS %d), %s RAM; %s; %s; load average at start %s.",
			m.CPU, m.NumCPU, m.GOMAXPROCS, m.Memory, m.Kernel, m.Go, m.LoadAvg),
		fmt.Sprintf("Load: %d concurrent clients in a closed loop (vegeta, no pacing), loopback only, load generator on the same machine; "+
			"each run measured for %s after %s of warm-up; every response checked.", o.Workers, o.Duration, o.Warmup),
		"Servers: each in a child process of the harness, so peak RSS and CPU are the server's alone; at each size Enroll and the baselines " +
			"run side by side, each idle but for its own runs. Enroll serves as `enroll serve` would: the store opened with its defaults " +
			"(below), Go's default GC settings, on SQLite two Go processors more than CPUs (sqlite.RaiseProcs, as `enroll serve` sets them), " +
			"the access log formatted and discarded; " +
			"but without the per-key rate limit (100 req/s by default), as one key drives all the load.",
	}
	for _, l := range r.databases {
		lines = append(lines, "Database: "+l+".")
	}
	for _, l := range r.skipped {
		lines = append(lines, "Left out: "+l+".")
	}
	for _, l := range r.loads {
		lines = append(lines, "Loaded: "+l+".")
	}
	if r.importSetup != "" {
		lines = append(lines, r.importSetup+".")
	}
	if r.Elapsed > 0 {
		lines = append(lines, fmt.Sprintf("Total time: %s; load average at the end %s.", r.Elapsed.Round(time.Second), r.loadEnd))
	}
	return lines
}

// tables returns the report's tables, in order.
func (r *report) tables() []table {
	ts := []table{r.throughput()}
	if len(r.o.Backends) > 1 {
		ts = append(ts, r.compare())
	}
	ts = append(ts, r.scale(), r.totalsTable(), r.rssTable())
	if len(r.imports) > 0 {
		ts = append(ts, r.importTable())
	}
	ts = append(ts, r.targets())
	if t := plannedTable(); len(t.rows) > 0 {
		ts = append(ts, t)
	}
	return ts
}

// sizes returns the sizes of the listed instance the run measured.
func (r *report) sizes() []int {
	if r.o.Large == r.o.Small {
		return []int{r.o.Small}
	}
	return []int{r.o.Small, r.o.Large}
}

// hasBackend reports whether the run measured backend name.
func (r *report) hasBackend(name string) bool {
	for _, b := range r.o.Backends {
		if b == name {
			return true
		}
	}
	return false
}

// throughput is the main table: each workload on Enroll, followed by the
// baselines it compares with and the ratios Enroll ÷ baseline.
func (r *report) throughput() table {
	t := table{
		title: "Throughput and latency",
		intro: fmt.Sprintf("%d concurrent clients unless the workload says otherwise. \"enrollments\" is the size of the listed instance. "+
			"Server CPU is user + system time of the server process per request; database CPU the same for PostgreSQL's processes serving "+
			"the run's database (its connections' backends and autovacuum on it, found by their process titles; not the WAL writer or the "+
			"checkpointer), empty where the database runs inside the server (SQLite). Server RSS is the largest resident set of the server "+
			"process seen during the run (PostgreSQL's memory is not in it). "+
			"On SQLite, \"writes/commit\" is how many writes shared each commit of the single writer (group commit), and \"writer busy\" the share of "+
			"the run's time the writer was running transactions, commits included (from the server's enroll_db_writer_* metrics). "+
			"On a baseline row, \"÷ req/s\" is Enroll's req/s divided by the baseline's, and \"÷ p50\" Enroll's p50 divided by the baseline's.", r.o.Workers),
		head: []string{"workload", "database", "enrollments", "server", "req/s", "p50 ms", "p99 ms", "server CPU ms/req", "database CPU ms/req",
			"server RSS MB", "writes/commit", "writer busy", "÷ req/s", "÷ p50", "failed"},
	}
	for _, backend := range r.o.Backends {
		label := backends[backend].label()
		for _, size := range r.sizes() {
			for _, w := range workloads {
				st, ok := r.enroll[enrollKey{backend, w.key, size}]
				if !ok {
					continue
				}
				t.rows = append(t.rows, []string{w.name, label, itoa(size), "Enroll", rate(st.Rate), ms(st.P50), ms(st.P99), ms(st.CPU), dbCPU(st),
					mb(st.RSS), perCommit(st), writerBusy(st), "", "", failed(st)})
				for _, bs := range baselineServers {
					name, ok := bs.labels[w.op]
					if !ok || (bs.backend != "" && bs.backend != backend) {
						continue
					}
					bst, ok := r.baseline(bs, backend, w.key, size)
					if !ok {
						continue
					}
					t.rows = append(t.rows, []string{"", "", "", name, rate(bst.Rate), ms(bst.P50), ms(bst.P99), ms(bst.CPU), dbCPU(bst), mb(bst.RSS), "", "",
						ratio(st.Rate, bst.Rate), ratio(float64(st.P50), float64(bst.P50)), failed(bst)})
				}
			}
		}
	}
	t.notes = []string{
		"Baselines answer the same requests with the same JSON and nothing else: no authentication, validation, history, events, counters or rules. " +
			"bare JSON decodes the create request and encodes an enrollment; bare SQLite adds modernc.org/sqlite with the store's pragmas " +
			"(WAL, synchronous=FULL, temp_store=MEMORY, page cache 16 MB for the one writer and 4 MB for each of 2×GOMAXPROCS readers), " +
			"inserting or updating one JSON document under its primary key, " +
			"and reading Enroll's own rows by key or through the same index for gets and lists, returning the stored documents as they are.",
		"Status changes and evaluations are compared with the bare database's read-modify-write of one document. " +
			"Each baseline run follows the Enroll run it is compared with, seconds apart; all servers of a size run side by side, idle but for their own runs.",
	}
	if r.hasBackend("postgres") {
		t.notes = append(t.notes, "bare PostgreSQL is bare SQLite's twin on pgx with the pool Enroll's store opens (pgxpool's default size): "+
			"one jsonb document per row under its primary key in a table of its own in Enroll's database, inserted in autocommit or "+
			"read under a row lock (SELECT … FOR UPDATE), changed and written back in a READ COMMITTED transaction; "+
			"gets and lists read Enroll's rows by key or through the same index.")
	}
	if len(r.sizes()) > 1 || len(r.o.Backends) > 1 {
		t.notes = append(t.notes, "bare JSON does not depend on the data: measured once, shown at every size and database. "+
			"The bare databases' inserts and updates go to a table of their own that starts empty at each size.")
	}
	return t
}

// scale compares each workload at the two sizes.
func (r *report) scale() table {
	t := table{
		title: "Cost as the data grows",
		intro: fmt.Sprintf("Enroll at %s ÷ Enroll at %s enrollments in the listed instance; 1.00 means the cost does not grow with the data.",
			itoa(r.o.Large), itoa(r.o.Small)),
		head: []string{"workload", "database", "p50 ms small", "p50 ms large", "p50 large÷small", "p99 large÷small", "req/s large÷small"},
	}
	if len(r.sizes()) < 2 {
		return t
	}
	for _, backend := range r.o.Backends {
		for _, w := range workloads {
			s, ok1 := r.enroll[enrollKey{backend, w.key, r.o.Small}]
			l, ok2 := r.enroll[enrollKey{backend, w.key, r.o.Large}]
			if !ok1 || !ok2 {
				continue
			}
			t.rows = append(t.rows, []string{w.name, backends[backend].label(), ms(s.P50), ms(l.P50), ratio(float64(l.P50), float64(s.P50)),
				ratio(float64(l.P99), float64(s.P99)), ratio(l.Rate, s.Rate)})
		}
	}
	return t
}

// totalsTable reports the checks of the list's totalItems.
func (r *report) totalsTable() table {
	t := table{
		title: "totalItems of the measured list",
		intro: "totalItems of GET …/enrollments?status=eligible&perPage=100, against a COUNT(*) of the rows made outside the API.",
		head:  []string{"database", "enrollments", "totalItems (API)", "eligible rows counted", "rows on the page", "correct"},
	}
	for _, l := range r.totals {
		okay := "yes"
		if l.api != l.rows || l.page != min(100, l.rows) {
			okay = "NO"
		}
		t.rows = append(t.rows, []string{backends[l.backend].label(), itoa(l.size), itoa(l.api), itoa(l.rows), itoa(l.page), okay})
	}
	return t
}

// rssTable reports the servers' peak RSS.
func (r *report) rssTable() table {
	t := table{
		title: "Peak RSS of the servers",
		intro: "VmHWM of each server process when it is stopped: the peak over its whole life, every run at that size included " +
			"(the import's servers: that import alone). PostgreSQL's own processes are not counted.",
		head: []string{"server", "database", "enrollments", "peak RSS MB"},
	}
	for _, l := range r.rss {
		t.rows = append(t.rows, []string{l.server, backends[l.backend].label(), itoa(l.size), mb(l.bytes)})
	}
	for _, res := range r.imports {
		t.rows = append(t.rows, []string{res.server + " (import)", backends[r.o.ImportBackend].label(), "—", mb(res.hwm)})
	}
	return t
}
