package http

import (
	"fmt"
	"os"
)

// dataDir is where uploads wait: Config.DataDir, or when it is "" the
// system's temporary directory itself. Each upload's file is unlinked as
// soon as it is made (0600, a random name), so a directory of its own
// adds nothing there, and a fixed one (it was $TMPDIR/enroll-imports,
// 0700) belonged to the first user to run a server, or to anyone who
// made it first, and stopped every other user's server from starting.
func dataDir(dir string) string {
	if dir == "" {
		return os.TempDir()
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
