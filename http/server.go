// Package http serves Enroll's REST API (SPEC §8) over net/http: the /v1
// routes generated and validated by Huma, the OpenAPI document and its HTML
// reference, health checks and Prometheus metrics. Handlers translate HTTP
// to calls on an enroll.Store and back; every business rule lives in the
// domain package or the store.
package http

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

// Timeouts of the HTTP server. Request bodies are small (Huma caps them at
// maxBodyBytes), so generous read and write limits only bound slow clients.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	shutdownTimeout   = 10 * time.Second
	// maxBodyBytes is Huma's default request body limit, stated here so the
	// 413 behaviour is visible where the server is configured.
	maxBodyBytes = 1 << 20
	// maxHeaderBytes bounds a request's head (request line and header
	// lines); real clients send a few KiB. withRouting refuses a larger
	// one with a problem (431).
	maxHeaderBytes = 64 << 10
	// readHeaderBytes is what net/http reads of a head (plus 4 KiB)
	// before it answers 431 itself, in plain text and without
	// X-Request-Id: room past maxHeaderBytes, so that the service, not
	// net/http, answers the heads just over the limit.
	readHeaderBytes = 2 * maxHeaderBytes
)

// Config configures a Server.
type Config struct {
	// Addr is the listen address, e.g. "127.0.0.1:8080" or "127.0.0.1:0".
	Addr string
	// Store persists everything; the server holds no state of its own.
	Store enroll.Store
	// Logger receives access and error logs; nil means slog.Default().
	Logger *slog.Logger
	// Version is shown as info.version in the OpenAPI document.
	Version string
	// Engine evaluates draft rules for the eligibility test endpoint; nil
	// means a new rules engine. Share the store's to share its cache.
	Engine enroll.RuleEngine
	// Console, when set, is served at /console (the web console); its
	// requests pass through the same request-id, metrics and recovery
	// middleware as the API's. It authenticates its own requests, and
	// gives their key to Server.AdmitKey (console.WithKeyAdmission), so
	// that they spend the key's rate limit and name it in the access log.
	Console http.Handler
	// RateLimit is the sustained number of requests per second each API key
	// may make; 0 disables rate limiting. The enroll binary defaults to 100.
	// When the store is an enroll.RateUsageExchange (PostgreSQL), replicas
	// share their usage after Open, and the limit holds for them together.
	RateLimit float64
	// KeyCacheTTL is how long a key found by authentication is trusted
	// without another look-up; 0 means 5 s. Keys revoked through this
	// server are forgotten at once, and those revoked by other processes
	// as soon as the store reports them (enroll.KeyRevocationWatcher),
	// after Open; the TTL bounds the delay when it cannot.
	KeyCacheTTL time.Duration
	// RateBurst is how many requests a key may make at once on top of the
	// sustained rate; 0 means twice RateLimit.
	RateBurst int
	// IdempotencyLease is how long a request holds its Idempotency-Key
	// before a retry may take it over (after a crash); 0 means 5 s.
	IdempotencyLease time.Duration
	// RulesTestTime is how long a rules test (POST
	// .../eligibility:test with "current": true) may spend evaluating the
	// instance's enrollments before it answers with those evaluated so
	// far; 0 means 10 s.
	RulesTestTime time.Duration
	// IdempotencyWait is how long a request waits for another one running
	// with the same Idempotency-Key before answering 409; 0 means 2 s.
	IdempotencyWait time.Duration
	// DataDir holds uploaded import files while their jobs run; "" means
	// os.TempDir(). It needs room for the largest file, and
	// Open refuses to start when it cannot be created or written.
	DataDir string
	// WakeWebhooks, when set, is called after a change that gives the
	// webhook deliverer work to do at once (a redelivery, a new or
	// re-enabled endpoint), so it need not wait for its next poll.
	WakeWebhooks func()
	// Collectors are more Prometheus collectors to serve on /metrics, such
	// as the webhook deliverer's.
	Collectors []prometheus.Collector
	// PublicURL is the server's base URL as people reach it (--public-url),
	// e.g. https://enroll.example.com. The OpenAPI document names it as
	// its server; unset, Open names the listen address, which behind a
	// proxy (or for an unspecified address, read as 127.0.0.1) would point
	// a reader's client at its own machine.
	PublicURL string
	// EventRetention, when above 0, is how long events, finished webhook
	// deliveries and finished notifications are kept: Open starts a loop
	// that deletes older ones (enroll.WebhookStore.DeleteExpiredEvents)
	// until Close. 0 keeps them forever.
	EventRetention time.Duration
}

