package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

// TestServerLock checks Config.Server: a second server's store of the
// same file is refused (ECONFLICT) while the first is open, a store that
// is not a server's still opens, and the file is free again once the
// first is closed.
func TestServerLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := Config{Path: filepath.Join(t.TempDir(), "enroll.db"), Engine: rules.New(), Server: true}
	first, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, cfg); enroll.ErrorCode(err) != enroll.ECONFLICT {
		t.Fatalf("a second server's store: %v, want ECONFLICT", err)
	}
	cli := cfg
	cli.Server = false
	other, err := Open(ctx, cli)
	if err != nil {
		t.Fatalf("a command's store beside the server: %v", err)
	}
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Open(ctx, cfg)
	if err != nil {
		t.Fatalf("a server's store after the first closed: %v", err)
	}
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
}
