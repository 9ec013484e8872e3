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

// printFairness prints the fairness run's figures as a markdown table.
func printFairness(w io.Writer, o options, results []fairResult) {
	fmt.Fprintf(w, "## Webhook fairness between workspaces (%d CPUs, %s)\n\n", runtime.NumCPU(), time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(w, "A busy workspace commits %d events to %d endpoints (%d deliveries) whose receiver answers after %s; "+
		"the Deliverer starts (%d senders) and a quiet workspace commits 20 events/s to one endpoint while the backlog drains.\n\n",
		o.fairBacklog, o.fairEndpoints, o.fairBacklog*o.fairEndpoints, o.fairDelay, webhook.DefaultConcurrency)
	fmt.Fprintln(w, "| store | busy deliveries/s | quiet events | quiet commit→delivery p50 | p99 | max |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, r := range results {
		fmt.Fprintf(w, "| %s | %.0f | %d | %s | %s | %s |\n", r.backend, r.busyRate, r.quiet, ms(r.p50), ms(r.p99), ms(r.max))
	}
	fmt.Fprintln(w)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
