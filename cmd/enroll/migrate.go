package main

import (
	"fmt"

	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/sqlite"
	"github.com/spf13/cobra"
)

func (m *Main) migrateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending schema migrations and print their state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if isPostgres(m.Config.DB) {
				st, err := postgres.Migrate(cmd.Context(), m.Config.DB)
				if err != nil {
					return err
				}
				for _, s := range st {
					m.printMigration(s.Version, s.Applied, s.Name)
				}
				return nil
			}
			st, err := sqlite.Migrate(cmd.Context(), m.Config.DB)
			if err != nil {
				return err
			}
			for _, s := range st {
				m.printMigration(s.Version, s.Applied, s.Name)
			}
			return nil
		},
	}
	m.dbFlags(cmd, false)
	return cmd
}

func (m *Main) printMigration(version int64, applied bool, name string) {
	state := "pending"
	if applied {
		state = "applied"
	}
	fmt.Fprintf(m.Stdout, "%05d  %-8s %s\n", version, state, name)
}
