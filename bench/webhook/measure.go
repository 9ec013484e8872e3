package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/webhook"
)

// result is one backend's figures.
type result struct {
	backend string
	// The latency run: events committed at o.rate.
	committed  int
	commitRate float64
	p50, p99   time.Duration
	max        time.Duration
	// The drain run: a backlog delivered as fast as the Deliverer goes.
	drained   int
	drainRate float64
	// lost counts events never delivered within the wait.
	lost int
}

// workers is how many goroutines commit events: enough to reach the rate
// while each commit waits for its fsync.
const workers = 16

// scene is a store with a workspace, an instance and an endpoint to r.
type scene struct {
	s    enroll.WebhookStore
	a    enroll.Actor
	inst string
	seq  atomic.Int64
}

func newScene(ctx context.Context, s enroll.WebhookStore, r *receiver) (*scene, error) {
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "bench-" + enroll.NewID()}
	key, _ := enroll.NewAPIKey(ws.ID, "bench", nil, nil, time.Now())
	if err := s.CreateWorkspace(ctx, ws, key); err != nil {
		return nil, err
	}
	a := enroll.Actor{WorkspaceID: ws.ID, KeyID: key.ID}
	p := &enroll.Program{Slug: "rebate", Name: "Rebate", Active: true}
	if err := s.CreateProgram(ctx, a, p); err != nil {
		return nil, err
	}
	in := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "2026", Name: "2026", Status: enroll.InstanceActive}
	if err := s.CreateInstance(ctx, a, in); err != nil {
		return nil, err
	}
	ep := &enroll.WebhookEndpoint{URL: r.url, Enabled: true, EventTypes: []enroll.EventType{enroll.EventEnrollmentCreated}}
	if err := s.CreateWebhookEndpoint(ctx, a, ep); err != nil {
		return nil, err
	}
	return &scene{s: s, a: a, inst: in.ID}, nil
}

// commit creates one enrollment: one enrollment.created event.
func (sc *scene) commit(ctx context.Context) error {
	n := sc.seq.Add(1)
	_, err := sc.s.CreateEnrollment(ctx, sc.a, sc.inst, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: "Bench", LastName: "Mark", Email: "b" + strconv.FormatInt(n, 10) + "@example.com"})
	return err
}

// paced commits events at rate per second for d (less if the store cannot
// keep up) and returns how many and the rate reached.
func (sc *scene) paced(ctx context.Context, rate int, d time.Duration) (int, float64, error) {
	total := int(float64(rate) * d.Seconds())
	jobs := make(chan struct{})
	var (
		wg    sync.WaitGroup
		done  atomic.Int64
		first error
		once  sync.Once
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				if err := sc.commit(ctx); err != nil {
					once.Do(func() { first = err })
					continue
				}
				done.Add(1)
			}
		}()
	}
	start := time.Now()
	interval := time.Second / time.Duration(rate)
	for i := range total {
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	n := int(done.Load())
	return n, float64(n) / time.Since(start).Seconds(), first
}

// burst commits n events as fast as the store takes them.
func (sc *scene) burst(ctx context.Context, n int) (int, error) {
	var (
		wg   sync.WaitGroup
		next atomic.Int64
		done atomic.Int64
		errs = make(chan error, workers)
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if err := sc.commit(ctx); err != nil {
					errs <- err
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	close(errs)
	return int(done.Load()), <-errs
}

// measure runs the latency and drain runs on one backend.
func measure(ctx context.Context, b backend, o options, logger *slog.Logger) (result, error) {
	res := result{backend: b.name}
	s, cleanup, err := b.open(ctx)
	if err != nil {
		return res, err
	}
	defer cleanup()
	rec, err := newReceiver()
	if err != nil {
		return res, err
	}
	defer rec.close()
	sc, err := newScene(ctx, s, rec)
	if err != nil {
		return res, err
	}
	newDeliverer := func() *webhook.Deliverer {
		return webhook.New(webhook.Config{Store: s, AllowPrivate: true, Logger: logger})
	}

	// Latency: events at a fixed rate, the Deliverer running throughout.
	d := newDeliverer()
	d.Start()
	res.committed, res.commitRate, err = sc.paced(ctx, o.rate, o.duration)
	if err != nil {
		d.Close()
		return res, fmt.Errorf("commit: %w", err)
	}
	got := rec.waitFor(res.committed, time.Now().Add(30*time.Second))
	d.Close()
	res.lost += res.committed - got
	lat := rec.snapshot()
	slices.Sort(lat)
	if len(lat) > 0 {
		res.p50, res.p99, res.max = lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)], lat[len(lat)-1]
	}

	// Drain: a backlog committed while no Deliverer runs, then sent.
	rec.reset()
	n, err := sc.burst(ctx, o.backlog)
	if err != nil {
		return res, fmt.Errorf("commit: %w", err)
	}
	d = newDeliverer()
	start := time.Now()
	d.Start()
	got = rec.waitFor(n, start.Add(2*time.Minute))
	res.drained, res.drainRate = got, float64(got)/time.Since(start).Seconds()
	d.Close()
	res.lost += n - got
	return res, nil
}
