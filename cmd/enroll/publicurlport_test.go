package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPublicURLBadPortRefused: serve refuses a --public-url whose port no
// one can reach (past 65535, or 0), as it refuses a malformed one, before
// it opens the database: accepted, every unsubscribe link the
// notifications carry, and the OpenAPI document's server, pointed
// nowhere.
func TestPublicURLBadPortRefused(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"https://enroll.example.com:99999", "https://enroll.example.com:0", "http://enroll.example.com:65536/"} {
		db := filepath.Join(t.TempDir(), "e.db")
		// Accepted, serve would run until the context ends.
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		m := NewMain()
		var out strings.Builder
		m.Stdout, m.Stderr = &out, &out
		err := m.Run(ctx, []string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--public-url", u})
		cancel()
		if err == nil || !strings.Contains(err.Error(), "--public-url") {
			t.Errorf("--public-url %s: %v, want it refused; output:\n%s", u, err, out.String())
		}
	}
}
