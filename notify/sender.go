package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/poller"
)

// Defaults of a Sender's Config.
const (
	DefaultConcurrency  = 4
	DefaultPollInterval = 250 * time.Millisecond
	DefaultTimeout      = 30 * time.Second
	// finishTimeout bounds recording an attempt, which must outlive a
	// shutdown that interrupts the send.
	finishTimeout = 10 * time.Second
)

// NotConfigured is the reason of notifications skipped because no SMTP
// server is configured.
const NotConfigured = "No SMTP server is configured (--smtp-url); the message was not sent."

// NoPublicURL is the reason of non-essential notifications skipped
// because the server has no public URL to make their unsubscribe link of.
const NoPublicURL = "No public URL is configured (--public-url), so the message could not carry its unsubscribe link; it was not sent."

// NotificationsOff is the reason of notifications skipped because their
// program instance's notifications were turned off after they were queued.
const NotificationsOff = "Notifications were turned off for the program instance; the message was not sent."

// Config configures a Sender.
type Config struct {
	// Store keeps the notification queue.
	Store enroll.NotificationStore
	// SMTPURL is smtp://[user:pass@]host[:port] (STARTTLS when offered) or
	// smtps://... (implicit TLS). Empty: notifications are recorded as
	// skipped.
	SMTPURL string
	// From is the sender address, "Name <addr>" or a bare address.
	// Required with SMTPURL.
	From string
	// PublicURL is the server's base URL as recipients reach it, e.g.
	// "https://enroll.example.com": non-essential messages link to
	// PublicURL/unsubscribe. Empty: non-essential messages are skipped.
	PublicURL string
	// TLSConfig, when set, is used for STARTTLS and smtps (tests trust
	// their own certificate with it).
	TLSConfig *tls.Config
	// Logger receives failures; nil means slog.Default().
	Logger *slog.Logger
	// Timeout bounds one attempt; 0 means 30 s.
	Timeout time.Duration
	// Lease is how long a claimed notification stays claimed; 0 means
	// twice Timeout plus 5 s.
	Lease time.Duration
	// Concurrency is how many messages are sent at once; 0 means 4.
	Concurrency int
	// PollInterval is how often an idle Sender looks for work; 0 means
	// 250 ms.
	PollInterval time.Duration
	// Jitter returns a float in [0, 1) for retry backoff; nil means
	// math/rand.
	Jitter func() float64
}

// Sender sends queued notifications. Start it once; Close stops it after
// the sends under way finish.
type Sender struct {
	cfg    Config
	server *server // nil when no SMTP server is configured
	from   *mail.Address
	logger *slog.Logger
	// errors logs the loop's failures, a repeated one once a minute.
	errors  *poller.ErrorLog
	metrics *metrics

	loop *poller.Loop[*enroll.Notification]
}

