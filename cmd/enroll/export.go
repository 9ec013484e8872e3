package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
)

func (m *Main) exportCommand() *cobra.Command {
	var (
		r                remote
		instance, output string
		statuses         []string
		q                client.EnrollmentQuery
		createdAfter     string
		every            time.Duration
	)
	cmd := &cobra.Command{
		Use:   "export [--instance ID] [--status STATUS]... > out.csv",
		Short: "Export enrollments as CSV (the columns an import takes)",
		Long: "Stream every enrollment of the program instance --instance (or of every instance the key sees) that matches the filters\n" +
			"from a running server (--url, --key or ENROLL_URL, ENROLL_KEY) to standard output, or to --output, as CSV. The file\n" +
			"imports as it is (enroll import), into this instance or another.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := refuseEmptyFilters(cmd); err != nil {
				return err
			}
			if cmd.Flags().Changed("output") && output == "" {
				// -o "$OUT" with OUT unset: the participants would go to
				// standard output, a cron job's mail or log, not the file meant.
				return fmt.Errorf("--output is empty: give a file, or - for standard output, or leave it out")
			}
			c, err := r.client()
			if err != nil {
				return err
			}
			for _, s := range statuses {
				q.Statuses = append(q.Statuses, enroll.Status(s))
			}
			if createdAfter != "" {
				if q.CreatedAfter, _, err = enroll.ParseTime(createdAfter); err != nil {
					return fmt.Errorf("--created-after: %w", err)
				}
			}
			var w io.Writer = m.Stdout
			var out *outFile
			if output != "" && output != "-" {
				// Written beside the target and renamed at the end, so a
				// cut export never passes for a whole one.
				if out, err = createOutput(output); err != nil {
					return err
				}
				w = out
			}
			progress := m.newExportProgress(cmd.Context(), c, instance, q, every)
			// A 429 or 503 comes before any row: the export is sent
			// again, after the Retry-After.
			err = retryBusy(cmd.Context(), m.Stderr, "the export", func() error {
				_, err := c.ExportEnrollments(cmd.Context(), instance, q, io.MultiWriter(w, progress))
				return err
			}, nil)
			progress.finish()
			switch {
			case out != nil && err != nil:
				out.abort()
			case out != nil:
				err = out.commit()
			}
			if err != nil {
				return err
			}
			where := "standard output"
			if out != nil {
				where = output
			}
			fmt.Fprintf(m.Stderr, "Exported %s to %s in %v.\n", enroll.Quantity(progress.counter.Rows(), "enrollment", "enrollments"), where,
				time.Since(progress.start).Round(time.Millisecond))
			return nil
		},
	}
	r.flags(cmd)
	f := cmd.Flags()
	f.StringVar(&instance, "instance", "", "the program instance to export (default: every instance the key sees)")
	f.StringSliceVar(&statuses, "status", nil, "keep enrollments in these statuses (repeatable, or comma-separated)")
	f.StringVar(&q.Tag, "tag", "", "keep enrollments with this tag")
	f.StringVar(&q.GroupID, "group", "", "keep enrollments in this group")
	f.StringVar(&q.Q, "q", "", "keep enrollments whose first name, last name, email or reference id, or a later word of a name, starts with this (with several words, up to 8, each begins one of them)")
	f.StringVar(&createdAfter, "created-after", "", "keep enrollments created after this RFC 3339 time")
	f.StringVar(&q.Sort, "sort", "", "-createdAt (default), createdAt, updatedAt, -updatedAt or lastName")
	f.StringVarP(&output, "output", "o", "", "write to this file instead of standard output (- for standard output; empty is refused)")
	f.DurationVar(&every, "progress-every", 5*time.Second, "how often to print a progress line when standard error is not a terminal")
	return cmd
}

// refuseEmptyFilters refuses a filter given empty, as --instance "$I"
// with I unset (or ENROLL_INSTANCE=) gives it: it would keep every
// enrollment, and export other instances' participants to whoever gets
// the file, where the filter left out says so.
func refuseEmptyFilters(cmd *cobra.Command) error {
	for _, name := range []string{"instance", "status", "tag", "group", "q", "created-after"} {
		f := cmd.Flags().Lookup(name)
		if v := strings.Trim(f.Value.String(), "[] "); f.Changed && v == "" {
			return fmt.Errorf("--%s is empty: give a value, or leave it out to keep every enrollment", name)
		}
	}
	return nil
}

// exportProgress counts the rows of an export as they are written and shows
// them on standard error: a bar with the count, rows/s and the time left on
// a terminal, a line every so often elsewhere.
type exportProgress struct {
	counter     *enroll.RowCounter
	bar         *progressbar.ProgressBar // nil: lines
	out         io.Writer
	total       int // -1 when not known
	every       time.Duration
	start, last time.Time
}

// newExportProgress starts the progress of an export of q. The total comes
// from one list request with the same filters (a page of one enrollment),
// sent again after a 429's or 503's Retry-After as the export is; should
// that fail, the export goes on without it.
func (m *Main) newExportProgress(ctx context.Context, c *client.Client, instance string, q client.EnrollmentQuery, every time.Duration) *exportProgress {
	p := &exportProgress{counter: enroll.NewRowCounter(enroll.FormatCSV), out: m.Stderr, total: -1, every: every, start: time.Now()}
	q.ListOptions = client.ListOptions{PerPage: 1}
	_ = retryBusy(ctx, m.Stderr, "the count of the export's rows", func() error {
		page, err := c.ListEnrollments(ctx, instance, q)
		if err == nil {
			p.total = page.TotalItems
		}
		return err
	}, nil)
	p.start = time.Now()
	p.last = p.start
	if isTerminal(m.Stderr) {
		p.bar = progressbar.NewOptions(p.total, progressbar.OptionSetWriter(m.Stderr), progressbar.OptionSetDescription("exporting"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("rows"),
			progressbar.OptionSetPredictTime(true), progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}
	return p
}

// Write counts the rows in b and shows the progress.
func (p *exportProgress) Write(b []byte) (int, error) {
	n, err := p.counter.Write(b)
	if p.bar != nil {
		_ = p.bar.Set(p.counter.Rows())
	} else if now := time.Now(); now.Sub(p.last) >= p.every {
		p.last = now
		of := ""
		if p.total >= 0 {
			of = fmt.Sprintf(" of %d", p.total)
		}
		rows := p.counter.Rows()
		fmt.Fprintf(p.out, "exporting: %d%s rows, %.0f rows/s\n", rows, of, float64(rows)/now.Sub(p.start).Seconds())
	}
	return n, err
}

// finish takes the bar off the terminal.
func (p *exportProgress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
