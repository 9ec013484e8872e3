package console

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSpoolDefaultDir: a console used on its own, without an import
// directory, spools an upload in the system's temporary directory itself,
// not in a fixed directory under it that another user may own (here, a
// file in its place). Not parallel: it sets TMPDIR.
func TestSpoolDefaultDir(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	if err := os.WriteFile(filepath.Join(tmp, "enroll-console-imports"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	f, rows, err := (&Console{}).spool(strings.NewReader("firstName\nAnn\n"), "csv")
	if err != nil {
		t.Fatalf("spool: %v", err)
	}
	f.discard()
	if rows != 1 {
		t.Errorf("%d rows counted, want 1", rows)
	}
}
