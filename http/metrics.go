package http

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus collectors, in a registry of its own
// so that many servers (tests) can live in one process.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	// rateShared counts requests other replicas admitted, spent here.
	rateShared prometheus.Counter
	// watchUp is 1 while a watch of other processes' changes listens
	// (keepWatching), by watch.
	watchUp *prometheus.GaugeVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "enroll_http_requests_total",
			Help: "HTTP requests by method (other: not a standard one), route pattern (unmatched: none) and status code.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "enroll_http_request_duration_seconds",
			Help:    "HTTP request latency by method (other: not a standard one) and route pattern (unmatched: none).",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "enroll_http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
		rateShared: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "enroll_rate_limit_shared_requests_total",
			Help: "Requests other replicas admitted, spent from this one's rate limit buckets (PostgreSQL).",
		}),
		watchUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "enroll_watch_up",
			Help: "1 while this process hears other processes' changes of a kind (watch: key_revocations, rate_limit_usage), 0 while it cannot.",
		}, []string{"watch"}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.inFlight, m.rateShared, m.watchUp,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// handler serves the registry in the Prometheus exposition format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// withMetrics counts and times every request by its route pattern (never
// the raw path, which would explode the label space) and its method
// (metricMethod), and writes the access log line.
func (s *Server) withMetrics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		route := "unmatched"
		if _, pattern := s.mux.Handler(r); pattern != "" {
			// Patterns read "GET /v1/enrollments/{enrollmentId}".
			_, route, _ = strings.Cut(pattern, " ")
			if route == "" {
				route = pattern
			}
		}
		s.metrics.inFlight.Inc()
		sw := &statusWriter{ResponseWriter: w}
		info := &logInfo{}
		r = r.WithContext(context.WithValue(r.Context(), logInfoKey{}, info))
		defer func() {
			s.metrics.inFlight.Dec()
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			elapsed := time.Since(start)
			method := metricMethod(r.Method)
			s.metrics.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
			s.metrics.duration.WithLabelValues(method, route).Observe(elapsed.Seconds())
			s.logger.Info("request", "method", r.Method, "path", r.URL.Path, "route", route,
				"status", status, "duration", elapsed, "requestId", requestID(r.Context()), "keyId", info.keyID)
		}()
		next.ServeHTTP(sw, r)
	})
}

// metricMethods are the methods requests are labelled with: RFC 9110's
// and PATCH, which hold every method a route uses.
var metricMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true, http.MethodPatch: true,
	http.MethodDelete: true, http.MethodOptions: true, http.MethodConnect: true, http.MethodTrace: true,
}

// metricMethod is the method label of a request: any other method, which
// a client may make up at will (and without a key), is "other", so that
// made-up methods cannot add series without bound, as unknown paths are
// "unmatched".
func metricMethod(m string) string {
	if metricMethods[m] {
		return m
	}
	return "other"
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader records the first status code.
func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200.
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController (and Huma's read deadlines) reach
// the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logInfo collects, for the access log line, what is learnt inside the
// handler chain: the id (never the secret) of the authenticated key.
type logInfo struct {
	keyID string
}

type logInfoKey struct{}

// setLogKey records the request's key id for the access log.
func setLogKey(ctx context.Context, keyID string) {
	if info, ok := ctx.Value(logInfoKey{}).(*logInfo); ok {
		info.keyID = keyID
	}
}
