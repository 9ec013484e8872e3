package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// importContentionRows is the size of the file BenchmarkCreateDuringImport
// imports per iteration, and contentionClients the goroutines creating
// meanwhile, as API clients would.
const (
	importContentionRows = 20000
	contentionClients    = 4
)

// countingStore is the import bench's store counting the import batches
// committed, so that a create can tell how many it waited behind.
type countingStore struct {
	*DB
	batches atomic.Int64
}

// ImportPrepared counts the batch once it has committed.
func (s *countingStore) ImportPrepared(ctx context.Context, a enroll.Actor, importID string, rows []*enroll.ImportRow,
	prep *enroll.PreparedImport) (*enroll.Import, error) {
	im, err := s.DB.ImportPrepared(ctx, a, importID, rows, prep)
	if len(rows) > 0 {
		s.batches.Add(1)
	}
	return im, err
}

// BenchmarkCreateDuringImport measures what an import does to the API's
// writes on SQLite's one writer: contentionClients goroutines create
// enrollments one after another (customerInfo, into the importing
// instance, whose five rules run at each create) for a second with
// nothing else writing ("idle"), then while RunImport imports a file of
// importContentionRows new participants with the default batch, as the
// server does. It reports the creates' p50 and p99 latency in both, their
// ratio (the machine is shared: compare ratios), the creates/s and the
// import's rows/s while it ran, and how many import batches committed
// while a create waited, on average and at most (max-batches/create: 1
// means no create waited for more than the batch in flight; it was 3
// while a batch could join a group of creates, see groupCommitter).
func BenchmarkCreateDuringImport(b *testing.B) {
	s := newImportBench(b, benchSync)
	cs := &countingStore{DB: s.db}
	ctx := context.Background()
	var seq atomic.Int64
	// creates runs the clients until stop is closed and returns their
	// latencies and, for each, the batches that committed meanwhile.
	creates := func(stop <-chan struct{}) (lat []time.Duration, waited []int64) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range contentionClients {
			wg.Go(func() {
				var mine []time.Duration
				var batches []int64
				for {
					select {
					case <-stop:
						mu.Lock()
						lat, waited = append(lat, mine...), append(waited, batches...)
						mu.Unlock()
						return
					default:
					}
					i := seq.Add(1)
					in := &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
						FirstName: "Suzie", LastName: "Homeowner", Email: fmt.Sprintf("api.%d@example.com", i), Phone: "+1234567890",
						Address:           &enroll.Address{StreetOne: "1 Main St", City: "New York", State: "NY", PostalCode: "10001", Country: "USA"},
						ManufacturerSlugs: []string{"tesla"}, ReferenceID: fmt.Sprint("API-", i),
						Parameters: []enroll.ParameterValue{{ExternalID: "size", Value: "large"}, {ExternalID: "kw", Value: 7.5},
							{ExternalID: "account", Value: fmt.Sprint("API-", i)}}}
					b0 := cs.batches.Load()
					t0 := time.Now()
					if _, err := s.db.CreateEnrollment(ctx, s.a, s.inst.ID, in); err != nil {
						b.Error(err)
						return
					}
					mine, batches = append(mine, time.Since(t0)), append(batches, cs.batches.Load()-b0)
				}
			})
		}
		wg.Wait()
		return lat, waited
	}
	var idle, busy []time.Duration
	var waited []int64
	var importTime time.Duration
	n := 0
	for b.Loop() {
		stop := make(chan struct{})
		time.AfterFunc(time.Second, func() { close(stop) })
		l, _ := creates(stop)
		idle = append(idle, l...)

		file := importCSV(n, importContentionRows)
		dec, err := enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(file))
		if err != nil {
			b.Fatal(err)
		}
		im := &enroll.Import{ProgramInstanceID: s.inst.ID, Format: enroll.FormatCSV}
		if err := s.db.CreateImport(ctx, s.a, im); err != nil {
			b.Fatal(err)
		}
		stop = make(chan struct{})
		type result struct {
			lat    []time.Duration
			waited []int64
		}
		got := make(chan result)
		go func() {
			l, w := creates(stop)
			got <- result{l, w}
		}()
		t0 := time.Now()
		done, err := enroll.RunImport(ctx, cs, s.a, im, dec, enroll.DefaultImportBatch)
		importTime += time.Since(t0)
		close(stop)
		r := <-got
		if err != nil || done.CreatedCount != importContentionRows {
			b.Fatalf("import = %+v, %v", done, err)
		}
		busy, waited = append(busy, r.lat...), append(waited, r.waited...)
		n += importContentionRows
	}
	slices.Sort(idle)
	slices.Sort(busy)
	pct := func(l []time.Duration, p int) float64 {
		if len(l) == 0 {
			return 0
		}
		return float64(l[min(len(l)*p/100, len(l)-1)]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(idle, 50), "idle-p50-ms")
	b.ReportMetric(pct(idle, 99), "idle-p99-ms")
	b.ReportMetric(pct(busy, 50), "import-p50-ms")
	b.ReportMetric(pct(busy, 99), "import-p99-ms")
	if pct(idle, 50) > 0 {
		b.ReportMetric(pct(busy, 50)/pct(idle, 50), "p50-ratio")
		b.ReportMetric(pct(busy, 99)/pct(idle, 99), "p99-ratio")
	}
	b.ReportMetric(float64(len(busy))/importTime.Seconds(), "creates/s")
	b.ReportMetric(float64(n)/importTime.Seconds(), "rows/s")
	var sum, most int64
	for _, w := range waited {
		sum += w
		most = max(most, w)
	}
	if len(waited) > 0 {
		b.ReportMetric(float64(sum)/float64(len(waited)), "batches/create")
		b.ReportMetric(float64(most), "max-batches/create")
	}
}
