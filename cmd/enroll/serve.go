package main

import (
	"fmt"
	"math"
	"net"

	"github.com/spf13/cobra"

	enrollhttp "github.com/enrollhq/enroll/http"
	"github.com/enrollhq/enroll/notify"
)

func (m *Main) serveCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP API and console",
		Long: "Run the HTTP API on --addr with the database --db, applying pending migrations first.\n" +
			"On an empty database it creates workspace \"default\" and prints its secret key once.\n" +
			"SIGINT or SIGTERM shuts down gracefully; a second one ends the process at once.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := m.Open(cmd.Context()); err != nil {
				return err
			}
			<-cmd.Context().Done()
			m.logger.Info("shutting down")
			return m.Close()
		},
	}
	m.dbFlags(cmd, true)
	m.logFlags(cmd)
	cmd.Flags().StringVar(&m.Config.Addr, "addr", m.Config.Addr, "HTTP listen address")
	cmd.Flags().IntVar(&m.Config.PGImportWriters, "pg-import-writers", m.Config.PGImportWriters,
		"import transactions a replica on PostgreSQL runs at once, each holding up to 1,000 advisory locks in the server's shared lock table (0: 4; docs/postgres.md)")
	cmd.Flags().Float64Var(&m.Config.RateLimit, "rate-limit", m.Config.RateLimit,
		"requests per second each API key may make, sustained; 0 disables (replicas on PostgreSQL share it)")
	cmd.Flags().IntVar(&m.Config.RateBurst, "rate-burst", m.Config.RateBurst, "requests an API key may make at once above the rate; 0 means twice --rate-limit")
	cmd.Flags().StringVar(&m.Config.DataDir, "data-dir", m.Config.DataDir, "where uploaded import files wait while they are imported (default: the system's temporary directory)")
	cmd.Flags().BoolVar(&m.Config.WebhookAllowPrivate, "webhook-allow-private", m.Config.WebhookAllowPrivate,
		"let webhooks reach loopback and private addresses (local testing); by default they are refused")
	cmd.Flags().DurationVar(&m.Config.WebhookTimeout, "webhook-timeout", m.Config.WebhookTimeout, "time limit of one webhook attempt (0: 10s)")
	cmd.Flags().IntVar(&m.Config.WebhookWorkspaceConcurrency, "webhook-workspace-concurrency", m.Config.WebhookWorkspaceConcurrency,
		"webhook attempts to one workspace's endpoints under way at once, counted across replicas, so that one workspace's backlog leaves other workspaces senders (0: 192, three quarters of a process's 256)")
	cmd.Flags().StringVar(&m.Config.SMTPURL, "smtp-url", m.Config.SMTPURL,
		"SMTP server for notifications: smtp://user:pass@host:port (STARTTLS when offered) or smtps://...; unset, notifications are recorded as skipped")
	cmd.Flags().StringVar(&m.Config.SMTPFrom, "smtp-from", m.Config.SMTPFrom, "sender address of notifications, e.g. \"Enroll <noreply@example.com>\" (required with --smtp-url)")
	cmd.Flags().StringVar(&m.Config.PublicURL, "public-url", m.Config.PublicURL,
		"the server's base URL as people reach it, e.g. https://enroll.example.com: non-essential notifications link to its /unsubscribe (unset, they are skipped); the console accepts forms from its origin whatever Host a proxy passes on, and an https:// URL makes the console's cookies Secure; /openapi.json names it as its server (unset, the listen address)")
	cmd.Flags().Var(secretsKeysValue{&m.Config.SecretsKeys}, "secrets-key",
		"keys that seal webhook signing secrets at rest (AES-256-GCM): base64 of 32 bytes each (openssl rand -base64 32), comma-separated; the first seals, every one opens, so that a new key can go first with the old one after it until everything is sealed again under it; unset, secrets are stored as they are (docs/security.md)")
	cmd.Flags().StringVar(&m.Config.SecretsKeyFile, "secrets-key-file", m.Config.SecretsKeyFile,
		"a file holding the --secrets-key keys instead, one per line, the sealing one first (lines starting with # are skipped)")
	cmd.Flags().StringSliceVar(&m.Config.SecretsKeysLost, "secrets-key-lost", m.Config.SecretsKeysLost,
		"ids of keys that sealed webhook signing secrets and are lost, as a refused start names them (8 hex digits), comma-separated: serve starts over those secrets instead of refusing, and their endpoints send nothing, their secretError saying why, until their secret is rotated (docs/security.md)")
	cmd.Flags().DurationVar(&m.Config.EventRetention, "event-retention", m.Config.EventRetention,
		"how long events, finished webhook deliveries (with their attempts) and finished notifications are kept, e.g. 720h for 30 days; older ones are deleted in the background, but never a pending delivery or notification, nor an event one needs (0: kept forever)")
	return cmd
}

