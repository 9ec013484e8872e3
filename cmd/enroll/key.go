package main

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/spf13/cobra"
)

func asError(err error, target **enroll.Error) bool { return errors.As(err, target) }

func (m *Main) keyCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "key", Short: "Create, list and revoke API keys", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() }}
	var (
		workspace, name string
		scopes, insts   []string
		asJSON          bool
	)
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API key; without --scopes a secret key with full access",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return m.withStore(cmd.Context(), func(s enroll.Store) error {
				ws, err := findWorkspace(cmd.Context(), s, workspace)
				if err != nil {
					return err
				}
				sc := make([]enroll.Scope, 0, len(scopes))
				for _, x := range scopes {
					if x = strings.TrimSpace(x); x != "" {
						sc = append(sc, enroll.Scope(x))
					}
				}
				if len(sc) == 0 && cmd.Flags().Changed("scopes") {
					// An empty list would make a secret key with every scope.
					return errors.New("--scopes names no scope; leave it out to create a secret key")
				}
				ids := make([]string, 0, len(insts))
				for _, id := range insts {
					if id = strings.TrimSpace(id); id == "" {
						continue
					}
					if _, err := s.FindInstance(cmd.Context(), ws.ID, id); err != nil {
						if enroll.ErrorCode(err) == enroll.ENOTFOUND {
							return fmt.Errorf("--instances: %q is not a program instance of workspace %q", id, ws.Name)
						}
						return err
					}
					ids = append(ids, id)
				}
				if len(ids) == 0 && cmd.Flags().Changed("instances") {
					// An empty list would make a key that reaches every
					// instance: --instances "$INSTANCE" with the variable unset.
					return errors.New("--instances names no program instance; leave it out for a key that reaches every instance")
				}
				key, secret := enroll.NewAPIKey(ws.ID, name, sc, ids, time.Now())
				if err := s.CreateAPIKey(cmd.Context(), enroll.Actor{WorkspaceID: ws.ID}, key); err != nil {
					return describe(err)
				}
				if asJSON {
					return printJSON(m.Stdout, keyOutput{key, secret})
				}
				fmt.Fprintf(m.Stdout, "Created %s key %s in workspace %q.\nSecret, shown only now: %s\n", key.Kind, key.ID, ws.Name, secret)
				return nil
			})
		},
	}
	create.Flags().StringVar(&workspace, "workspace", "", "workspace id or name (required)")
	create.Flags().StringVar(&name, "name", "", "a name to recognise the key by")
	create.Flags().StringSliceVar(&scopes, "scopes", nil, "comma-separated scopes, e.g. enrollments:read,enrollments:write")
	create.Flags().StringSliceVar(&insts, "instances", nil, "comma-separated program instance ids the key is limited to (left out: every instance)")
	create.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	_ = create.MarkFlagRequired("workspace")

	list := &cobra.Command{
		Use:   "list",
		Short: "List a workspace's keys (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return m.withStore(cmd.Context(), func(s enroll.Store) error {
				ws, err := findWorkspace(cmd.Context(), s, workspace)
				if err != nil {
					return err
				}
				keys, err := s.ListAPIKeys(cmd.Context(), ws.ID)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(m.Stdout, keys)
				}
				tw := tabwriter.NewWriter(m.Stdout, 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tKIND\tSCOPES\tINSTANCES\tLAST USED\tREVOKED")
				for _, k := range keys {
					scopes := make([]string, len(k.Scopes))
					for i, s := range k.Scopes {
						scopes[i] = string(s)
					}
					insts, used := "all", "never"
					if len(k.ProgramInstanceIDs) > 0 {
						insts = strings.Join(k.ProgramInstanceIDs, ",")
					}
					if k.LastUsedAt != nil {
						used = k.LastUsedAt.UTC().Format(time.RFC3339)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%v\n", k.ID, shown(k.Name), k.Prefix, k.Kind, strings.Join(scopes, ","), insts, used, k.RevokedAt != nil)
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().StringVar(&workspace, "workspace", "", "workspace id or name (required)")
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	_ = list.MarkFlagRequired("workspace")

	revoke := &cobra.Command{
		Use:   "revoke KEY_ID",
		Short: "Revoke a key at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return m.withStore(cmd.Context(), func(s enroll.Store) error {
				ws, err := findWorkspace(cmd.Context(), s, workspace)
				if err != nil {
					return err
				}
				if err := s.RevokeAPIKey(cmd.Context(), enroll.Actor{WorkspaceID: ws.ID}, args[0]); err != nil {
					return describe(err)
				}
				fmt.Fprintf(m.Stdout, "Revoked key %s.\n", args[0])
				return nil
			})
		},
	}
	revoke.Flags().StringVar(&workspace, "workspace", "", "workspace id or name (required)")
	_ = revoke.MarkFlagRequired("workspace")
	cmd.AddCommand(create, list, revoke)
	m.dbFlags(cmd, true)
	return cmd
}
