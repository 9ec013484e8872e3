package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
)

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
		o                   importRun
		poll, linesInterval time.Duration
	)
	cmd := &cobra.Command{
		Use:   "import (--instance ID [--dry-run] FILE | --job ID)",
		Short: "Import enrollments from a CSV or NDJSON file into a program instance, showing progress",
		Long: "Upload FILE to a running server (--url, --key or ENROLL_URL, ENROLL_KEY) for import into the program instance --instance,\n" +
			"then follow the job: a progress bar on a terminal (rows, rows/s, ETA), plain lines otherwise. At the end it prints a summary,\n" +
			"writes the rows' errors to FILE.errors.csv (or --errors; the header row alone when there are none) and names that file.\n" +
			"FILE may also be - for standard input, or another pipe (/dev/stdin, /dev/fd/N), whose format --format gives: its errors\n" +
			"then go to ID.errors.csv in the current directory, ID being the import job's. Rows whose participant already holds an open\n" +
			"enrollment in the instance are skipped, so running the same file again creates no duplicates and finishes an interrupted import.\n" +
			"With --job ID and no FILE it follows an import already started (one this command was interrupted in, or one started\n" +
			"through the API) to its end the same way, writing its errors to ID.errors.csv (or --errors).\n" +
			"It fails (exit status 1) when the import fails; rows with errors do not make it fail.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.poll, o.lines, o.tty, o.url, o.stdin = poll, linesInterval, isTerminal(m.Stderr), r.url, m.Stdin
			if err := o.check(cmd, args); err != nil {
				return err
			}
			c, err := r.client()
			if err != nil {
				return err
			}
			if o.job != "" {
				return m.followJob(cmd.Context(), c, o)
			}
			return m.runImport(cmd.Context(), c, o)
		},
	}
	r.flags(cmd)
	cmd.Flags().StringVar(&o.instance, "instance", "", "the program instance to import into (required with FILE)")
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "validate every row and count what would be created or skipped, writing nothing")
	cmd.Flags().StringVar(&o.format, "format", "", "csv or ndjson (default: from the file's extension; standard input, -, has none)")
	cmd.Flags().StringVar(&o.errorsPath, "errors", "",
		"where to write the rows' errors as CSV, - for standard output (the summary then goes to standard error) (default FILE.errors.csv; ID.errors.csv in the current directory, after the job, with --job or when FILE is standard input (-) or a pipe)")
	cmd.Flags().StringVar(&o.job, "job", "", "follow the import job `ID`, already started (as the interrupted command said), instead of uploading a FILE")
	cmd.Flags().DurationVar(&poll, "poll", 500*time.Millisecond, "how often to ask the server for progress")
	cmd.Flags().DurationVar(&linesInterval, "progress-every", 5*time.Second, "how often to print a progress line when not on a terminal")
	return cmd
}

// importRun is one import command's settings.
type importRun struct {
	path, instance, format, errorsPath string
	// job is the import to follow, when there is no file to upload.
	job         string
	dryRun      bool
	poll, lines time.Duration
	// tty draws progress bars rather than lines.
	tty bool
	// url is the server's, for the command that follows a job again.
	url string
	// stdin is what FILE "-" reads: the command's standard input.
	stdin io.Reader
}

// stdinName is the FILE that reads standard input, as for cat and tar.
const stdinName = "-"

// name names the FILE in messages: "standard input" for "-", which
// would read as a stray dash.
func (o *importRun) name() string {
	if o.path == stdinName {
		return "standard input"
	}
	return o.path
}

