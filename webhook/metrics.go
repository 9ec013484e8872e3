package webhook

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/enrollhq/enroll"
)

// metrics are the Deliverer's Prometheus collectors.
type metrics struct {
	dispatched prometheus.Counter
	attempts   *prometheus.CounterVec
	duration   prometheus.Histogram
	latency    prometheus.Histogram
}

// newMetrics makes the collectors and registers them with r, if set.
func newMetrics(r prometheus.Registerer) *metrics {
	m := &metrics{
		dispatched: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "enroll_webhook_events_dispatched_total",
			Help: "Events turned into webhook deliveries (or found no endpoint wanting them).",
		}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "enroll_webhook_attempts_total",
			Help: "Webhook delivery attempts by outcome: succeeded, retrying, failed (gave up) or gone (410, endpoint disabled).",
		}, []string{"outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "enroll_webhook_attempt_duration_seconds",
			Help:    "How long webhook delivery attempts took.",
			Buckets: prometheus.DefBuckets,
		}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "enroll_webhook_delivery_latency_seconds",
			Help:    "From an event's commit to its successful delivery, retries included (redeliveries, asked for at any time since, are not observed).",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 60, 600, 3600, 86400},
		}),
	}
	if r != nil {
		r.MustRegister(m.collectors()...)
	}
	return m
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.dispatched, m.attempts, m.duration, m.latency}
}

// observe counts an attempt and its outcome. A redelivery's success is
// not a delivery latency: an operator asks for it at any time after the
// event (a week, say), and counted from the event's commit it would put
// that time in the histogram that alerts on delivery latency read.
func (m *metrics) observe(j *enroll.WebhookJob, o enroll.DeliveryOutcome) {
	outcome := string(o.Status)
	switch {
	case o.DisableEndpoint:
		outcome = "gone"
	case o.Status == enroll.DeliveryPending:
		outcome = "retrying"
	}
	m.attempts.WithLabelValues(outcome).Inc()
	m.duration.Observe(float64(o.Attempt.DurationMs) / 1000)
	if o.Status == enroll.DeliverySucceeded && j.Delivery.RedeliveryOf == "" {
		m.latency.Observe(time.Since(j.EventCreatedAt).Seconds())
	}
}
