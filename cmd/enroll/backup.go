package main

import (
	"errors"
	"fmt"

	"github.com/enrollhq/enroll/sqlite"
	"github.com/spf13/cobra"
)

func (m *Main) backupCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "backup FILE",
		Short: "Copy the SQLite database to a new file, while servers run",
		Long: "Write a consistent copy of the SQLite database --db to FILE, which must not exist, while enroll serve goes on\n" +
			"reading and writing it: the copy holds every change committed before the backup began. The database is\n" +
			"neither created nor migrated. Start a server on the copy with --db FILE (and the same --secrets-key, if any).\n" +
			"On PostgreSQL use pg_dump instead (docs/postgres.md).",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if isPostgres(m.Config.DB) {
				return errors.New("enroll backup copies a SQLite database; back up PostgreSQL with pg_dump (docs/postgres.md)")
			}
			if args[0] == "" {
				// "$OUT" with OUT unset.
				return errors.New("FILE is empty: give the new file to copy the database to")
			}
			if args[0] == stdoutName {
				// - is standard output to import and export; a copy of the
				// database is a file SQLite writes, not a stream.
				return errors.New("FILE - would be a file named -: a backup cannot be written to standard output; give a new file (./- for one named -)")
			}
			if err := m.requireSQLiteFile(); err != nil {
				return err
			}
			if err := sqlite.Backup(cmd.Context(), m.Config.DB, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "Copied %s to %s.\n", m.Config.DB, args[0])
			return nil
		},
	}
	m.dbFlags(cmd, false)
	return cmd
}