// check refuses settings that do not make an import, before anything is
// uploaded, and fills in the defaults: the file's format, where its errors
// go.
func (o *importRun) check(cmd *cobra.Command, args []string) error {
	if o.job != "" {
		if len(args) > 0 {
			return fmt.Errorf("--job follows an import already started: give it no FILE (%s)", args[0])
		}
		for _, name := range []string{"dry-run", "format"} {
			if cmd.Flags().Changed(name) {
				return fmt.Errorf("--%s applies to a FILE to upload, not to --job: the job has its own", name)
			}
		}
		if !enroll.ValidID(o.job) {
			return fmt.Errorf("--job %q is not an import id (24 lowercase letters and digits)", o.job)
		}
		if o.errorsPath == "" {
			o.errorsPath = jobErrorsPath(o.job)
		}
		if err := checkErrorsOutput(o.errorsPath); err != nil {
			return fmt.Errorf("--errors: %w", err)
		}
		return nil
	}
	if len(args) == 0 {
		return errors.New("give the FILE to import (or --job ID to follow an import already started)")
	}
	if o.instance == "" {
		return errors.New("--instance (or ENROLL_INSTANCE) is required")
	}
	o.path = args[0]
	if o.format == "" {
		f, err := formatOf(o.name())
		if err != nil {
			return err
		}
		o.format = f
	} else if f, err := formatOf("." + o.format); err != nil {
		return fmt.Errorf("--format %q: use csv or ndjson", o.format)
	} else {
		o.format = f
	}
	in, beside, err := o.checkInput()
	if err != nil {
		return err
	}
	switch {
	case o.errorsPath != "":
	case beside:
		o.errorsPath = o.path + ".errors.csv"
	default:
		// Named after the job once it exists (runImport); the directory is
		// checked now, like any --errors, not after an upload and an import.
		wd, err := os.Getwd()
		if err != nil {
			wd = "."
		}
		if err := checkDirWritable(wd); err != nil {
			return fmt.Errorf("--errors: the errors of %s go to the current directory, as ID.errors.csv after the import job's ID, "+
				"and no file can be made there (%w): give --errors PATH", o.name(), err)
		}
		return nil
	}
	// Found out now, not after an upload and an import.
	if err := checkErrorsOutput(o.errorsPath); err != nil {
		return fmt.Errorf("--errors: %w", err)
	}
	return o.checkErrorsNotInput(in)
}

// checkErrorsNotInput refuses an --errors that is the file to import,
// in, by its name, through a link or redirected to standard input: the
// errors file would replace the customer list it reports on (one slip of
// tab completion away).
func (o *importRun) checkErrorsNotInput(in os.FileInfo) error {
	if in == nil || o.errorsPath == stdoutName {
		return nil
	}
	_, out, err := outputTarget(o.errorsPath)
	if err != nil || out == nil {
		return err
	}
	if os.SameFile(in, out) {
		return fmt.Errorf("--errors %s is the file to import, %s: its errors would replace it; give another path", o.errorsPath, o.name())
	}
	return nil
}

// jobErrorsPath is where the errors of job id go by default when there is
// no FILE to name them after: `--job ID`, or a FILE that is a stream.
func jobErrorsPath(id string) string {
	return id + ".errors.csv"
}

// checkInput reports whether FILE is a file the import can read: a
// regular file, or a pipe or a terminal (-, /dev/stdin) streamed as it
// comes, and returns what it is (nil for a reader that is no file, as
// tests give). beside says whether its errors file goes beside it
// (FILE.errors.csv): only for a regular file of the user's. A pipe or a
// terminal is a stream, not a file to name another after, and standard
// input however it is named (-, /dev/stdin, /dev/fd/0, /proc/self/fd/0,
// even redirected from a regular file) has no name, or lives in /dev or
// /proc, where nobody should write and an unprivileged user cannot.
func (o *importRun) checkInput() (st os.FileInfo, beside bool, err error) {
	if o.path == stdinName {
		f, ok := o.stdin.(*os.File)
		if !ok {
			return nil, false, nil // a reader of the caller's, as tests give
		}
		st, err := f.Stat()
		if err != nil {
			return nil, false, fmt.Errorf("standard input: %w", err)
		}
		return st, false, checkInputMode(o.name(), st)
	}
	st, err = os.Stat(o.path)
	if err != nil {
		return nil, false, err
	}
	if err := checkInputMode(o.path, st); err != nil {
		return nil, false, err
	}
	return st, st.Mode().IsRegular() && !systemFile(o.path), nil
}

// checkInputMode refuses a FILE, named name, that is neither a regular
// file nor a pipe or a terminal: a directory, a socket.
func checkInputMode(name string, st os.FileInfo) error {
	switch {
	case st.IsDir():
		return fmt.Errorf("%s is a directory, not a file to import", name)
	case !st.Mode().IsRegular() && st.Mode()&(os.ModeNamedPipe|os.ModeCharDevice) == 0:
		return fmt.Errorf("%s is not a file to import (%v)", name, st.Mode().Type())
	}
	return nil
}

