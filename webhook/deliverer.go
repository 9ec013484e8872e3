package webhook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/poller"
)

// Defaults of a Deliverer's Config.
const (
	// DefaultConcurrency is how many attempts a process makes at once.
	// Senders wait on receivers, not on the CPU: with 256, three slow
	// endpoints at their DefaultEndpointConcurrency leave every other
	// endpoint a quarter of the senders.
	DefaultConcurrency  = 256
	DefaultPollInterval = 50 * time.Millisecond
	// DefaultEndpointConcurrency is how many deliveries of one endpoint may
	// be leased at once, across every process sharing the store: a quarter
	// of DefaultConcurrency, so a receiver that is slow or times out holds
	// at most a quarter of one process's senders. It also bounds one
	// endpoint's delivery rate, since a lease lasts from the claim to the
	// commit that records the attempt: with 32, one endpoint fell behind
	// 500 events/s on PostgreSQL (p50 8.3 s); with 64 it keeps up (p99
	// 82 ms; docs/benchmarks.md, session 14).
	DefaultEndpointConcurrency = 64
	// dispatchBatch is how many events one DispatchEvents call takes.
	dispatchBatch = 500
	// dispatchRenderBudget is how long one DispatchEvents call may spend
	// rendering notifications before it takes no more events: it runs in
	// a write transaction (SQLite's is every workspace's), and although
	// each render is bounded, a batch holds hundreds. Real templates render
	// in well under a millisecond.
	dispatchRenderBudget = 250 * time.Millisecond
	// errorBodyBytes is how much of a failed answer's body an attempt keeps.
	errorBodyBytes = 256
	// drainBytes is how much of an answer is read so the connection can be
	// reused; a receiver sending more gets its connection closed.
	drainBytes = 64 << 10
	// finishTimeout bounds recording an attempt, which must outlive a
	// shutdown that interrupts the send.
	finishTimeout = 10 * time.Second
	// userAgent names the sender to receivers.
	userAgent = "Enroll-Webhooks/1"
)

// Config configures a Deliverer.
type Config struct {
	// Store keeps the endpoints and the delivery queue.
	Store enroll.WebhookStore
	// Logger receives failures; nil means slog.Default().
	Logger *slog.Logger
	// AllowPrivate lets deliveries reach loopback and private addresses
	// (--webhook-allow-private); off, they are refused.
	AllowPrivate bool
	// Timeout bounds one attempt; 0 means enroll.DeliveryTimeout (10 s).
	Timeout time.Duration
	// Lease is how long a claimed delivery stays claimed; a sender that
	// dies holds it that long. 0 means twice Timeout plus 5 s.
	Lease time.Duration
	// Concurrency is how many attempts run at once; 0 means 256. Attempts
	// wait on receivers, not on the CPU, and each claim takes up to this
	// many: a bigger batch is what keeps delivery ahead of a busy writer.
	Concurrency int
	// EndpointConcurrency is how many attempts to one endpoint may be
	// under way at once, counted across the processes sharing the store
	// (ClaimWebhookDeliveries' perEndpoint); 0 means 64.
	EndpointConcurrency int
	// WorkspaceConcurrency is how many attempts to one workspace's
	// endpoints may be under way at once, counted across the processes
	// sharing the store (ClaimWebhookDeliveries' perWorkspace), so that
	// one workspace's backlog cannot take every sender; 0 means three
	// quarters of Concurrency (192). Replicas share it: with several, a
	// workspace alone uses at most this many of all their senders.
	WorkspaceConcurrency int
	// PollInterval is how often an idle Deliverer looks for work; 0 means
	// 50 ms, which bounds the wait between a commit and its first attempt.
	PollInterval time.Duration
	// Registerer, when set, receives the delivery metrics.
	Registerer prometheus.Registerer
	// Jitter returns a float in [0, 1) for retry backoff; nil means
	// math/rand. Tests make retries predictable with it.
	Jitter func() float64
}

