// Command enroll runs the Enroll service and its administration commands:
// serve runs the API and console; migrate applies schema migrations;
// workspace and key create workspaces and API keys in the database; import
// and export move enrollments in and out of a running server as files;
// version prints the build.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/console"
	enrollhttp "github.com/enrollhq/enroll/http"
	"github.com/enrollhq/enroll/notify"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
	"github.com/enrollhq/enroll/webhook"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal ends ctx: serve shuts down gracefully, an import
	// says what it leaves behind. Then the signals' default is restored,
	// so that a second Ctrl-C ends a process whose shutdown waits.
	go func() {
		<-ctx.Done()
		stop()
	}()
	m := NewMain()
	if err := m.Run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(m.Stderr, "enroll:", errorText(err))
		os.Exit(1)
	}
}

// errorText is err's message without the "enroll: " the client package
// starts its errors with, which the CLI's own prefix and wrapping would
// repeat ("enroll: upload: enroll: 401 ...").
func errorText(err error) string {
	return strings.ReplaceAll(strings.TrimPrefix(err.Error(), "enroll: "), ": enroll: ", ": ")
}

// Config is what the commands are configured with; every field has a flag
// and an ENROLL_* environment variable.
type Config struct {
	// DB is a SQLite file path, or a postgres:// URL.
	DB string
	// Addr is the HTTP listen address.
	Addr string
	// LogFormat is "text" or "json".
	LogFormat string
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// PGMaxConns is the PostgreSQL pool size; 0 means pgxpool's default.
	PGMaxConns int32
	// PGStatementTimeout bounds each PostgreSQL statement; 0 means 30s.
	PGStatementTimeout time.Duration
	// PGImportWriters is how many import transactions serve runs at once
	// on PostgreSQL; 0 means postgres.DefaultImportWriters.
	PGImportWriters int
	// RateLimit is the sustained requests per second per API key; 0 disables.
	RateLimit float64
	// RateBurst is how many requests a key may make at once; 0 means twice RateLimit.
	RateBurst int
	// DataDir holds uploaded import files while they are imported; ""
	// means a directory in the system's temporary directory.
	DataDir string
	// WebhookAllowPrivate lets webhooks reach loopback and private
	// addresses, for local testing; off, they are refused.
	WebhookAllowPrivate bool
	// WebhookTimeout bounds one webhook attempt; 0 means 10s.
	WebhookTimeout time.Duration
	// WebhookWorkspaceConcurrency is how many webhook attempts to one
	// workspace may be under way at once, across replicas; 0 means 192.
	WebhookWorkspaceConcurrency int
	// SMTPURL is the SMTP server notifications are sent through,
	// smtp://user:pass@host:port; "" records them as skipped.
	SMTPURL string
	// SMTPFrom is the notifications' sender address.
	SMTPFrom string
	// PublicURL is the server's base URL as recipients reach it; non-essential
	// notifications link to PublicURL/unsubscribe, and are skipped without it.
	PublicURL string
	// SecretsKeys are base64 32-byte keys that seal webhook signing secrets
	// at rest: the first seals, every one opens. None keeps them plain.
	SecretsKeys []string
	// SecretsKeyFile is a file holding such keys, one per line, instead.
	SecretsKeyFile string
	// SecretsKeysLost are the ids of keys that sealed secrets and are
	// lost: serve starts over those secrets, whose endpoints then need a
	// new one, rather than refuse.
	SecretsKeysLost []string
	// EventRetention is how long events, finished webhook deliveries and
	// finished notifications are kept; 0 keeps them forever.
	EventRetention time.Duration
}

// Main is the program: the CLI, and the running service that the
// end-to-end tests start and stop in-process.
type Main struct {
	Config Config
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer

	// Store, HTTPServer, Webhooks and Notifications are set by Open.
	Store         enroll.Store
	HTTPServer    *enrollhttp.Server
	Webhooks      *webhook.Deliverer
	Notifications *notify.Sender
	logger        *slog.Logger
	// engine is shared by the store and the API so they share compiled rules.
	engine enroll.RuleEngine
	// sealer seals webhook signing secrets at rest (--secrets-key); nil
	// without a key.
	sealer enroll.SecretSealer
	// lostKeys are the prefixes of the values sealed under the keys of
	// --secrets-key-lost.
	lostKeys []string
}