// New returns a Sender; it sends nothing until Start. Returns an error for
// a malformed SMTP URL, sender address or public URL (Config.Check).
func New(cfg Config) (*Sender, error) {
	if cfg.Store == nil {
		return nil, errors.New("notify: no store")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 2*cfg.Timeout + 5*time.Second
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	sv, from, err := cfg.settings()
	if err != nil {
		return nil, err
	}
	s := &Sender{cfg: cfg, logger: cfg.Logger, errors: poller.NewErrorLog(cfg.Logger), server: sv, from: from,
		metrics: newMetrics()}
	s.loop = poller.New(poller.Config[*enroll.Notification]{Concurrency: cfg.Concurrency, PollInterval: cfg.PollInterval,
		Claim: s.claim, Work: func(n *enroll.Notification, _ func()) { s.send(n) }, Logger: cfg.Logger})
	return s, nil
}

// Check refuses the settings New would refuse (SMTPURL, From, PublicURL),
// without a store: a server checks them before it opens its database,
// which opening creates or migrates.
func (cfg Config) Check() error {
	_, _, err := cfg.settings()
	return err
}

// settings checks the public URL and returns the SMTP server and sender
// address, nil without an SMTP URL.
func (cfg Config) settings() (*server, *mail.Address, error) {
	if err := CheckPublicURL(cfg.PublicURL); err != nil {
		return nil, nil, err
	}
	if cfg.SMTPURL == "" {
		return nil, nil, nil
	}
	sv, err := parseSMTPURL(cfg.SMTPURL)
	if err != nil {
		return nil, nil, err
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil || !enroll.ValidEmailAddress(from.Address) {
		return nil, nil, fmt.Errorf("notify: --smtp-from %q must be an email address", cfg.From)
	}
	return sv, from, nil
}

// Configured reports whether the Sender has an SMTP server to send to.
func (s *Sender) Configured() bool { return s.server != nil }

// Collectors returns the Sender's metrics, for the registry of the HTTP
// server's /metrics.
func (s *Sender) Collectors() []prometheus.Collector { return s.metrics.collectors() }

// Start runs the sending loop in the background until Close.
func (s *Sender) Start() { s.loop.Start() }

// Wake makes the loop look for work now rather than at its next poll.
func (s *Sender) Wake() { s.loop.Wake() }

// Close stops claiming notifications and waits for the sends under way.
// Notifications not yet sent stay queued for the next start.
func (s *Sender) Close() error {
	s.loop.Stop()
	return nil
}

// claim claims what is due for the free senders.
func (s *Sender) claim(ctx context.Context, free int) ([]*enroll.Notification, bool) {
	if free == 0 {
		return nil, false // a sender that finishes wakes the loop
	}
	jobs, err := s.cfg.Store.ClaimNotifications(ctx, s.cfg.Lease, free)
	if err != nil {
		if ctx.Err() == nil {
			s.errors.Error("notification claim failed", err)
		}
		return nil, false
	}
	return jobs, false
}

// send makes one attempt at a claimed notification and records it. Like a
// webhook attempt it is not cut short by Close, only by the timeout.
func (s *Sender) send(n *enroll.Notification) {
	start := time.Now()
	var o enroll.NotificationOutcome
	switch {
	case s.server == nil:
		o = enroll.SkipNotification(start.UTC(), NotConfigured)
	case n.UnsubscribeToken != "" && s.cfg.PublicURL == "":
		o = enroll.SkipNotification(start.UTC(), NoPublicURL)
	default:
		at := enroll.NotificationAttempt{At: start.UTC()}
		off, err := s.turnedOff(n)
		if off {
			o = enroll.SkipNotification(start.UTC(), NotificationsOff)
			break
		}
		gone := false
		if err == nil {
			gone, err = s.unsubscribed(n)
		}
		if gone {
			o = enroll.SkipNotification(start.UTC(), enroll.UnsubscribedReason)
			break
		}
		if err == nil {
			err = s.deliver(n, start)
		}
		at.DurationMs = time.Since(start).Milliseconds()
		var se *sendError
		if errors.As(err, &se) {
			at.Error, at.Permanent = se.msg, se.permanent
		} else if err != nil {
			at.Error = err.Error()
		}
		o = enroll.DecideNotificationOutcome(n, at, s.cfg.Jitter)
	}
	s.record(n, o)
	s.metrics.observe(o)
	if o.Status == enroll.NotificationFailed {
		s.logger.Warn("notification failed", "notification", n.ID, "reason", o.Reason)
	}
}

// record writes an attempt, trying again after an error while n's lease
// holds (poller.RecordUntil). Trying again is safe even when the error hid
// a commit: a finish records only under the lease the attempt was made
// under, which the first commit ended (the ECONFLICT that answers it means
// the record is there). Past the lease the notification is claimed and
// sent again.
func (s *Sender) record(n *enroll.Notification, o enroll.NotificationOutcome) {
	calls, lost := 0, false
	tries, err := poller.RecordUntil(n.LeaseUntil, finishTimeout,
		func(ctx context.Context) error {
			calls++
			_, err := s.cfg.Store.FinishNotification(ctx, n, o)
			switch enroll.ErrorCode(err) {
			case enroll.ENOTFOUND: // deleted meanwhile
				return nil
			case enroll.ECONFLICT: // at a first try the lease was lost; after a failed one, the record is there
				lost = calls == 1
				return nil
			}
			return err
		},
		func(tries int, wait time.Duration, err error) {
			s.logger.Warn("notification attempt not recorded; trying again", "notification", n.ID, "tries", tries, "in", wait, "error", err)
		})
	if err != nil {
		s.logger.Error("notification attempt not recorded", "notification", n.ID, "tries", tries, "error", err)
	}
	if lost {
		s.logger.Warn("notification attempt not recorded: its lease expired and it was claimed again", "notification", n.ID)
	}
}

// turnedOff reports whether n's program instance had its notifications
// turned off after n was queued: an attempt made later, a retry above
// all, must not go out. An instance deleted meanwhile does not stop it.
// An error means the attempt fails and is retried.
func (s *Sender) turnedOff(n *enroll.Notification) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), finishTimeout)
	defer cancel()
	settings, err := s.cfg.Store.FindNotificationSettings(ctx, n.WorkspaceID, n.ProgramInstanceID)
	switch {
	case enroll.ErrorCode(err) == enroll.ENOTFOUND:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("checking whether the instance's notifications are on: %w", err)
	}
	return !settings.Enabled, nil
}

// unsubscribed reports whether the recipient of n, a non-essential
// notification, unsubscribed after it was queued: an attempt made later,
// a retry above all, must not reach them. An error means the attempt
// fails and is retried.
func (s *Sender) unsubscribed(n *enroll.Notification) (bool, error) {
	if n.UnsubscribeToken == "" {
		return false, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), finishTimeout)
	defer cancel()
	u, err := s.cfg.Store.FindUnsubscription(ctx, n.UnsubscribeToken)
	switch {
	case enroll.ErrorCode(err) == enroll.ENOTFOUND:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("checking whether the recipient unsubscribed: %w", err)
	}
	return u.UnsubscribedAt != nil, nil
}

func (s *Sender) deliver(n *enroll.Notification, at time.Time) error {
	unsubscribe := ""
	if n.UnsubscribeToken != "" {
		unsubscribe = enroll.UnsubscribeURL(s.cfg.PublicURL, n.UnsubscribeToken)
	}
	msg, err := buildMessage(n, s.from, at, unsubscribe)
	if err != nil {
		return err
	}
	return s.server.send(context.Background(), s.cfg.Timeout, s.cfg.TLSConfig, s.from.Address, n.Recipient, msg)
}
