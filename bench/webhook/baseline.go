package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/webhook"
)

// baseline sends n signed POSTs of an event-sized body to a local receiver
// with the Deliverer's concurrency and no database: the rate the stack
// beneath delivery allows.
func baseline(ctx context.Context, n int) (float64, error) {
	rec, err := newReceiver()
	if err != nil {
		return 0, err
	}
	defer rec.close()
	secret := enroll.NewWebhookSecret()
	client := &http.Client{Timeout: enroll.DeliveryTimeout}
	var (
		wg    sync.WaitGroup
		next  atomic.Int64
		first atomic.Value
	)
	start := time.Now()
	for range webhook.DefaultConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				id := "evt_" + strconv.FormatInt(i, 10)
				body := []byte(`{"id":"` + id + `","type":"enrollment.created","createdAt":"` + time.Now().UTC().Format(time.RFC3339Nano) +
					`","data":{"object":{"id":"e` + strconv.FormatInt(i, 10) + `","firstName":"Bench","lastName":"Mark","email":"b@example.com",` +
					`"identificationType":"customerInfo","eligibility":{"status":"candidate"},"tags":[],"manufacturerSlugs":[]}}}`)
				now := time.Now()
				sig, _ := webhook.Sign([]string{secret}, id, now, body)
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, rec.url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(webhook.HeaderID, id)
				req.Header.Set(webhook.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
				req.Header.Set(webhook.HeaderSignature, sig)
				res, err := client.Do(req)
				if err != nil {
					first.CompareAndSwap(nil, err)
					return
				}
				res.Body.Close()
			}
		}()
	}
	wg.Wait()
	if err, _ := first.Load().(error); err != nil {
		return 0, fmt.Errorf("post: %w", err)
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