// Server is the Enroll HTTP API. Create it with NewServer, then either mount
// Handler() or call Open and Close.
type Server struct {
	cfg     Config
	store   enroll.Store
	logger  *slog.Logger
	mux     *http.ServeMux
	api     huma.API
	handler http.Handler
	metrics *metrics
	touches *toucher
	limiter *rateLimiter // nil when rate limiting is off

	// Idempotency-Key: idem is nil when the store cannot keep records.
	idem      enroll.IdempotencyStore
	idemOps   map[string]idempotentOp
	idemLease time.Duration
	idemWait  time.Duration
	sweepMu   sync.Mutex
	lastSweep time.Time
	// background tracks goroutines Close waits for.
	background sync.WaitGroup
	// imports runs import jobs; Close stops them at a batch boundary.
	imports *importRunner
	// writeTimeout is the server's WriteTimeout: the writeTimeout
	// constant, shorter in tests of uploads that stall.
	writeTimeout time.Duration
	// stopWatch ends what Open started to watch and share through the
	// store: key revocations, rate limit usage.
	stopWatch context.CancelFunc
	// origin names this server among the replicas sharing rate limits.
	origin string
	// shareRates is set when the limiter shares its usage with replicas.
	shareRates enroll.RateUsageExchange
	// orphans wakes the sweep of orphaned deliveries
	// (SweepOrphanedDeliveries).
	orphans chan struct{}

	mu  sync.Mutex
	srv *http.Server
	ln  net.Listener
}

// NewServer builds the whole service: routes, OpenAPI document, middleware.
// It does not listen; see Open.
func NewServer(cfg Config) *Server {
	s := &Server{cfg: cfg, store: cfg.Store, logger: cfg.Logger, mux: http.NewServeMux(), orphans: make(chan struct{}, 1)}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	if s.cfg.Engine == nil {
		s.cfg.Engine = rules.New()
	}
	s.touches = newToucher(cfg.Store, s.logger)
	s.touches.keys.ttl = cfg.KeyCacheTTL
	s.metrics = newMetrics()
	if ps, ok := cfg.Store.(enroll.PoolStatser); ok {
		s.metrics.registry.MustRegister(newPoolCollector(ps))
	}
	if ws, ok := cfg.Store.(enroll.WriterStatser); ok {
		s.metrics.registry.MustRegister(newWriterCollector(ws))
	}
	s.metrics.registry.MustRegister(cfg.Collectors...)
	s.limiter = newRateLimiter(cfg.RateLimit, cfg.RateBurst)
	if x, ok := cfg.Store.(enroll.RateUsageExchange); ok && s.limiter != nil {
		s.shareRates, s.origin, s.limiter.share = x, enroll.NewID(), true
	}
	s.idem, _ = cfg.Store.(enroll.IdempotencyStore)
	s.idemOps = s.idempotentOps()
	s.idemLease, s.idemWait = cmp.Or(cfg.IdempotencyLease, defaultIdempotencyLease), cmp.Or(cfg.IdempotencyWait, defaultIdempotencyWait)
	s.imports = newImportRunner(cfg.Store, cfg.DataDir, s.logger)
	s.writeTimeout = writeTimeout
	s.metrics.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "enroll_import_jobs_running", Help: "Import jobs running in this process: the job queue's depth.",
	}, func() float64 { return float64(s.imports.running.Load()) }))

	s.api = humago.New(s.mux, s.humaConfig())
	// Authentication (and the rate limit) first: idempotency records
	// belong to a workspace and a key.
	s.api.UseMiddleware(s.authenticate, checkQueryParameters, queryTimes, s.idempotency, refuseBody)
	documentEventTypes(s.api.OpenAPI().Components.Schemas)
	s.registerRoutes()
	documentReadOnlyMembers(s.api.OpenAPI().Components.Schemas)
	documentEventObject(s.api.OpenAPI().Components.Schemas)
	documentUniqueItems(s.api.OpenAPI().Components.Schemas)
	documentScopesNotEmpty(s.api.OpenAPI().Components.Schemas)
	documentIDPattern(s.api.OpenAPI().Components.Schemas)
	documentNullEnums(s.api.OpenAPI().Components.Schemas)

	s.mux.Handle("GET /docs", s.docsHandler())
	s.mux.Handle("GET /metrics", s.metrics.handler())
	if cfg.Console != nil {
		s.mux.Handle("/console", cfg.Console)
		s.mux.Handle("/console/", cfg.Console)
	}

	// Outermost first: every response, even a 404 from the mux or a
	// recovered panic, gets a request id, nosniff and no-store, and is
	// counted.
	s.handler = s.withRequestID(withNoSniffNoStore(s.withMetrics(s.withRecover(s.withRouting(s.mux)))))
	return s
}

