package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/spf13/cobra"
)

// createWorkspace stores a new workspace with its first secret key and
// returns them with the key's secret.
func createWorkspace(ctx context.Context, s enroll.Store, name string) (*enroll.Workspace, *enroll.APIKey, string, error) {
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: name}
	key, secret := enroll.NewAPIKey(ws.ID, "secret key", nil, nil, time.Now())
	if err := s.CreateWorkspace(ctx, ws, key); err != nil {
		return nil, nil, "", err
	}
	return ws, key, secret, nil
}

// keyOutput is the JSON form of a key with its secret, printed once.
type keyOutput struct {
	*enroll.APIKey
	Secret string `json:"secret"`
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (m *Main) workspaceCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "workspace", Short: "Create workspaces", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() }}
	var (
		name   string
		asJSON bool
	)
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a workspace and its first secret key",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return m.withStore(cmd.Context(), func(s enroll.Store) error {
				// " acme " would be a second workspace that reads as acme.
				ws, key, secret, err := createWorkspace(cmd.Context(), s, strings.TrimSpace(name))
				if err != nil {
					return describe(err)
				}
				if asJSON {
					return printJSON(m.Stdout, map[string]any{"workspace": ws, "apiKey": keyOutput{key, secret}})
				}
				fmt.Fprintf(m.Stdout, "Created workspace %q (%s).\nSecret API key, shown only now: %s\n", ws.Name, ws.ID, secret)
				return nil
			})
		},
	}
	create.Flags().StringVar(&name, "name", "", "workspace name (required, unique)")
	create.Flags().BoolVar(&asJSON, "json", false, "print JSON: {workspace, apiKey: {id, secret, ...}}")
	_ = create.MarkFlagRequired("name")
	cmd.AddCommand(create)
	return cmd
}

// withStore opens the store (applying migrations), runs fn and closes it.
func (m *Main) withStore(ctx context.Context, fn func(enroll.Store) error) error {
	s, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(s)
}

// describe turns a domain error into a message fit for a terminal.
func describe(err error) error {
	var e *enroll.Error
	if err == nil {
		return nil
	}
	if ok := asError(err, &e); ok {
		// A field's problem the message already tells is not repeated.
		msg := e.Message
		for _, f := range e.Fields {
			if len(e.Fields) > 1 || !strings.Contains(e.Message, f.Message) {
				msg += fmt.Sprintf("\n  %s: %s", f.Location, f.Message)
			}
		}
		return fmt.Errorf("%s", msg)
	}
	return err
}
