package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// report collects a run's figures and renders them as tables.
type report struct {
	o       options
	Machine machine
	Started time.Time
	Elapsed time.Duration
	loads   []string
	enroll  map[enrollKey]stats
	base    map[baseKey]stats
	totals  []totalLine
	rss     []rssLine
}

type enrollKey struct {
	workload string
	size     int
}

type baseKey struct {
	role, workload string
	size           int
}

type totalLine struct{ size, api, rows, page int }

type rssLine struct {
	server string
	size   int
	bytes  int64
}

func newReport(o options) *report {
	return &report{o: o, Machine: readMachine(), Started: time.Now(),
		enroll: map[enrollKey]stats{}, base: map[baseKey]stats{}}
}

func (r *report) addLoad(what string, n int, d time.Duration) {
	r.loads = append(r.loads, fmt.Sprintf("%s: %s (%s rows/s)", what, d.Round(100*time.Millisecond), itoa(int(float64(n)/d.Seconds()))))
}

func (r *report) addEnroll(w workload, size int, st stats) { r.enroll[enrollKey{w.key, size}] = st }

func (r *report) addBaseline(bs baselineServer, workload string, size int, st stats) {
	r.base[baseKey{bs.role, workload, size}] = st
}

func (r *report) addTotal(size, api, rows, page int) {
	r.totals = append(r.totals, totalLine{size, api, rows, page})
}

func (r *report) addRSS(server string, size int, b int64) {
	r.rss = append(r.rss, rssLine{server, size, b})
}