// systemFile reports whether path names a file under /dev or /proc: a
// device, or one of the process's descriptors, not a file of the user's.
func systemFile(path string) bool {
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	for _, dir := range []string{"/dev/", "/proc/"} {
		if strings.HasPrefix(abs, dir) {
			return true
		}
	}
	return false
}

// runImport uploads o.path and follows the job it makes.
func (m *Main) runImport(ctx context.Context, c *client.Client, o importRun) error {
	body, size, err := o.open()
	if err != nil {
		return err
	}
	defer body.Close()
	start := time.Now()
	// A file is sent as a section of it, every time, so that the
	// transport's closing the body of a request refused does not close
	// the file a retry reads.
	reread := o.rereader(body, size)
	var first io.ReadCloser = body
	if reread != nil {
		first = io.NopCloser(reread())
	}

	// The upload: a byte bar on a terminal.
	sent := &sentReader{ReadCloser: first, size: size}
	req := client.ImportRequest{Format: o.format, DryRun: o.dryRun, Body: sent, Size: size}
	var up *progressbar.ProgressBar
	if o.tty {
		up = progressbar.NewOptions64(cmp.Or(size, -1), progressbar.OptionSetWriter(m.Stderr), progressbar.OptionSetDescription("uploading"),
			progressbar.OptionShowBytes(true), progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionSetWidth(30))
		req.Progress = func(n int64) { _ = up.Set64(n) }
	} else if size > 0 {
		fmt.Fprintf(m.Stderr, "Uploading %s (%s)...\n", o.name(), byteSize(size))
	} else {
		fmt.Fprintf(m.Stderr, "Uploading %s...\n", o.name())
	}
	var im *enroll.Import
	var notices io.Writer = m.Stderr
	if up != nil {
		notices = barLines{bar: up, w: m.Stderr}
	}
	err = retryBusy(ctx, notices, "the upload", func() error {
		var err error
		im, err = c.StartImport(ctx, o.instance, req)
		return err
	}, func() error {
		// Refused (429, 503): the server made no job of it. A file is
		// read again from where it started; a stream only when the
		// refusal came before any of it was read, which the upload's
		// Expect: 100-continue lets a server do.
		switch {
		case reread != nil:
			sent = &sentReader{ReadCloser: io.NopCloser(reread()), size: size}
		case sent.started.Load():
			return fmt.Errorf("%w: %s, a stream, was read by the upload refused", errCannotResend, o.name())
		}
		req.Body = sent
		return nil
	})
	uploaded := time.Since(start)
	if up != nil {
		_ = up.Finish()
	}
	if err != nil && ctx.Err() != nil && sent.whole.Load() {
		// Sent whole, the server may have made the job before the
		// interrupt cut its answer off.
		fmt.Fprintf(m.Stderr, "Interrupted after %s was sent whole, before the server answered: it may have started an import of it.\n"+
			"Running the same command again is safe: rows already imported are skipped.\n", o.name())
		return errInterrupted
	}
	if err != nil && ctx.Err() != nil {
		// The server makes no job of a file it did not receive whole.
		fmt.Fprintf(m.Stderr, "Interrupted during the upload of %s: the server starts no import of a file it did not receive whole.\n"+
			"Run the same command again to import it (rows already imported are skipped).\n", o.name())
		return errInterrupted
	}
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	if !enroll.ValidID(im.ID) {
		// It names the errors file: an answer from something else at --url
		// must not choose where the command writes.
		return fmt.Errorf("upload: the server answered a job id that is no id (%q): is --url an Enroll server?", im.ID)
	}
	if o.errorsPath == "" {
		o.errorsPath = jobErrorsPath(im.ID)
	}
	fmt.Fprintf(m.Stderr, "%s %s of %s: %s to %s.\n", jobKind(im), im.ID, o.name(), enroll.Quantity(im.TotalRows, "row", "rows"),
		map[bool]string{true: "check", false: "import"}[o.dryRun])
	for _, e := range im.Errors {
		fmt.Fprintf(m.Stderr, "  row %d: %s: %s\n", e.Row, shown(e.Field), shown(e.Message))
	}
	// The upload, then the job by its own times: a job that stopped with
	// its server ended at its last progress, not when this command found
	// out.
	return m.follow(ctx, c, im, o, rateMeter{start: start}, func(done *enroll.Import) time.Duration { return uploaded + jobTook(done) })
}