// humaConfig starts from Huma's defaults and removes what would make bodies
// differ from the seed's representation or need the internet.
func (s *Server) humaConfig() huma.Config {
	version := s.cfg.Version
	if version == "" {
		version = "dev"
	}
	c := huma.DefaultConfig("Enroll API", version)
	// The default create hook adds a `$schema` link to every response body
	// and a Link header; responses must look like the seed's.
	c.CreateHooks = nil
	c.SchemasPath = ""
	// Huma's docs page loads scripts from a CDN; /docs is rendered here.
	c.DocsPath = ""
	c.OpenAPIPath = "/openapi"
	c.Formats = map[string]huma.Format{"application/json": jsonFormat, "json": jsonFormat}
	c.Info.Description = "Enroll runs program enrollments: programs and their instances, " +
		"customers and leads, enrollments with an eligibility and review workflow, " +
		"their history and events. Authenticate with `Authorization: Bearer <secret key>`."
	// A URL too: OpenAPI 3.1 validators built on its first schema refuse
	// a license with a name alone, and 3.0's License Object, which Huma
	// serves at /openapi-3.0.json, takes a url but no SPDX identifier.
	c.Info.License = &huma.License{Name: "Apache-2.0", URL: "https://www.apache.org/licenses/LICENSE-2.0"}
	c.Servers = []*huma.Server{{URL: "/", Description: "This server"}}
	c.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		securityScheme: {
			Type:        "http",
			Scheme:      "bearer",
			Description: "An API key secret (`sk_…`), created by `enroll workspace create` or POST /v1/apiKeys.",
		},
	}
	c.Tags = apiTags
	return c
}

// jsonFormat is Huma's JSON format with four input rules: a body that is
// not UTF-8 is malformed (400) rather than silently patched with U+FFFD; an
// object that names a member twice is malformed too, and an integer a
// float64 would round is refused (checkBody); a
// top-level "$schema" member — which Huma clients echo back — is ignored
// instead of refused as an unknown property; and 5.0 or 1e2 fill an
// integer field, as JSON Schema counts them integers (integerRetry).
var jsonFormat = huma.Format{
	Marshal: huma.DefaultJSONFormat.Marshal,
	Unmarshal: func(data []byte, v any) error {
		if !utf8.Valid(data) {
			return errors.New("request body is not valid UTF-8")
		}
		_, schemaPass := v.(*any)
		if err := checkBody(data, schemaPass); err != nil {
			return err
		}
		if err := json.Unmarshal(data, v); err != nil {
			if err := integerRetry(data, v, err); err != nil {
				return err
			}
		}
		if p, ok := v.(*any); ok {
			if m, ok := (*p).(map[string]any); ok {
				delete(m, "$schema")
			}
			// The copy Huma validates (membernames.go).
			*p = maskMemberNames(*p)
		}
		return nil
	},
}