// NewMain returns a Main with the defaults of SPEC §9.
func NewMain() *Main {
	return &Main{
		Config: Config{DB: "enroll.db", Addr: "127.0.0.1:8080", LogFormat: "text", LogLevel: "info",
			RateLimit: 100, RateBurst: 200},
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
	}
}

// Run parses args and runs the command they name. serve runs until ctx is
// done, then shuts down gracefully.
func (m *Main) Run(ctx context.Context, args []string) error {
	cmd := m.rootCommand()
	cmd.SetArgs(args)
	cmd.SetIn(m.Stdin)
	cmd.SetOut(m.Stdout)
	cmd.SetErr(m.Stderr)
	return cmd.ExecuteContext(ctx)
}

// openStore opens the store m.Config.DB names, applying pending migrations.
func (m *Main) openStore(ctx context.Context) (enroll.Store, error) {
	return m.openStoreAs(ctx, false)
}

// openStoreAs is openStore; server marks serve's store, which on SQLite
// refuses a second server of the same file (sqlite.Config.Server).
func (m *Main) openStoreAs(ctx context.Context, server bool) (enroll.Store, error) {
	if m.engine == nil {
		m.engine = rules.New()
	}
	if isPostgres(m.Config.DB) {
		return postgres.Open(ctx, postgres.Config{URL: m.Config.DB, Engine: m.engine,
			MaxConns: m.Config.PGMaxConns, StatementTimeout: m.Config.PGStatementTimeout, Sealer: m.sealer,
			ImportWriters: m.Config.PGImportWriters})
	}
	return sqlite.Open(ctx, sqlite.Config{Path: m.Config.DB, Engine: m.engine, Sealer: m.sealer, Server: server})
}

// serveStore opens the store for serve: as openStore, with the Go runtime
// given the spare processors SQLite's writer needs (sqlite.RaiseProcs).
func (m *Main) serveStore(ctx context.Context) (enroll.Store, error) {
	if !isPostgres(m.Config.DB) {
		sqlite.RaiseProcs()
	}
	return m.openStoreAs(ctx, true)
}

func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// redactedDB is --db as logs show it: a PostgreSQL URL without its
// password (in the user part or a password parameter) nor the passphrase
// of its client's TLS key (sslpassword), since logs go where secrets must
// not (docs/security.md).
func redactedDB(db string) string {
	if !isPostgres(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "postgres://(not shown: not a URL)"
	}
	q := u.Query()
	for _, secret := range []string{"password", "sslpassword"} {
		if q.Has(secret) {
			q.Set(secret, "xxxxx")
			u.RawQuery = q.Encode()
		}
	}
	return u.Redacted()
}

