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