func init() {
	// Member names are matched exactly: Huma would otherwise accept
	// "FirstName" for firstName, and a merge patch could then carry two
	// spellings of one member.
	huma.ValidateStrictCasing = true
}

// Handler returns the whole service: /v1, /openapi.json, /docs, /healthz,
// /readyz and /metrics.
func (s *Server) Handler() http.Handler { return s.handler }

// OpenAPI returns the generated OpenAPI 3.1 document.
func (s *Server) OpenAPI() *huma.OpenAPI { return s.api.OpenAPI() }

// Open listens on cfg.Addr and serves in a goroutine until Close. It
// refuses to start when the import data directory cannot be written
// (CheckDataDir).
func (s *Server) Open() error {
	if err := CheckDataDir(s.imports.dir); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      s.writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    readHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	s.mu.Lock()
	s.ln, s.srv = ln, srv
	if s.stopWatch == nil {
		ctx, cancel := context.WithCancel(context.Background())
		s.stopWatch = cancel
		if w, ok := s.store.(enroll.KeyRevocationWatcher); ok {
			s.background.Go(func() { s.watchRevocations(ctx, w) })
		}
		if s.shareRates != nil {
			s.background.Go(func() { s.shareRateUsage(ctx, s.shareRates) })
		}
		if ws, ok := s.store.(enroll.WebhookStore); ok {
			s.background.Go(func() { s.deleteOrphanedDeliveries(ctx, ws) })
		}
		if ws, ok := s.store.(enroll.WebhookStore); ok && s.cfg.EventRetention > 0 {
			s.background.Go(func() { s.deleteExpiredEvents(ctx, ws, s.cfg.EventRetention) })
		}
	}
	s.mu.Unlock()
	// Name the real address first so the document works for clients that
	// resolve server URLs absolutely: the public URL when it is known.
	oapi := s.api.OpenAPI()
	first := strings.TrimSuffix(s.cfg.PublicURL, "/")
	if first == "" {
		first = s.URL()
	}
	oapi.Servers = append([]*huma.Server{{URL: first, Description: "This server"}}, oapi.Servers...)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("http server stopped", "err", err)
		}
	}()
	return nil
}

// URL returns the base URL after Open, e.g. "http://127.0.0.1:41234".
func (s *Server) URL() string {
	s.mu.Lock()
	ln := s.ln
	s.mu.Unlock()
	if ln == nil {
		return ""
	}
	addr, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		return "http://" + ln.Addr().String()
	}
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(addr.Port))
}

// Close shuts the server down gracefully, waiting at most shutdownTimeout
// for requests in flight, then waits for pending lastUsedAt updates so the
// store can be closed right after.
func (s *Server) Close() error {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil // a second Close has nothing to shut down
	if s.stopWatch != nil {
		s.stopWatch()
	}
	s.mu.Unlock()
	var err error
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		if err = srv.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
			// Requests still running are cut off, and the error says so
			// rather than a bare "context deadline exceeded".
			_ = srv.Close()
			err = fmt.Errorf("http: requests still running after %s were cut off: %w", shutdownTimeout, err)
		}
	}
	s.touches.wait()
	s.background.Wait()
	// Imports stop at their next batch boundary, failed with a message
	// saying to run the same file again, which completes them.
	s.imports.stop()
	return err
}

// withRecover turns a panicking handler into a logged 500 problem instead of
// a dropped connection.
func (s *Server) withRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.logger.Error("panic serving request", "panic", v, "method", r.Method,
					"path", r.URL.Path, "requestId", requestID(r.Context()))
				writeProblem(w, newProblem(http.StatusInternalServerError, "Internal error."))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// withRouting answers requests no route matches with a problem body (404,
