package main

import (
	"fmt"

	"github.com/enrollhq/enroll/sqlite"
	"github.com/spf13/cobra"
)

func (m *Main) migrateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending schema migrations and print their state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if isPostgres(m.Config.DB) {
				_, err := m.openStore(cmd.Context())
				return err
			}
			st, err := sqlite.Migrate(cmd.Context(), m.Config.DB)
			if err != nil {
				return err
			}
			for _, s := range st {
				state := "pending"
				if s.Applied {
					state = "applied"
				}
				fmt.Fprintf(m.Stdout, "%05d  %-8s %s\n", s.Version, state, s.Name)
			}
			return nil
		},
	}
}
