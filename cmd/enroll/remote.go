package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/enrollhq/enroll/client"
)

// defaultURL is --url's default, left out of the commands printed for
// the user to run.
const defaultURL = "http://127.0.0.1:8080"

// remote is what the commands that talk to a running server share.
type remote struct {
	url, key string
}

// flags gives cmd --url and --key.
func (r *remote) flags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&r.url, "url", defaultURL, "the Enroll server's base URL")
	cmd.Flags().StringVar(&r.key, "key", "", "an API key secret (sk_…); better given as ENROLL_KEY than on the command line")
}

// client returns a client of the server, refusing to go on without a key.
func (r *remote) client() (*client.Client, error) {
	if r.key == "" {
		return nil, errors.New("an API key is needed: set ENROLL_KEY (or --key)")
	}
	return client.New(r.url, r.key), nil
}
