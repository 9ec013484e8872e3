package postgres_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// cpuMeter adds up the CPU time of the benchmark's process and of the
// database's backends (read from /proc, so only when the server runs on
// this machine): on a shared machine those vary less than the wall clock,
// and an import spends most of its time in the server.
type cpuMeter struct {
	b       *testing.B
	conn    *pgx.Conn
	process time.Duration
	backend map[int]time.Duration
}

// newCPUMeter starts measuring; url is the benchmark's database.
func newCPUMeter(b *testing.B, url string) *cpuMeter {
	b.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(context.Background()) })
	m := &cpuMeter{b: b, conn: conn}
	m.process, m.backend = processCPU(), m.backends()
	return m
}

// report reports the CPU time per row since newCPUMeter: the process's as
// cpu-µs/row and the backends' as db-cpu-µs/row (when /proc shows them).
func (m *cpuMeter) report(rows int) {
	m.b.ReportMetric(float64((processCPU()-m.process).Microseconds())/float64(rows), "cpu-µs/row")
	var db time.Duration
	for pid, t := range m.backends() {
		db += t - m.backend[pid] // a backend started since counts from 0
	}
	if db > 0 {
		m.b.ReportMetric(float64(db.Microseconds())/float64(rows), "db-cpu-µs/row")
	}
}

// backends returns the CPU time of every backend of the database but the
// meter's own, by process id.
func (m *cpuMeter) backends() map[int]time.Duration {
	rows, err := m.conn.Query(context.Background(), `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)
	if err != nil {
		m.b.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		m.b.Fatal(err)
	}
	out := map[int]time.Duration{}
	for _, pid := range pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue // another machine's, or gone
		}
		// utime and stime are fields 14 and 15, after the command in
		// parentheses (which may hold spaces).
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		out[pid] = time.Duration(u+s) * time.Second / 100 // USER_HZ
	}
	return out
}

// processCPU returns the CPU time the process has used.
func processCPU() time.Duration {
	var u syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