// checkServe refuses settings serve cannot run with, before anything is
// opened, since opening the database creates or migrates it: a listen
// address that is no host:port, a negative rate (which the limiter would
// take as no limit), a negative bound per workspace or time limit (which
// the deliverer would take as the default), of import writers or of
// pool connections, a negative event retention, a bad SMTP server, sender or
// public URL, an import data directory that cannot be written (where every
// upload would fail with a 500), a malformed --secrets-key or
// --secrets-key-lost. An address
// that is well formed but cannot be listened on (its port taken) is found
// only when serve listens.
func (c *Config) checkServe() error {
	if err := checkListenAddr(c.Addr); err != nil {
		return err
	}
	if math.IsNaN(c.RateLimit) || math.IsInf(c.RateLimit, 0) || c.RateLimit < 0 {
		return fmt.Errorf("--rate-limit %v: give requests per second, or 0 for no limit", c.RateLimit)
	}
	if c.RateBurst < 0 {
		return fmt.Errorf("--rate-burst %d: give a number of requests, or 0 for twice --rate-limit", c.RateBurst)
	}
	if c.WebhookWorkspaceConcurrency < 0 {
		return fmt.Errorf("--webhook-workspace-concurrency %d: give a number of attempts, or 0 for the default (192)", c.WebhookWorkspaceConcurrency)
	}
	if c.PGMaxConns < 0 {
		return fmt.Errorf("--pg-max-conns %d: give a number of connections, or 0 for the driver's default", c.PGMaxConns)
	}
	if c.PGImportWriters < 0 {
		return fmt.Errorf("--pg-import-writers %d: give a number of transactions, or 0 for the default (4)", c.PGImportWriters)
	}
	if !isPostgres(c.DB) {
		// Taken and ignored, they would hide a --db meant to be a
		// postgres:// URL behind a new SQLite file.
		for _, pg := range []struct {
			set  bool
			flag string
		}{{c.PGMaxConns != 0, "--pg-max-conns"}, {c.PGStatementTimeout != 0, "--pg-statement-timeout"}, {c.PGImportWriters != 0, "--pg-import-writers"}} {
			if pg.set {
				return fmt.Errorf("%s applies to a PostgreSQL database (--db postgres://...), and --db %q is a SQLite file", pg.flag, c.DB)
			}
		}
	}
	if c.WebhookTimeout < 0 {
		return fmt.Errorf("--webhook-timeout %v: give a time limit, or 0 for the default (10s)", c.WebhookTimeout)
	}
	if c.EventRetention < 0 {
		return fmt.Errorf("--event-retention %v: give how long events are kept, e.g. 720h, or 0 to keep them forever", c.EventRetention)
	}
	if err := (notify.Config{SMTPURL: c.SMTPURL, From: c.SMTPFrom, PublicURL: c.PublicURL}).Check(); err != nil {
		return err
	}
	if err := enrollhttp.CheckDataDir(c.DataDir); err != nil {
		return fmt.Errorf("--data-dir: %w", err)
	}
	s, err := c.secretSealer()
	if err != nil {
		return err
	}
	if _, err := c.lostSecretsKeys(s); err != nil {
		return err
	}
	return nil
}

// checkListenAddr refuses an --addr net.Listen could never take: one that
// is not host:port, or whose port is neither a number up to 65535 nor a
// service's name.
func checkListenAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		_, err = net.LookupPort("tcp", port)
	}
	if err != nil {
		return fmt.Errorf("--addr %q: give host:port, e.g. 127.0.0.1:8080, or :8080 for every interface (%w)", addr, err)
	}
	return nil
}
