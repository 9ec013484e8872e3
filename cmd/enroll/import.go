package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
)

// remote is what the commands that talk to a running server share.
type remote struct {
	url, key string
}

func (r *remote) flags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&r.url, "url", "http://127.0.0.1:8080", "the Enroll server's base URL")
	cmd.Flags().StringVar(&r.key, "key", "", "an API key secret (sk_…); better given as ENROLL_KEY than on the command line")
}

func (r *remote) client() (*client.Client, error) {
	if r.key == "" {
		return nil, errors.New("an API key is needed: set ENROLL_KEY (or --key)")
	}
	return client.New(r.url, r.key), nil
}

// isTerminal reports whether w is a terminal, where progress is drawn as
// a bar; anywhere else (a pipe, a log file, CI) it is printed as lines.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// formatOf returns the import format of a file name, by its extension.
func formatOf(name string) (string, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return enroll.FormatCSV, nil
	case ".ndjson", ".jsonl":
		return enroll.FormatNDJSON, nil
	}
	return "", fmt.Errorf("cannot tell the format of %s from its extension (.csv, .ndjson, .jsonl): use --format", name)
}

func (m *Main) importCommand() *cobra.Command {
	var (
		r                   remote
		instance, format    string
		errorsPath          string
		dryRun              bool
		poll, linesInterval time.Duration
	)
	cmd := &cobra.Command{
		Use:   "import --instance ID [--dry-run] FILE",
		Short: "Import enrollments from a CSV or NDJSON file into a program instance, showing progress",
		Long: "Upload FILE to a running server (--url, --key or ENROLL_URL, ENROLL_KEY) for import into the program instance --instance,\n" +
			"then follow the job: a progress bar on a terminal (rows, rows/s, ETA), plain lines otherwise. At the end it prints a summary\n" +
			"and writes the rows' errors to FILE.errors.csv (or --errors). Rows whose participant already holds an open enrollment in the\n" +
			"instance are skipped, so running the same file again creates no duplicates and finishes an interrupted import.\n" +
			"It fails (exit status 1) when the import fails; rows with errors do not make it fail.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if instance == "" {
				return errors.New("--instance (or ENROLL_INSTANCE) is required")
			}
			c, err := r.client()
			if err != nil {
				return err
			}
			path := args[0]
			if format == "" {
				if format, err = formatOf(path); err != nil {
					return err
				}
			} else if format, err = formatOf("." + format); err != nil {
				return fmt.Errorf("--format %s: use csv or ndjson", format)
			}
			if errorsPath == "" {
				errorsPath = path + ".errors.csv"
			}
			// Found out now, not after an upload and an import.
			if err := checkOutput(errorsPath); err != nil {
				return fmt.Errorf("--errors: %w", err)
			}
			return m.runImport(cmd.Context(), c, importRun{path: path, instance: instance, format: format, dryRun: dryRun,
				errorsPath: errorsPath, poll: poll, lines: linesInterval, tty: isTerminal(m.Stderr)})
		},
	}
	r.flags(cmd)
	cmd.Flags().StringVar(&instance, "instance", "", "the program instance to import into (required)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "validate every row and count what would be created or skipped, writing nothing")
	cmd.Flags().StringVar(&format, "format", "", "csv or ndjson (default: from the file's extension)")
	cmd.Flags().StringVar(&errorsPath, "errors", "", "where to write the rows' errors as CSV (default FILE.errors.csv)")
	cmd.Flags().DurationVar(&poll, "poll", 500*time.Millisecond, "how often to ask the server for progress")
	cmd.Flags().DurationVar(&linesInterval, "progress-every", 5*time.Second, "how often to print a progress line when not on a terminal")
	return cmd
}

// importRun is one import command's settings.
type importRun struct {
	path, instance, format, errorsPath string
	dryRun                             bool
	poll, lines                        time.Duration
	// tty draws progress bars rather than lines.
	tty bool
}