// open opens FILE, or takes standard input for "-" (which it leaves open
// when closed), and returns it with the size of what is to be read: a
// regular file's from where reading starts, 0 for a stream, which is
// sent chunked.
func (o *importRun) open() (io.ReadCloser, int64, error) {
	if o.path == stdinName {
		f, ok := o.stdin.(*os.File)
		if !ok {
			return io.NopCloser(o.stdin), 0, nil
		}
		// Read from where it stands, as cat - reads: a shell may have
		// read part of it already.
		return io.NopCloser(f), regularSize(f), nil
	}
	f, err := os.Open(o.path)
	if err != nil {
		return nil, 0, err
	}
	return f, regularSize(f), nil
}

// rereader returns a function that gives the size bytes of FILE, opened
// as body, again from where they start, for an upload sent again: a
// regular file's, read with ReadAt, so that a read of the request given
// up, which the transport may still make, does not move it. It returns
// nil for a stream (size 0), which cannot be read twice. It is called
// before body is read.
func (o *importRun) rereader(body io.Reader, size int64) func() io.Reader {
	if size <= 0 {
		return nil
	}
	f, ok := body.(*os.File)
	if o.path == stdinName {
		f, ok = o.stdin.(*os.File)
	}
	if !ok {
		return nil
	}
	at, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil
	}
	return func() io.Reader { return io.NewSectionReader(f, at, size) }
}

// regularSize returns how many bytes f holds from its offset on when it
// is a regular file, 0 when that is not known (a pipe, a terminal).
func regularSize(f *os.File) int64 {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return 0
	}
	at, err := f.Seek(0, io.SeekCurrent)
	if err != nil || at > st.Size() {
		return 0
	}
	return st.Size() - at
}

// jobKind names an import job in messages.
func jobKind(im *enroll.Import) string {
	if im.DryRun {
		return "Dry run"
	}
	return "Import"
}

// stdoutName is the --errors that writes the errors to standard output.
const stdoutName = "-"

// checkErrorsOutput is checkOutput for --errors, which may be standard
// output.
func checkErrorsOutput(path string) error {
	if path == stdoutName {
		return nil
	}
	return checkOutput(path)
}

// saveImportErrors writes a job's errors to path as CSV, replacing the
// file only once the whole list has arrived, or to standard output for
// "-".
func (m *Main) saveImportErrors(ctx context.Context, c *client.Client, id, path string) error {
	// A 429 or 503 comes before any of the file: it is asked for again.
	download := func(w io.Writer) error {
		return retryBusy(ctx, m.Stderr, "the request for the errors", func() error {
			_, err := c.WriteImportErrorsCSV(ctx, id, w)
			return err
		}, nil)
	}
	if path == stdoutName {
		if err := download(m.Stdout); err != nil {
			return fmt.Errorf("errors of import %s: %w", id, err)
		}
		return nil
	}
	out, err := createOutput(path)
	if err != nil {
		return err
	}
	if err := download(out); err != nil {
		out.abort()
		return fmt.Errorf("errors of import %s: %w", id, err)
	}
	return out.commit()
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

// sentReader is an upload's body that records whether it was read to its
// end, which tells an interrupted upload whether the server may have made
// a job of it.
type sentReader struct {
	io.ReadCloser
	// size is the body's length, 0 when unknown. The body counts as read
	// whole once that many bytes are read: the transport sends them before
	// the read that meets io.EOF, so the server may have them, and may
	// have answered, before that read.
	size  int64
	read  int64
	whole atomic.Bool
	// started records that a read began: the body was read, in part at
	// least, and a stream cannot be sent again.
	started atomic.Bool
}

// Read reads from the body and records its end.
func (r *sentReader) Read(p []byte) (int, error) {
	r.started.Store(true)
	n, err := r.ReadCloser.Read(p)
	r.read += int64(n)
	if err == io.EOF || (r.size > 0 && r.read >= r.size) {
		r.whole.Store(true)
	}
	return n, err
}
