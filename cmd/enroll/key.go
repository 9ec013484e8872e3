package main

import (
	"errors"
	"fmt"
	"slices"
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
		workspace, name, createdBy string
		scopes, insts              []string
		asJSON, cascade            bool
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
				if createdBy != "" {
					keys = slices.DeleteFunc(keys, func(k *enroll.APIKey) bool { return k.MadeBy() != createdBy })
				}
				if asJSON {
					return printJSON(m.Stdout, keys)
				}
				tw := tabwriter.NewWriter(m.Stdout, 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tKIND\tSCOPES\tINSTANCES\tLAST USED\tREVOKED\tCREATED BY")
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
					maker := k.MadeBy()
					if maker == "" {
						maker = "-"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%v\t%s\n", k.ID, shown(k.Name), k.Prefix, k.Kind, strings.Join(scopes, ","), insts, used,
						k.RevokedAt != nil, maker)
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().StringVar(&workspace, "workspace", "", "workspace id or name (required)")
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	list.Flags().StringVar(&createdBy, "created-by", "", "list only the keys this key made")
	_ = list.MarkFlagRequired("workspace")

	revoke := &cobra.Command{
		Use:   "revoke KEY_ID",
		Short: "Revoke a key at once; with --cascade also the keys it made",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return m.withStore(cmd.Context(), func(s enroll.Store) error {
				ws, err := findWorkspace(cmd.Context(), s, workspace)
				if err != nil {
					return err
				}
				// As the API does: keys made while the list was read commit
				// after it, and no more once their makers' revocation has
				// committed, so the cascade looks again until it finds none.
				ids, batch := []string{args[0]}, []string{args[0]}
				for {
					if cascade {
						keys, err := s.ListAPIKeys(cmd.Context(), ws.ID)
						if err != nil {
							return err
						}
						for _, k := range enroll.KeysMadeBy(keys, args[0]) {
							if k.RevokedAt == nil {
								batch = append(batch, k.ID)
							}
						}
					}
					if len(batch) == 0 {
						break
					}
					if err := s.RevokeAPIKeys(cmd.Context(), enroll.Actor{WorkspaceID: ws.ID}, batch); err != nil {
						return describe(err)
					}
					if !cascade {
						break
					}
					ids, batch = append(ids, batch...), batch[:0]
				}
				ids = slices.Compact(ids)
				fmt.Fprintf(m.Stdout, "Revoked key %s.\n", args[0])
				if len(ids) > 1 {
					fmt.Fprintf(m.Stdout, "Also revoked %d keys made by it, or by keys it made: %s.\n", len(ids)-1, strings.Join(ids[1:], ", "))
				}
				return nil
			})
		},
	}
	revoke.Flags().StringVar(&workspace, "workspace", "", "workspace id or name (required)")
	revoke.Flags().BoolVar(&cascade, "cascade", false, "also revoke every key this key made (createdBy), and those they made, all the way down")
	_ = revoke.MarkFlagRequired("workspace")
	cmd.AddCommand(create, list, revoke)
	m.dbFlags(cmd, true)
	return cmd
}
