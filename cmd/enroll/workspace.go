package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
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

// findWorkspace resolves a --workspace value, a workspace's id or name.
// Names of an id's form are refused, but one given before they were may
// be another workspace's id: such a value is refused, naming both, rather
// than resolved to the one whose id it is (the store's choice), since the
// user may well mean the other.
func findWorkspace(ctx context.Context, s enroll.Store, idOrName string) (*enroll.Workspace, error) {
	ws, err := s.FindWorkspace(ctx, idOrName)
	if err != nil {
		return nil, describe(err)
	}
	if ws.ID != idOrName || ws.Name == idOrName {
		return ws, nil
	}
	named, err := s.FindWorkspaceByName(ctx, idOrName)
	switch {
	case enroll.ErrorCode(err) == enroll.ENOTFOUND:
		return ws, nil
	case err != nil:
		return nil, err
	}
	return nil, fmt.Errorf("--workspace %s names two workspaces: it is the id of workspace %q and the name of workspace %s; give the name of the first or the id of the second",
		idOrName, ws.Name, named.ID)
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
		Use:   "create [NAME]",
		Short: "Create a workspace and its first secret key",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// The name as an argument or as --name, as people type it.
			if len(args) == 1 {
				if cmd.Flags().Changed("name") && name != args[0] {
					return fmt.Errorf("two names given, %q and --name %q: give one", args[0], name)
				}
				name = args[0]
			}
			if !cmd.Flags().Changed("name") && len(args) == 0 {
				return errors.New("a name is required: enroll workspace create NAME (or --name NAME)")
			}
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
	create.Flags().StringVar(&name, "name", "", "workspace name (required, as this flag or as the argument; unique)")
	create.Flags().BoolVar(&asJSON, "json", false, "print JSON: {workspace, apiKey: {id, secret, ...}}")
	cmd.AddCommand(create)
	m.dbFlags(cmd, true)
	return cmd
}

// requireSQLiteFile refuses a SQLite --db that names no file.
func (m *Main) requireSQLiteFile() error {
	if !isPostgres(m.Config.DB) {
		if _, err := os.Stat(m.Config.DB); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("no database at %s: give --db (or ENROLL_DB) the database enroll serve uses; enroll serve or enroll migrate creates one", m.Config.DB)
		}
	}
	return nil
}

// withStore opens the store (applying migrations), runs fn and closes it.
// A SQLite database that does not exist is refused, not created: a
// mistyped --db (or none, where there is no enroll.db) would otherwise
// make and migrate a new one, then report the workspace missing. serve
// and migrate create databases.
func (m *Main) withStore(ctx context.Context, fn func(enroll.Store) error) error {
	if err := m.requireSQLiteFile(); err != nil {
		return err
	}
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
		// A field's problem the message already tells is told once, with
		// the value at fault, which the message leaves out.
		msg := e.Message
		if len(e.Fields) > 1 && strings.HasPrefix(msg, e.Fields[0].Location+": "+e.Fields[0].Message) {
			// "first problem (and 2 more)": the list below tells them all.
			msg = fmt.Sprintf("%d problems:", len(e.Fields))
		}
		for _, f := range e.Fields {
			switch {
			case len(e.Fields) == 1 && e.Message == f.Location+": "+f.Message:
				msg = fieldProblem(f)
			case len(e.Fields) > 1 || !strings.Contains(e.Message, f.Message):
				msg += "\n  " + fieldProblem(f)
			}
		}
		return fmt.Errorf("%s", msg)
	}
	return err
}

// fieldProblem says what is wrong with one field, and with which value:
// `scopes[1] ("everything"): unknown scope; ...`.
func fieldProblem(f enroll.FieldError) string {
	at := f.Location
	if v, ok := f.Value.(string); ok && v != "" && !strings.Contains(f.Message, v) {
		at += fmt.Sprintf(" (%q)", v)
	}
	if at == "" {
		return f.Message
	}
	return at + ": " + f.Message
}