// or 405 with Allow) instead of the mux's plain text.
func (s *Server) withRouting(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := headSize(r); n > maxHeaderBytes {
			writeProblem(w, newProblem(http.StatusRequestHeaderFieldsTooLarge,
				"The request line and headers take "+strconv.Itoa(n)+" bytes; the limit is "+strconv.Itoa(maxHeaderBytes)+"."))
			return
		}
		if (strings.Contains(r.URL.RawQuery, "%00") || strings.ContainsRune(r.URL.Path, 0)) && !consolePath(r.URL.Path) {
			// No stored value can hold NUL (PostgreSQL's text refuses it).
			// The console checks its own input and answers in HTML.
			writeProblem(w, newProblem(http.StatusBadRequest, "The URL contains a NUL character."))
			return
		}
		if !consolePath(r.URL.Path) && !utf8URL(r.URL) {
			// No stored value is anything but UTF-8 either, and
			// PostgreSQL refuses to compare text with such bytes: a
			// filter such as ?referenceId=%FF was a 500 there.
			writeProblem(w, newProblem(http.StatusBadRequest, "The URL is not UTF-8 once its percent-encoding is decoded."))
			return
		}
		if _, err := url.ParseQuery(r.URL.RawQuery); err != nil && strings.HasPrefix(r.URL.Path, "/v1/") {
			// The parsers downstream drop a pair they cannot decode
			// (?email=%zz), which would quietly widen a filter. The
			// console's and the unsubscribe pages answer in HTML.
			writeProblem(w, newProblem(http.StatusBadRequest, "The query string is malformed: "+err.Error()+"."))
			return
		}
		if p := checkBodyEncoding(r); p != nil {
			writeProblem(w, p)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/v1/") && uncleanPath(r.URL.Path) {
			// The mux would redirect to the cleaned path, which names
			// another resource: /v1/enrollments//history, an id left
			// out, to the enrollment "history".
			writeProblem(w, newProblem(http.StatusNotFound, "No route matches this path: it has an empty, . or .. segment (an id left out?)."))
			return
		}
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(&unmatchedWriter{ResponseWriter: w}, r)
	})
}

// uncleanPath reports whether p has an empty segment, or a . or ..
// one, which http.ServeMux answers with a redirect to its cleaned form.
func uncleanPath(p string) bool {
	return strings.Contains(p, "//") || strings.Contains(p, "/./") || strings.Contains(p, "/../") ||
		strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/..")
}

// headSize is the size of r's head as sent on HTTP/1.1: the request
// line, the Host line (net/http takes it out of Header) and each header
// line, with their CRLFs and the blank line that ends them.
func headSize(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2 + 2
	if r.Host != "" {
		n += len("Host: ") + len(r.Host) + 2
	}
	for name, values := range r.Header {
		for _, v := range values {
			n += len(name) + 2 + len(v) + 2
		}
	}
	return n
}

// utf8URL reports whether u's path and its query's names and values, as
// decoded, are UTF-8. Of a query Go cannot decode whole it checks the
// pairs it can; the rest is refused as malformed on /v1.
func utf8URL(u *url.URL) bool {
	if !utf8.ValidString(u.Path) {
		return false
	}
	q, _ := url.ParseQuery(u.RawQuery)
	for name, values := range q {
		if !utf8.ValidString(name) {
			return false
		}
		for _, v := range values {
			if !utf8.ValidString(v) {
				return false
			}
		}
	}
	return true
}

// consolePath reports whether p is served by the console (Config.Console),
// whose pages answer bad input in HTML.
func consolePath(p string) bool { return p == "/console" || strings.HasPrefix(p, "/console/") }

// unmatchedWriter replaces the mux's 404 and 405 text bodies with problems
// and passes anything else (redirects of unclean paths) through.
type unmatchedWriter struct {
	http.ResponseWriter
	replaced bool
}

// WriteHeader writes a problem for 404 and 405 and remembers to drop the
// mux's own body.
func (w *unmatchedWriter) WriteHeader(code int) {
	switch code {
	case http.StatusNotFound:
		w.replaced = true
		writeProblem(w.ResponseWriter, newProblem(code, "No route matches this path."))
	case http.StatusMethodNotAllowed:
		w.replaced = true
		writeProblem(w.ResponseWriter, newProblem(code, "This path does not support this method; see the Allow header."))
	default:
		w.ResponseWriter.WriteHeader(code)
	}
}

// Write discards the mux's body when a problem was written instead.
func (w *unmatchedWriter) Write(b []byte) (int, error) {
	if w.replaced {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}
