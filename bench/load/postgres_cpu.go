package main

import (
	"bytes"
	"os"
	"strconv"
)

// pgProcesses returns the CPU time of each PostgreSQL process of this
// machine whose title holds marker (" database "), reading /proc: the
// backends of the database's connections and autovacuum working on it, not
// the server's shared processes (WAL writer, checkpointer). Servers
// set their processes' titles unless update_process_title is off, in which
// case none match and the figure reads zero.
func pgProcesses(marker string) (procTimes, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	t := procTimes{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		title, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || !bytes.HasPrefix(title, []byte("postgres: ")) {
			continue
		}
		// A title may end in NULs or nothing: pad it, so a database
		// name at its end matches " name " too.
		title = append(bytes.ReplaceAll(title, []byte{0}, []byte{' '}), ' ')
		if !bytes.Contains(title, []byte(marker)) {
			continue
		}
		if cpu, err := procCPU(pid); err == nil {
			t[pid] = cpu
		}
	}
	return t, nil
}
