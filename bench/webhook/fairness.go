package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/webhook"
)

// fairResult is one backend's figures in the fairness run.
type fairResult struct {
	backend string
	// The busy workspace: its backlog's deliveries (events × endpoints)
	// and how fast they drained, its receiver answering after a delay.
	busyDeliveries int
	busyRate       float64
	// The quiet workspace: its events, committed while the busy one
	// drains, and their commit-to-delivery latency.
	quiet    int
	p50, p99 time.Duration
	max      time.Duration
	lost     int
}

// quietRate is how many events a second the quiet workspace commits.
const quietRate = 20

// fairness measures one backend's fairness run: a busy workspace commits
// a backlog of o.fairBacklog events to o.fairEndpoints endpoints whose
// receiver takes o.fairDelay to answer (more deliveries than senders: an
// import's events to each of a workspace's integrations), the Deliverer
// starts, and a quiet workspace commits quietRate events a second to one
// endpoint meanwhile. It reports the quiet workspace's latency and the
// busy one's drain rate.
func fairness(ctx context.Context, b backend, o options, logger *slog.Logger) (fairResult, error) {
	res := fairResult{backend: b.name}
	s, cleanup, err := b.open(ctx)
	if err != nil {
		return res, err
	}
	defer cleanup()
	busyRec, err := newReceiver()
	if err != nil {
		return res, err
	}
	defer busyRec.close()
	busyRec.delay = o.fairDelay
	quietRec, err := newReceiver()
	if err != nil {
		return res, err
	}
	defer quietRec.close()
	busy, err := newScene(ctx, s, busyRec)
	if err != nil {
		return res, err
	}
	for i := 1; i < o.fairEndpoints; i++ {
		ep := &enroll.WebhookEndpoint{URL: busyRec.url + "/" + strconv.Itoa(i), Enabled: true, EventTypes: []enroll.EventType{enroll.EventEnrollmentCreated}}
		if err := s.CreateWebhookEndpoint(ctx, busy.a, ep); err != nil {
			return res, err
		}
	}
	quiet, err := newScene(ctx, s, quietRec)
	if err != nil {
		return res, err
	}
	n, err := busy.burst(ctx, o.fairBacklog)
	if err != nil {
		return res, fmt.Errorf("commit: %w", err)
	}
	res.busyDeliveries = n * o.fairEndpoints
	d := webhook.New(webhook.Config{Store: s, AllowPrivate: true, Logger: logger})
	start := time.Now()
	d.Start()
	defer d.Close()
	// The quiet workspace's events, while the backlog drains (and for a
	// second at least).
	for time.Since(start) < time.Second || (busyRec.count() < res.busyDeliveries && time.Since(start) < 2*time.Minute) {
		if err := quiet.commit(ctx); err != nil {
			return res, fmt.Errorf("commit: %w", err)
		}
		res.quiet++
		time.Sleep(time.Second / quietRate)
	}
	got := quietRec.waitFor(res.quiet, time.Now().Add(2*time.Minute))
	res.lost += res.quiet - got
	for busyRec.count() < res.busyDeliveries && time.Since(start) < 3*time.Minute {
		time.Sleep(10 * time.Millisecond)
	}
	res.busyRate = float64(busyRec.count()) / busyRec.lastArrival().Sub(start).Seconds()
	res.lost += res.busyDeliveries - busyRec.count()
	lat := quietRec.snapshot()
	slices.Sort(lat)
	if len(lat) > 0 {
		res.p50, res.p99, res.max = lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)], lat[len(lat)-1]
	}
	return res, nil
}
