package http

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/enrollhq/enroll"
)

// poolCollector exports the store's connection pools, when it can describe
// them, read at scrape time.
type poolCollector struct {
	store                               enroll.PoolStatser
	open, inUse, maxOpen, waits, waited *prometheus.Desc
}

func newPoolCollector(store enroll.PoolStatser) *poolCollector {
	l := []string{"pool"}
	return &poolCollector{store: store,
		open:    prometheus.NewDesc("enroll_db_connections_open", "Open database connections.", l, nil),
		inUse:   prometheus.NewDesc("enroll_db_connections_in_use", "Database connections in use.", l, nil),
		maxOpen: prometheus.NewDesc("enroll_db_connections_max", "The pool's connection limit.", l, nil),
		waits:   prometheus.NewDesc("enroll_db_connection_waits_total", "Times a request waited for a connection.", l, nil),
		waited:  prometheus.NewDesc("enroll_db_connection_wait_seconds_total", "Time spent waiting for connections.", l, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.open, c.inUse, c.maxOpen, c.waits, c.waited} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.store.PoolStats() {
		ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(s.Open), s.Pool)
		ch <- prometheus.MustNewConstMetric(c.inUse, prometheus.GaugeValue, float64(s.InUse), s.Pool)
		ch <- prometheus.MustNewConstMetric(c.maxOpen, prometheus.GaugeValue, float64(s.MaxOpen), s.Pool)
		ch <- prometheus.MustNewConstMetric(c.waits, prometheus.CounterValue, float64(s.WaitCount), s.Pool)
		ch <- prometheus.MustNewConstMetric(c.waited, prometheus.CounterValue, s.WaitSeconds, s.Pool)
	}
}

// writerCollector exports the single writer's commit groups, read at
// scrape time: writes per commit and the writer's utilisation are what
// bound SQLite's write throughput.
type writerCollector struct {
	store                      enroll.WriterStatser
	commits, writes, busy, wal *prometheus.Desc
}

func newWriterCollector(store enroll.WriterStatser) *writerCollector {
	return &writerCollector{store: store,
		commits: prometheus.NewDesc("enroll_db_writer_commits_total", "Transactions the single writer has run; writes share them (group commit).", nil, nil),
		writes:  prometheus.NewDesc("enroll_db_writer_writes_total", "Writes the single writer has run, in its transactions.", nil, nil),
		busy:    prometheus.NewDesc("enroll_db_writer_busy_seconds_total", "Time the single writer has spent running transactions, commits included.", nil, nil),
		wal:     prometheus.NewDesc("enroll_db_wal_frames", "Pages in the write-ahead log at its last checkpoint.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *writerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.commits
	ch <- c.writes
	ch <- c.busy
	ch <- c.wal
}

// Collect implements prometheus.Collector.
func (c *writerCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.store.WriterStats()
	ch <- prometheus.MustNewConstMetric(c.commits, prometheus.CounterValue, float64(s.Commits))
	ch <- prometheus.MustNewConstMetric(c.writes, prometheus.CounterValue, float64(s.Writes))
	ch <- prometheus.MustNewConstMetric(c.busy, prometheus.CounterValue, s.BusySeconds)
	ch <- prometheus.MustNewConstMetric(c.wal, prometheus.GaugeValue, float64(s.WALFrames))
}
