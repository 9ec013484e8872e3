package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// table is one section of the report.
type table struct {
	title string
	intro string
	head  []string
	rows  [][]string
	notes []string
}

// write renders t as a markdown table or aligned text.
func (t table) write(b *strings.Builder, markdown bool) {
	if markdown {
		fmt.Fprintf(b, "#### %s\n\n", t.title)
		if t.intro != "" {
			fmt.Fprintf(b, "%s\n\n", t.intro)
		}
		esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
		row := func(cells []string) {
			for i := range cells {
				cells[i] = esc(cells[i])
			}
			fmt.Fprintf(b, "| %s |\n", strings.Join(cells, " | "))
		}
		row(append([]string(nil), t.head...))
		sep := make([]string, len(t.head))
		for i := range sep {
			sep[i] = "---"
		}
		fmt.Fprintf(b, "|%s|\n", strings.Join(sep, "|"))
		for _, r := range t.rows {
			row(append([]string(nil), r...))
		}
		b.WriteString("\n")
		for _, n := range t.notes {
			fmt.Fprintf(b, "%s\n\n", n)
		}
		return
	}
	fmt.Fprintf(b, "%s\n%s\n", t.title, strings.Repeat("=", len([]rune(t.title))))
	if t.intro != "" {
		fmt.Fprintf(b, "%s\n", t.intro)
	}
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.head, "\t"))
	for _, r := range t.rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
	for _, n := range t.notes {
		fmt.Fprintf(b, "%s\n", n)
	}
	b.WriteString("\n")
}

// mb formats bytes in megabytes (10⁶ bytes).
func mb(b int64) string { return fmt.Sprintf("%.1f", float64(b)/1e6) }

// rate formats a rate per second as a whole number.
func rate(r float64) string { return itoa(int(r + 0.5)) }

// ms formats a duration in milliseconds with three significant digits.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

// ratio formats a ÷ b, or "—" when b is zero.
func ratio(a, b float64) string {
	if b == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// dbCPU formats the database's CPU per request, empty when not read.
func dbCPU(st stats) string {
	if !st.DB {
		return ""
	}
	return ms(st.DBCPU)
}

// perCommit is the writes per commit of a run's single writer, when known.
func perCommit(st stats) string {
	if !st.Writer.ok {
		return ""
	}
	return fmt.Sprintf("%.1f", st.Writer.PerCommit)
}

// writerBusy is the share of a run's time its single writer was busy,
// when known.
func writerBusy(st stats) string {
	if !st.Writer.ok {
		return ""
	}
	return fmt.Sprintf("%.0f%%", 100*st.Writer.Busy)
}

// failed counts the failed requests of a run, warm-up included.
func failed(st stats) string { return itoa(int(st.Failed)) }
