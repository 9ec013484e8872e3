package main

import (
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/enrollhq/enroll/webhook"
)

// printTable prints the figures as a markdown table.
func printTable(w io.Writer, o options, base float64, results []result) {
	fmt.Fprintf(w, "## Webhook delivery (%d CPUs, %s)\n\n", runtime.NumCPU(), time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(w, "Latency run: %d events/s committed for %s (one enrollment.created each), the Deliverer running; "+
		"drain run: %d events committed first, then delivered. Baseline: bare signed POSTs of the same size, %d at once, no database.\n\n",
		o.rate, o.duration, o.backlog, webhook.DefaultConcurrency)
	fmt.Fprintln(w, "| store | committed/s | commit→delivery p50 | p99 | max | p99 < 250 ms | drain events/s | baseline POSTs/s | drain ÷ baseline |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		met := "yes"
		if r.p99 >= 250*time.Millisecond {
			met = "no"
		}
		fmt.Fprintf(w, "| %s | %.0f | %s | %s | %s | %s | %.0f | %.0f | %.2f |\n", r.backend, r.commitRate,
			ms(r.p50), ms(r.p99), ms(r.max), met, r.drainRate, base, r.drainRate/base)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