// Open opens the store and starts the HTTP server on m.Config.Addr, then
// creates the default workspace when the database has none. It returns
// once the server listens.
func (m *Main) Open(ctx context.Context) error {
	if err := m.Config.checkServe(); err != nil {
		return err
	}
	sealer, err := m.Config.secretSealer()
	if err != nil {
		return err
	}
	m.sealer = sealer
	if m.lostKeys, err = m.Config.lostSecretsKeys(sealer); err != nil {
		return err
	}
	m.logger = m.newLogger()
	store, err := m.serveStore(ctx)
	if err != nil {
		return err
	}
	m.Store = store
	hooks, ok := store.(enroll.WebhookStore)
	if !ok {
		m.Close()
		return fmt.Errorf("the %T store keeps no webhooks", store)
	}
	if err := m.sealSecrets(ctx, hooks); err != nil {
		m.Close()
		return err
	}
	notes, ok := store.(enroll.NotificationStore)
	if !ok {
		m.Close()
		return fmt.Errorf("the %T store keeps no notifications", store)
	}
	// Status changes queue their notifications when the webhook deliverer
	// dispatches events; the sender sends them, or records them as skipped
	// without an SMTP server.
	if m.Notifications, err = notify.New(notify.Config{Store: notes, SMTPURL: m.Config.SMTPURL, From: m.Config.SMTPFrom,
		PublicURL: m.Config.PublicURL, Logger: m.logger}); err != nil {
		m.Close()
		return err
	}
	if !m.Notifications.Configured() {
		m.logger.Info("no --smtp-url: notifications are recorded as skipped, not sent")
	}
	m.Webhooks = webhook.New(webhook.Config{Store: hooks, Logger: m.logger, AllowPrivate: m.Config.WebhookAllowPrivate,
		Timeout: m.Config.WebhookTimeout, WorkspaceConcurrency: m.Config.WebhookWorkspaceConcurrency})
	cons := console.New(store).WithRuleEngine(m.engine).WithLogger(m.logger).WithSealer(m.sealer).WithWakeWebhooks(m.Webhooks.Wake).WithPublicURL(m.Config.PublicURL)
	m.HTTPServer = enrollhttp.NewServer(enrollhttp.Config{Addr: m.Config.Addr, Store: store, Logger: m.logger, Version: version, Engine: m.engine,
		RateLimit: m.Config.RateLimit, RateBurst: m.Config.RateBurst, DataDir: m.Config.DataDir,
		Console: cons, WakeWebhooks: m.Webhooks.Wake, Collectors: append(m.Webhooks.Collectors(), m.Notifications.Collectors()...), PublicURL: m.Config.PublicURL,
		EventRetention: m.Config.EventRetention})
	// The console's requests spend their key's rate limit, with its API
	// requests, and name it in the access log, as the API's do; the
	// server, which keeps both, exists only now.
	cons.WithKeyAdmission(m.HTTPServer.AdmitKey)
	// Its uploads wait in the server's data directory, and run, are counted
	// and stop at shutdown with the API's.
	cons.WithImportRunner(m.HTTPServer.StartImport, m.HTTPServer.ImportDir())
	// A console deletion that leaves deliveries wakes the server's sweep
	// of them, as the API's does.
	cons.WithSweepOrphanedDeliveries(m.HTTPServer.SweepOrphanedDeliveries)
	if err := m.HTTPServer.Open(); err != nil {
		m.Close()
		return err
	}
	// Only now, listening, with every setting accepted: the key is printed
	// once, and a start that failed (its port taken) would have used the
	// print up. Until it is made, requests have no key to send (401).
	if err := m.bootstrap(ctx); err != nil {
		m.Close()
		return err
	}
	// Deliveries resume where the last run (or another replica) left them.
	m.Webhooks.Start()
	m.Notifications.Start()
	m.logger.Info("enroll listening", "url", m.HTTPServer.URL(), "db", redactedDB(m.Config.DB), "version", version)
	return nil
}

// Close stops the HTTP server, letting requests in flight finish, and at
// the same time the webhook deliverer and the notification sender, which
// start no new attempt and let those under way finish, then closes the
// store. Stopped one after the other, the senders went on starting
// attempts while requests drained, and a shutdown could take the HTTP
// server's drain and a webhook's timeout added up.
func (m *Main) Close() error {
	var closers []func() error
	if m.HTTPServer != nil {
		closers = append(closers, m.HTTPServer.Close)
	}
	if m.Webhooks != nil {
		closers = append(closers, m.Webhooks.Close)
	}
	if m.Notifications != nil {
		closers = append(closers, m.Notifications.Close)
	}
	errs := make([]error, len(closers)+1)
	var wg sync.WaitGroup
	for i, c := range closers {
		wg.Go(func() { errs[i] = c() })
	}
	wg.Wait()
	if m.Store != nil {
		errs[len(closers)] = m.Store.Close()
	}
	return errors.Join(errs...)
}

// bootstrap creates workspace "default" on an empty database and prints its
// secret key once. Two replicas starting at once race on the unique name;
// the loser finds the workspace made and prints nothing.
func (m *Main) bootstrap(ctx context.Context) error {
	n, err := m.Store.CountWorkspaces(ctx)
	if err != nil || n > 0 {
		return err
	}
	ws, key, secret, err := createWorkspace(ctx, m.Store, "default")
	if enroll.ErrorCode(err) == enroll.ECONFLICT {
		return nil
	} else if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "Created workspace %q (%s).\nSecret API key, shown only now: %s\n(key id %s; send it as \"Authorization: Bearer <key>\")\n",
		ws.Name, ws.ID, secret, key.ID)
	return nil
}

// checkLogging refuses a log level or format the logger would not know:
// a typo would otherwise log at info, or as text, without a word.
func (c *Config) checkLogging() error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return fmt.Errorf("--log-level %q: use debug, info, warn or error", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("--log-format %q: use text or json", c.LogFormat)
	}
	return nil
}

func (m *Main) newLogger() *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(m.Config.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if m.Config.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(m.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(m.Stderr, opts))
}