// Deliverer sends queued webhook deliveries. Start it once; Close stops it
// after the attempts under way finish.
type Deliverer struct {
	cfg     Config
	store   enroll.WebhookStore
	logger  *slog.Logger
	client  *http.Client
	metrics *metrics

	loop *poller.Loop[*enroll.WebhookJob]
	// results are attempts made, waiting to be recorded.
	results chan enroll.DeliveryResult
	// finishing waits for the goroutine that records attempts.
	finishing sync.WaitGroup
	// errors logs the loop's failures, a repeated one once a minute.
	errors *poller.ErrorLog
}

// New returns a Deliverer; it sends nothing until Start.
func New(cfg Config) *Deliverer {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = enroll.DeliveryTimeout
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 2*cfg.Timeout + 5*time.Second
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.EndpointConcurrency <= 0 {
		cfg.EndpointConcurrency = DefaultEndpointConcurrency
	}
	if cfg.WorkspaceConcurrency <= 0 {
		// Three quarters of the senders (192 of 256): a workspace with a
		// backlog over several endpoints (an import's events to each: 10
		// endpoints at 64 would take 640) leaves the other workspaces a
		// quarter, one endpoint's bound, so their events go out at once
		// instead of after the backlog; a workspace alone keeps the rest.
		cfg.WorkspaceConcurrency = max(1, cfg.Concurrency*3/4)
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	d := &Deliverer{
		cfg: cfg, store: cfg.Store, logger: cfg.Logger, errors: poller.NewErrorLog(cfg.Logger),
		client:  newClient(cfg.AllowPrivate, cfg.Timeout),
		metrics: newMetrics(cfg.Registerer),
		results: make(chan enroll.DeliveryResult, cfg.Concurrency),
	}
	d.loop = poller.New(poller.Config[*enroll.WebhookJob]{Concurrency: cfg.Concurrency, PollInterval: cfg.PollInterval,
		Claim: d.claim, Work: d.deliver, Logger: cfg.Logger})
	return d
}

// Collectors returns the delivery metrics, for a registry of the caller's
// (the HTTP server's /metrics) when Config.Registerer is not set.
func (d *Deliverer) Collectors() []prometheus.Collector { return d.metrics.collectors() }

// Start runs the delivery loop in the background until Close.
func (d *Deliverer) Start() {
	d.finishing.Add(1)
	go func() {
		defer d.finishing.Done()
		d.record()
	}()
	d.loop.Start()
}

// Wake makes the loop look for work now rather than at its next poll.
func (d *Deliverer) Wake() { d.loop.Wake() }

// Close stops claiming deliveries and waits for the attempts under way;
// each is bounded by the attempt timeout. Deliveries not yet sent stay
// queued for the next start (or another replica).
func (d *Deliverer) Close() error {
	if d.loop.Stop() {
		close(d.results)
		d.finishing.Wait()
	}
	d.client.CloseIdleConnections()
	return nil
}

// claim dispatches new events, then claims what is due for the free
// senders; more reports a full dispatch batch, so the loop goes again.
func (d *Deliverer) claim(ctx context.Context, free int) (jobs []*enroll.WebhookJob, more bool) {
	n, err := d.store.DispatchEvents(ctx, dispatchBatch, dispatchRenderBudget)
	if err != nil {
		d.logError(ctx, "webhook dispatch failed", err)
		return nil, false
	}
	d.metrics.dispatched.Add(float64(n))
	if free == 0 {
		// Every sender is busy; one that finishes wakes the loop.
		return nil, n == dispatchBatch
	}
	jobs, err = d.store.ClaimWebhookDeliveries(ctx, d.cfg.Lease, free, d.cfg.EndpointConcurrency, d.cfg.WorkspaceConcurrency)
	if err != nil {
		d.logError(ctx, "webhook claim failed", err)
		return nil, false
	}
	return jobs, n == dispatchBatch
}

// logError logs a failure of the loop's work (poller.ErrorLog: a
// repeated one once a minute), unless the loop is stopping.
func (d *Deliverer) logError(ctx context.Context, msg string, err error) {
	if ctx.Err() == nil {
		d.errors.Error(msg, err)
	}
}

// deliver makes one attempt of a claimed delivery and hands it to record.
// The attempt is not cut short by Close: it is bounded by the timeout, and
// an interrupted one would only be sent again when its lease expires.
func (d *Deliverer) deliver(j *enroll.WebhookJob, release func()) {
	at := d.attempt(j)
	o := enroll.DecideOutcome(j.Delivery, at, d.cfg.Jitter)
	d.results <- enroll.DeliveryResult{Job: j, Outcome: o}
	// The sender is free once the attempt is handed over: claiming more
	// while it is recorded is safe, since a delivery stays leased (and its
	// stream's next one not due) until the record commits.
	release()
}

// record writes attempts as they finish, all that are waiting in one
// transaction: a commit (an fsync) per batch rather than per attempt is
// what lets delivery keep up beside the API's writes.
func (d *Deliverer) record() {
	for r := range d.results {
		batch := []enroll.DeliveryResult{r}
	more:
		for len(batch) < cap(d.results) {
			select {
			case r, ok := <-d.results:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		d.recordBatch(batch)
		for _, r := range batch {
			d.metrics.observe(r.Job, r.Outcome)
			if r.Outcome.DisableEndpoint {
				d.logger.Warn("webhook receiver answered 410 Gone: endpoint disabled, unless it changed since the attempt began", "endpoint", r.Job.Delivery.EndpointID)
			}
		}
		d.Wake()
	}
}

// recordBatch writes a batch of attempts, trying again after an error
// while the batch's first lease to end still holds (poller.RecordUntil).
// Trying again is safe even when the error hid a commit: a finish records
// only under the lease its attempt was made under, which the first commit
// ended. Past the lease the deliveries are claimed and sent again, and the
// attempts not recorded go unlisted.
func (d *Deliverer) recordBatch(done []enroll.DeliveryResult) {
	until := done[0].Job.LeaseUntil
	for _, r := range done[1:] {
		if r.Job.LeaseUntil.Before(until) {
			until = r.Job.LeaseUntil
		}
	}
	tries, err := poller.RecordUntil(until, finishTimeout,
		func(ctx context.Context) error { return d.store.FinishWebhookDeliveries(ctx, done) },
		func(tries int, wait time.Duration, err error) {
			d.logger.Warn("webhook attempts not recorded; trying again", "attempts", len(done), "tries", tries, "in", wait, "error", err)
		})
	if err != nil {
		d.logger.Error("webhook attempts not recorded", "attempts", len(done), "tries", tries, "error", err)
	}
}

// attempt POSTs the event once.
func (d *Deliverer) attempt(j *enroll.WebhookJob) enroll.DeliveryAttempt {
	start := time.Now()
	at := enroll.DeliveryAttempt{At: start.UTC()}
	defer func() { at.DurationMs = time.Since(start).Milliseconds() }()
	if j.SecretsError != "" {
		at.Error = j.SecretsError
		return at
	}
	sig, err := Sign(j.Secrets, j.Delivery.EventID, start, j.Body)
	if err != nil {
		at.Error = err.Error()
		return at
	}
	ctx, cancel := context.WithTimeout(context.Background(), d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.URL, bytes.NewReader(j.Body))
	if err != nil {
		at.Error = err.Error()
		return at
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set(HeaderID, j.Delivery.EventID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(start.Unix(), 10))
	req.Header.Set(HeaderSignature, sig)
	resp, err := d.client.Do(req)
	if err != nil {
		at.Error = attemptError(err)
		at.DurationMs = time.Since(start).Milliseconds()
		return at
	}
	defer resp.Body.Close()
	at.StatusCode = resp.StatusCode
	if !at.Succeeded() {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyBytes))
		at.Error = "HTTP " + strconv.Itoa(resp.StatusCode) + answerExcerpt(b)
	}
	_, _ = io.CopyN(io.Discard, resp.Body, drainBytes)
	at.DurationMs = time.Since(start).Milliseconds()
	return at
}

// attemptError describes a failed request without Go's wrapping noise,
// and a failed look-up without the service's resolver (the API shows it).
func attemptError(err error) string {
	if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "Client.Timeout") {
		return "timed out"
	}
	return enroll.AttemptErrorText(err)
}

// answerExcerpt returns the start of an answer's body for the attempt's
// error, as valid UTF-8 on one line.
func answerExcerpt(b []byte) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "")), " ")
	if s == "" {
		return ""
	}
	for len(s) > errorBodyBytes || !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return ": " + s
}
