package http

import (
	"fmt"
	"os"
	"path/filepath"
)

// dataDir is where uploads wait when Config.DataDir is "".
func dataDir(dir string) string {
	if dir == "" {
		return filepath.Join(os.TempDir(), "enroll-imports")
	}
	return dir
}

// CheckDataDir reports whether the import data directory dir (Config.DataDir;
// "" for the default) can be created and written, by creating it and a
// file in it. Server.Open runs it: a directory that cannot be written
// would otherwise fail every upload with a 500.
func CheckDataDir(dir string) error {
	dir = dataDir(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("import data directory %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, "check-*")
	if err != nil {
		return fmt.Errorf("import data directory %s cannot be written: %w", dir, err)
	}
	_ = f.Close()
	_ = os.Remove(f.Name())
	return nil
}