// baseline returns the figures of a baseline's run next to a workload at
// size, or from the first phase for a server measured once.
func (r *report) baseline(bs baselineServer, workload string, size int) (stats, bool) {
	if bs.once {
		size = r.o.Small
	}
	st, ok := r.base[baseKey{bs.role, workload, size}]
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

// table is one section of the report.
type table struct {
	title string
	intro string
	head  []string
	rows  [][]string
	notes []string
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

func (r *report) header() []string {
	o, m := r.o, r.Machine
	mode := "full run"
	if o.Smoke {
		mode = "smoke run (tiny sizes and durations: the figures only show that the harness works)"
	}
	lines := []string{
		"Mode: " + mode + ".",
		fmt.Sprintf("Machine: %s; %d CPUs (GOMAXPROCS %d), %s RAM; %s; %s; load average at start %s.",
			m.CPU, m.NumCPU, m.GOMAXPROCS, m.Memory, m.Kernel, m.Go, m.LoadAvg),
		fmt.Sprintf("Load: %d concurrent clients in a closed loop (vegeta, no pacing), loopback only, load generator on the same machine; "+
			"each run measured for %s after %s of warm-up; every response checked.", o.Workers, o.Duration, o.Warmup),
		"Servers: each in a child process of the harness, so peak RSS and CPU are the server's alone; at each size Enroll and the baselines " +
			"run side by side, each idle but for its own runs. Enroll serves as `enroll serve` would: " + o.Backend +
			" with synchronous=FULL, Go's default GC settings, the access log formatted and discarded; " +
			"but without the per-key rate limit (100 req/s by default), as one key drives all the load.",
	}
	for _, l := range r.loads {
		lines = append(lines, "Loaded: "+l+".")
	}
	if r.Elapsed > 0 {
		lines = append(lines, fmt.Sprintf("Total time: %s.", r.Elapsed.Round(time.Second)))
	}
	return lines
}

func (r *report) tables() []table {
	ts := []table{r.throughput(), r.scale(), r.totalsTable(), r.rssTable(), r.targets()}
	if t := plannedTable(); len(t.rows) > 0 {
		ts = append(ts, t)
	}
	return ts
}

func (r *report) sizes() []int {
	if r.o.Large == r.o.Small {
		return []int{r.o.Small}
	}
	return []int{r.o.Small, r.o.Large}
}

// throughput is the main table: each workload on Enroll, followed by the
// baselines it compares with and the ratios Enroll ÷ baseline.
func (r *report) throughput() table {
	t := table{
		title: "Throughput and latency",
		intro: fmt.Sprintf("%d concurrent clients unless the workload says otherwise. \"enrollments\" is the size of the listed instance. "+
			"Server CPU is user + system time of the server process per request; server RSS the largest resident set seen during the run. "+
			"On a baseline row, \"÷ req/s\" is Enroll's req/s divided by the baseline's, and \"÷ p50\" Enroll's p50 divided by the baseline's.", r.o.Workers),
		head: []string{"workload", "enrollments", "server", "req/s", "p50 ms", "p99 ms", "server CPU ms/req", "server RSS MB", "÷ req/s", "÷ p50", "failed"},
	}
	for _, size := range r.sizes() {
		for _, w := range workloads {
			st, ok := r.enroll[enrollKey{w.key, size}]
			if !ok {
				continue
			}
			t.rows = append(t.rows, []string{w.name, itoa(size), "Enroll", rate(st.Rate), ms(st.P50), ms(st.P99), ms(st.CPU), mb(st.RSS), "", "", failed(st)})
			for _, bs := range baselineServers {
				label, ok := bs.labels[w.op]
				if !ok {
					continue
				}
				bst, ok := r.baseline(bs, w.key, size)
				if !ok {
					continue
				}
				t.rows = append(t.rows, []string{"", "", label, rate(bst.Rate), ms(bst.P50), ms(bst.P99), ms(bst.CPU), mb(bst.RSS),
					ratio(st.Rate, bst.Rate), ratio(float64(st.P50), float64(bst.P50)), failed(bst)})
			}
		}
	}
	t.notes = []string{
		"Baselines answer the same requests with the same JSON and nothing else: no authentication, validation, history, events, counters or rules. " +
			"bare JSON decodes the create request and encodes an enrollment; bare SQLite adds modernc.org/sqlite with the store's pragmas " +
			"(WAL, synchronous=FULL, temp_store=MEMORY, page cache 16 MB for the one writer and 4 MB for each of 2×GOMAXPROCS readers), " +
			"inserting or updating one JSON document under its primary key, " +
			"and reading Enroll's own rows by key or through the same index for gets and lists, returning the stored documents as they are.",
		"Status changes and evaluations are compared with bare SQLite's read-modify-write of one document. " +
			"Each baseline run follows the Enroll run it is compared with, seconds apart; all servers of a size run side by side, idle but for their own runs.",
	}
	if len(r.sizes()) > 1 {
		t.notes = append(t.notes, "bare JSON does not depend on the data: measured once, shown at both sizes. "+
			"bare SQLite's inserts and updates go to a table of its own that starts empty at each size.")
	}
	return t
}

// scale compares each workload at the two sizes.
func (r *report) scale() table {
	t := table{
		title: "Cost as the data grows",
		intro: fmt.Sprintf("Enroll at %s ÷ Enroll at %s enrollments in the listed instance; 1.00 means the cost does not grow with the data.",
			itoa(r.o.Large), itoa(r.o.Small)),
		head: []string{"workload", "p50 ms small", "p50 ms large", "p50 large÷small", "p99 large÷small", "req/s large÷small"},
	}
	if len(r.sizes()) < 2 {
		return t
	}
	for _, w := range workloads {
		s, ok1 := r.enroll[enrollKey{w.key, r.o.Small}]
		l, ok2 := r.enroll[enrollKey{w.key, r.o.Large}]
		if !ok1 || !ok2 {
			continue
		}
		t.rows = append(t.rows, []string{w.name, ms(s.P50), ms(l.P50), ratio(float64(l.P50), float64(s.P50)),
			ratio(float64(l.P99), float64(s.P99)), ratio(l.Rate, s.Rate)})
	}
	return t
}

func (r *report) totalsTable() table {
	t := table{
		title: "totalItems of the measured list",
		intro: "totalItems of GET …/enrollments?status=eligible&perPage=100, against a COUNT(*) of the rows made outside the API.",
		head:  []string{"enrollments", "totalItems (API)", "eligible rows counted", "rows on the page", "correct"},
	}
	for _, l := range r.totals {
		okay := "yes"
		if l.api != l.rows || l.page != min(100, l.rows) {
			okay = "NO"
		}
		t.rows = append(t.rows, []string{itoa(l.size), itoa(l.api), itoa(l.rows), itoa(l.page), okay})
	}
	return t
}

func (r *report) rssTable() table {
	t := table{
		title: "Peak RSS of the servers",
		intro: "VmHWM of each server process when it is stopped: the peak over its whole life, every run at that size included.",
		head:  []string{"server", "enrollments", "peak RSS MB"},
	}
	for _, l := range r.rss {
		t.rows = append(t.rows, []string{l.server, itoa(l.size), mb(l.bytes)})
	}
	return t
}

// targets judges the targets.
func (r *report) targets() table {
	t := table{
		title: "Targets (issue 9)",
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
	var sqlite baselineServer
	for _, bs := range baselineServers {
		if bs.role == "bare-sqlite" {
			sqlite = bs
		}
	}
	for _, size := range r.sizes() {
		c, ok1 := r.enroll[enrollKey{"create", size}]
		b, ok2 := r.baseline(sqlite, "create", size)
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
		s, ok1 := r.enroll[enrollKey{w.key, r.o.Small}]
		l, ok2 := r.enroll[enrollKey{w.key, r.o.Large}]
		if !ok1 || !ok2 || len(r.sizes()) < 2 {
			continue
		}
		t.rows = append(t.rows,
			[]string{fmt.Sprintf("list p50 at %s ≤ 1.5 × at %s (%s)", itoa(r.o.Large), itoa(r.o.Small), w.clients),
				fmt.Sprintf("%s ÷ %s ms = %s", ms(l.P50), ms(s.P50), ratio(float64(l.P50), float64(s.P50))), verdict(l.P50 <= s.P50*3/2)},
			[]string{fmt.Sprintf("list p50 at %s < 10 ms (%s)", itoa(r.o.Large), w.clients), ms(l.P50) + " ms", verdict(l.P50 < 10*time.Millisecond)})
	}
	for _, l := range r.rss {
		if l.server == "Enroll" && l.size == r.o.Large {
			t.rows = append(t.rows, []string{fmt.Sprintf("server peak RSS < 150 MB with %s enrollments under load", itoa(l.size)),
				mb(l.bytes) + " MB", verdict(l.bytes < 150e6)})
		}
	}
	return t
}

// write renders t as a markdown table or aligned text.
func (t table) write(b *strings.Builder, markdown bool) {
	if markdown {
		fmt.Fprintf(b, "#### %s\n\n", t.title)
		if t.intro != "" {
			fmt.Fprintf(b, "%s\n\n", t.intro)
		}
		esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
		row := func(cells []string) {
			for i := range cells {
				cells[i] = esc(cells[i])
			}
			fmt.Fprintf(b, "| %s |\n", strings.Join(cells, " | "))
		}
		row(append([]string(nil), t.head...))
		sep := make([]string, len(t.head))
		for i := range sep {
			sep[i] = "---"
		}
		fmt.Fprintf(b, "|%s|\n", strings.Join(sep, "|"))
		for _, r := range t.rows {
			row(append([]string(nil), r...))
		}
		b.WriteString("\n")
		for _, n := range t.notes {
			fmt.Fprintf(b, "%s\n\n", n)
		}
		return
	}
	fmt.Fprintf(b, "%s\n%s\n", t.title, strings.Repeat("=", len([]rune(t.title))))
	if t.intro != "" {
		fmt.Fprintf(b, "%s\n", t.intro)
	}
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.head, "\t"))
	for _, r := range t.rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
	for _, n := range t.notes {
		fmt.Fprintf(b, "%s\n", n)
	}
	b.WriteString("\n")
}

// mb formats bytes in megabytes (10⁶ bytes).
func mb(b int64) string { return fmt.Sprintf("%.1f", float64(b)/1e6) }

func rate(r float64) string { return itoa(int(r + 0.5)) }

// ms formats a duration in milliseconds with three significant digits.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

func ratio(a, b float64) string {
	if b == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// failed counts the failed requests of a run, warm-up included.
func failed(st stats) string { return itoa(int(st.Failed)) }
