package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// rootCommand builds the command tree. Every flag can also be set with an
// environment variable: ENROLL_ plus the flag name in upper snake case
// (--db → ENROLL_DB, --log-format → ENROLL_LOG_FORMAT). The root has no
// flags of its own: each command has those it uses, so that its help
// lists nothing that does nothing there (the database flags are not the
// import's, which talks to a server).
func (m *Main) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "enroll",
		Short:         "Enroll runs program enrollments: programs, instances, participants, eligibility and review.",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := applyEnv(cmd.Flags()); err != nil {
				return err
			}
			if cmd.Flags().Lookup("db") != nil {
				if err := checkDB(m.Config.DB); err != nil {
					return err
				}
			}
			return m.Config.checkLogging()
		},
	}
	root.AddCommand(m.serveCommand(), m.migrateCommand(), m.workspaceCommand(), m.keyCommand(), m.versionCommand(),
		m.importCommand(), m.exportCommand(), m.backupCommand())
	return root
}

// dbFlags gives cmd (and its subcommands) the --db flag, and with pool
// those tuning the PostgreSQL connections of a store it opens.
func (m *Main) dbFlags(cmd *cobra.Command, pool bool) {
	f := cmd.PersistentFlags()
	f.StringVar(&m.Config.DB, "db", m.Config.DB, "database: a SQLite file path, or a postgres:// URL")
	if pool {
		f.Int32Var(&m.Config.PGMaxConns, "pg-max-conns", m.Config.PGMaxConns, "PostgreSQL connection pool size (0: the driver's default)")
		f.DurationVar(&m.Config.PGStatementTimeout, "pg-statement-timeout", m.Config.PGStatementTimeout,
			"PostgreSQL statement timeout (0: 30s, or the URL's statement_timeout; negative: none)")
	}
}

// logFlags gives cmd the flags of the log it writes.
func (m *Main) logFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&m.Config.LogFormat, "log-format", m.Config.LogFormat, "log format: text or json")
	cmd.Flags().StringVar(&m.Config.LogLevel, "log-level", m.Config.LogLevel, "log level: debug, info, warn or error")
}

// applyEnv sets every flag not given on the command line from its
// ENROLL_* environment variable, if set.
func applyEnv(flags *pflag.FlagSet) error {
	var err error
	flags.VisitAll(func(f *pflag.Flag) {
		if f.Changed || err != nil {
			return
		}
		name := "ENROLL_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok {
			if serr := flags.Set(f.Name, v); serr != nil {
				err = fmt.Errorf("%s: %w", name, serr)
			}
		}
	})
	return err
}

// libpqKeywords are the keys of a PostgreSQL key=value connection string
// that name where and as whom to connect.
var libpqKeywords = map[string]bool{"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true,
	"password": true, "sslmode": true, "service": true}

// checkDB refuses a --db meant for PostgreSQL in a form the stores do not
// take: a key=value connection string ("host=db dbname=enroll"), or a
// URL whose scheme is not in lower case. Either would be read as a SQLite
// path, and the first would make and serve a new SQLite file of that
// name, each replica its own, while the operator believes them on
// PostgreSQL.
func checkDB(db string) error {
	if isPostgres(db) {
		return nil
	}
	if l := strings.ToLower(db); strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://") {
		return errors.New("--db: write the URL's scheme in lower case, postgres:// (or postgresql://)")
	}
	for _, f := range strings.Fields(db) {
		if k, _, ok := strings.Cut(f, "="); ok && libpqKeywords[strings.ToLower(k)] {
			return errors.New("--db holds a PostgreSQL key=value connection string: give a postgres:// URL, e.g. postgres://user@host:5432/dbname?sslmode=require (docs/postgres.md)")
		}
	}
	return nil
}