func (m *Main) runImport(ctx context.Context, c *client.Client, o importRun) error {
	f, err := os.Open(o.path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	tty := o.tty
	start := time.Now()

	// The upload: a byte bar on a terminal.
	req := client.ImportRequest{Format: o.format, DryRun: o.dryRun, Body: f, Size: st.Size()}
	var up *progressbar.ProgressBar
	if tty {
		up = progressbar.NewOptions64(st.Size(), progressbar.OptionSetWriter(m.Stderr), progressbar.OptionSetDescription("uploading"),
			progressbar.OptionShowBytes(true), progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionSetWidth(30))
		req.Progress = func(n int64) { _ = up.Set64(n) }
	} else {
		fmt.Fprintf(m.Stderr, "Uploading %s (%s)...\n", o.path, byteSize(st.Size()))
	}
	im, err := c.StartImport(ctx, o.instance, req)
	if up != nil {
		_ = up.Finish()
	}
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	what := "Import"
	if o.dryRun {
		what = "Dry run"
	}
	fmt.Fprintf(m.Stderr, "%s %s of %s: %d rows to %s.\n", what, im.ID, o.path, im.TotalRows, map[bool]string{true: "check", false: "import"}[o.dryRun])
	for _, e := range im.Errors {
		fmt.Fprintf(m.Stderr, "  row %d: %s: %s\n", e.Row, e.Field, e.Message)
	}

	// The rows: a bar with rows/s and ETA on a terminal, lines elsewhere.
	var (
		bar       *progressbar.ProgressBar
		lastLine  time.Time
		lastCount = -1
	)
	if tty {
		bar = progressbar.NewOptions(max(im.TotalRows, 1), progressbar.OptionSetWriter(m.Stderr),
			// The library's own rate averages over its redraws and shows "0 rows/hr"
			// after a jump; the rate in the description is the job's own.
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true), progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionShowDescriptionAtLineEnd(), progressbar.OptionClearOnFinish())
	}
	done, err := c.WaitImport(ctx, im.ID, o.poll, func(cur *enroll.Import) {
		if bar != nil {
			if cur.TotalRows > bar.GetMax() {
				bar.ChangeMax(cur.TotalRows)
			}
			// The description first: Set draws, and the counts must be the
			// ones the row count is drawn with.
			bar.Describe(fmt.Sprintf("%d created, %d skipped, %d failed%s", cur.CreatedCount, cur.SkippedCount, cur.FailedRows, rate(cur, start)))
			_ = bar.Set(cur.ProcessedRows)
			return
		}
		if time.Since(lastLine) >= o.lines && cur.ProcessedRows != lastCount && !cur.Finished() {
			lastLine, lastCount = time.Now(), cur.ProcessedRows
			fmt.Fprintf(m.Stderr, "%s: %d/%d rows (%d created, %d skipped, %d failed)%s\n", cur.Status, cur.ProcessedRows, cur.TotalRows,
				cur.CreatedCount, cur.SkippedCount, cur.FailedRows, rate(cur, start))
		}
	})
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return fmt.Errorf("following import %s: %w", im.ID, err)
	}

	elapsed := time.Since(start).Round(time.Millisecond)
	verb := "created"
	if done.DryRun {
		verb = "would be created"
	}
	fmt.Fprintf(m.Stdout, "%s %s %s in %v: %d rows, %d %s, %d skipped (already enrolled), %d failed (%d errors).%s\n",
		what, done.ID, done.Status, elapsed, done.ProcessedRows, done.CreatedCount, verb, done.SkippedCount, done.FailedRows,
		done.ErrorCount, rate(done, start))
	// Written even when empty (the header alone), so that a file left by
	// an earlier run is never taken for this one's.
	if err := m.saveImportErrors(ctx, c, done.ID, o.errorsPath); err != nil {
		return err
	}
	if done.ErrorCount > 0 {
		fmt.Fprintf(m.Stdout, "Errors: %s\n", o.errorsPath)
	}
	if done.Status == enroll.ImportFailed {
		return fmt.Errorf("import %s failed: %s", done.ID, done.Message)
	}
	return nil
}

// saveImportErrors writes a job's errors to path as CSV, replacing the
// file only once the whole list has arrived.
func (m *Main) saveImportErrors(ctx context.Context, c *client.Client, id, path string) error {
	out, err := createOutput(path)
	if err != nil {
		return err
	}
	if _, err := c.WriteImportErrorsCSV(ctx, id, out); err != nil {
		out.abort()
		return fmt.Errorf("errors of import %s: %w", id, err)
	}
	return out.commit()
}

// rate describes an import's speed so far.
func rate(im *enroll.Import, start time.Time) string {
	secs := time.Since(start).Seconds()
	if im.ProcessedRows == 0 || secs <= 0 {
		return ""
	}
	return fmt.Sprintf(" %.0f rows/s", float64(im.ProcessedRows)/secs)
}

// byteSize formats a size in bytes for people.
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for x := n / unit; x >= unit; x /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
