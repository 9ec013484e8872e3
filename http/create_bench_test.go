package http_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BenchmarkCreateEnrollmentConcurrent creates enrollments through the
// whole handler from 32 goroutines, as bench/load's 32 clients do, on a
// store with synchronous=FULL, and reports the latencies' p50 and p99.
func BenchmarkCreateEnrollmentConcurrent(b *testing.B) {
	s := newBenchServer(b, 0)
	var (
		n   atomic.Int64
		mu  sync.Mutex
		all []time.Duration
	)
	b.SetParallelism((32 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			body := fmt.Appendf(nil, `{"identificationType":"customerInfo","firstName":"Suzie","lastName":"Homeowner",`+
				`"email":"suzie.c%d@example.com","address":{"state":"NY","postalCode":"10001"},"manufacturerSlugs":["tesla"]}`, n.Add(1))
			req := httptest.NewRequest(http.MethodPost, "/v1/programInstances/"+s.inst+"/enrollments", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+s.secret)
			req.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			start := time.Now()
			s.h.ServeHTTP(w, req)
			mine = append(mine, time.Since(start))
			if w.Code != http.StatusCreated {
				b.Errorf("create: %d: %s", w.Code, w.Body.String())
				return
			}
		}
		mu.Lock()
		all = append(all, mine...)
		mu.Unlock()
	})
	// CPU time per request holds still on a busy machine, where req/s and
	// latencies do not.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	slices.Sort(all)
	if len(all) > 0 {
		ms := func(q float64) float64 { return float64(all[int(q*float64(len(all)-1))]) / float64(time.Millisecond) }
		b.ReportMetric(ms(0.50), "p50-ms")
		b.ReportMetric(ms(0.99), "p99-ms")
	}
}

// cpuTime returns the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
