package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// BenchmarkCreateEnrollmentConcurrent creates enrollments from 32
// goroutines, as bench/load's 32 clients do, with synchronous=FULL: the
// writes that wait for the writer share a commit (see write).
func BenchmarkCreateEnrollmentConcurrent(b *testing.B) {
	s := newBenchStore(b, "FULL")
	var n atomic.Int64
	b.SetParallelism((32 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	w0 := s.db.WriterStats()
	cpu0 := cpuTime()
	written0 := bytesWritten()
	var mu sync.Mutex
	var lat []time.Duration
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		defer func() {
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
		for pb.Next() {
			t0 := time.Now()
			i := n.Add(1)
			in := &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
				FirstName: "Suzie", LastName: "Homeowner", Email: fmt.Sprintf("suzie.c%d@example.com", i), Phone: "+1234567890",
				Address:           &enroll.Address{StreetOne: "123 Main St", City: "New York", State: "NY", PostalCode: "10001", Country: "USA"},
				ManufacturerSlugs: []string{"tesla"}, ReferenceID: fmt.Sprint("c", i), Tags: []string{"bench"}}
			if _, err := s.db.CreateEnrollment(context.Background(), s.a, s.inst, in); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t0))
		}
	})
	// The latency of a create as its caller sees it: the writer's stalls
	// (commits, WAL restarts) show in the tail.
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2])/float64(time.Millisecond), "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100])/float64(time.Millisecond), "p99-ms")
	}
	// CPU time per write holds still on a busy machine, where ns/op does not.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	// Bytes written to the WAL and, by checkpoints, the database file:
	// pages rewritten, not the rows' size, are what a commit costs.
	b.ReportMetric(float64(bytesWritten()-written0)/float64(b.N), "written-B/op")
	w := s.db.WriterStats()
	b.ReportMetric(float64(w.Writes-w0.Writes)/float64(w.Commits-w0.Commits), "writes/commit")
	// The writer's time per create bounds the creates/s of one database
	// however many CPUs serve the requests.
	b.ReportMetric((w.BusySeconds-w0.BusySeconds)*1000/float64(b.N), "writer-ms/op")
}

// cpuTime returns the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// bytesWritten returns the bytes the process has passed to write system
// calls (wchar in /proc/self/io), or 0 where that is not known.
func bytesWritten() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "wchar: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}
