package notify

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/enrollhq/enroll"
)

// metrics are the Sender's Prometheus collectors: without them a relay
// that refuses every message for now (a wrong password, a full queue) goes
// unseen for the 24 hours of retries, which are not logged.
type metrics struct {
	attempts *prometheus.CounterVec
	duration prometheus.Histogram
}

func newMetrics() *metrics {
	m := &metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "enroll_notification_attempts_total",
			Help: "Notification attempts by outcome: sent, retrying (refused for now), failed (refused for good, or retried for 24 hours) or skipped (no SMTP server or public URL, or the recipient unsubscribed).",
		}, []string{"outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "enroll_notification_attempt_duration_seconds",
			Help: "How long attempts to hand a notification to the SMTP server took.",
			// Up to the 30 s timeout of an attempt.
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
	}
	// Every outcome is shown from the start, at 0, so that a rate over
	// it has a series before its first attempt.
	for _, o := range []string{"sent", "retrying", "failed", "skipped"} {
		m.attempts.WithLabelValues(o)
	}
	return m
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.attempts, m.duration}
}

// observe counts an attempt by its outcome; a skip made no attempt to
// time.
func (m *metrics) observe(o enroll.NotificationOutcome) {
	outcome := string(o.Status)
	if o.Status == enroll.NotificationPending {
		outcome = "retrying"
	}
	m.attempts.WithLabelValues(outcome).Inc()
	if o.Status != enroll.NotificationSkipped {
		m.duration.Observe(float64(o.Attempt.DurationMs) / 1000)
	}
}
