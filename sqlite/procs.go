package sqlite

import (
	"os"
	"runtime"
	"sync/atomic"
)

// extraProcs is how many Go processors (GOMAXPROCS) beyond one per CPU a
// server on SQLite runs with; see RaiseProcs.
const extraProcs = 2

// cpus is the runtime's default GOMAXPROCS (one per usable CPU) when
// RaiseProcs raised it, else 0: the default size of the read pool.
var cpus atomic.Int64

// RaiseProcs gives the Go runtime extraProcs more processors than its
// default of one per usable CPU, unless the GOMAXPROCS environment
// variable sets their number, and returns the number of CPUs that default
// found. A server on SQLite should call it once, at start, before Open.
//
// Why: every write waits for the one writer, which blocks in fsync at each
// commit and gives up its processor; with one processor per CPU it then
// waits for one behind the request goroutines, and the writes queued
// behind it wait too. With spare processors the kernel schedules it as
// soon as the fsync returns. On 2 CPUs, 4 processors cut the p99 of 32
// concurrent creates from 28–30 ms to 20–26 ms over HTTP, at the same
// throughput (docs/benchmarks.md, session 5).
func RaiseProcs() int {
	if os.Getenv("GOMAXPROCS") != "" {
		return runtime.GOMAXPROCS(0)
	}
	runtime.SetDefaultGOMAXPROCS()
	n := runtime.GOMAXPROCS(0)
	cpus.Store(int64(n))
	runtime.GOMAXPROCS(n + extraProcs)
	return n
}

// defaultReaders is the read pool's size when Config.Readers is 0: two
// connections per CPU, counted before RaiseProcs added processors (each
// reader keeps a page cache of its own).
func defaultReaders() int {
	if n := cpus.Load(); n > 0 {
		return 2 * int(n)
	}
	return 2 * runtime.GOMAXPROCS(0)
}
