package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/enrollhq/enroll"
)

// ImportRequest is a file to import.
type ImportRequest struct {
	// Format is enroll.FormatCSV or enroll.FormatNDJSON.
	Format string
	// DryRun validates every row and counts what would be created or
	// skipped, writing nothing.
	DryRun bool
	// Body is the file, streamed as it is read. It is required. When
	// ctx ends during the upload, StartImport returns at once, even while
	// a read of Body (a stalled pipe) waits, and closes Body if it is an
	// io.Closer, which ends such a read where closing can: Close may
	// then run while that read is under way, which an *os.File or a
	// pipe allows; a Body whose Close must not overlap its Read should
	// not be an io.Closer.
	Body io.Reader
	// Size is the file's size in bytes, or 0 when unknown.
	Size int64
	// Progress, when set, is called with the bytes sent so far as the
	// upload proceeds.
	Progress func(sent int64)
}

// contentTypes are the media types of the import formats.
var contentTypes = map[string]string{enroll.FormatCSV: "text/csv", enroll.FormatNDJSON: "application/x-ndjson"}

// StartImport uploads a file into a program instance and returns the job,
// queued: the server imports it in the background (see WaitImport). The
// upload asks Expect: 100-continue, so that a server refusing it before
// reading it (401, 404, 415, a 429 of the rate limit) answers before the
// file is sent, and a Body refused so was not read.
func (c *Client) StartImport(ctx context.Context, instanceID string, r ImportRequest) (*enroll.Import, error) {
	if ctx == nil {
		return nil, errNilContext
	}
	ct, ok := contentTypes[r.Format]
	if !ok {
		return nil, fmt.Errorf("enroll: unknown import format %q: use %q or %q", r.Format, enroll.FormatCSV, enroll.FormatNDJSON)
	}
	// A nil reader would reach net/http's writing goroutine inside the
	// counting reader, and crash the process there.
	if r.Body == nil {
		return nil, errors.New("enroll: ImportRequest.Body is required: the file to import")
	}
	q := url.Values{}
	if r.DryRun {
		q.Set("dryRun", "true")
	}
	body := r.Body
	if ctx.Done() != nil {
		body = &ctxReader{ctx: ctx, r: body}
		if r.Size <= 0 {
			body.(*ctxReader).endGrace = streamEndGrace
		}
	}
	if r.Progress != nil {
		// Outside: a read abandoned when ctx ended reports nothing.
		body = &countingReader{r: body, progress: r.Progress}
	}
	length := r.Size
	if length <= 0 {
		length = -1
	}
	// Expect: 100-continue: a server refusing the upload before it
	// reads it (401, 404, 415, a 429 of the rate limit) answers before
	// the file is sent, which is then neither sent for nothing nor read,
	// and a stream can be sent again (net/http's Transport sends the
	// body anyway after its ExpectContinueTimeout, a second by default).
	im := new(enroll.Import)
	err := c.call(ctx, request{method: http.MethodPost, path: "/v1/programInstances/" + esc(instanceID) + "/imports", query: q,
		header: http.Header{"Content-Type": {ct}, "Expect": {"100-continue"}}, body: body, length: length}, im)
	if err != nil {
		if ctx.Err() != nil {
			// ctxReader closes a body it was reading; this one may never
			// have been read (a server slow to answer 100-continue), and
			// its producer would wait on it forever.
			if c, ok := r.Body.(io.Closer); ok {
				_ = c.Close()
			}
		}
		return nil, err
	}
	return im, nil
}

// errNilContext is what StartImport and WaitImport return for a nil
// context, as every other call does (net/http refuses it), rather than
// panic where they read it first.
var errNilContext = errors.New("enroll: nil Context")

// countingReader reports how much has been read.
type countingReader struct {
	r        io.Reader
	n        int64
	progress func(int64)
}

func (cr *countingReader) Read(p []byte) (int, error) {
	n, err := cr.r.Read(p)
	cr.n += int64(n)
	cr.progress(cr.n)
	return n, err
}

// ctxReader is an upload's body that ends with its context. net/http
// returns from a cancelled request only once the body's Read has returned,
// and a Read of a pipe whose producer stalls (or of a terminal) returns
// only when it writes or closes: each read runs in a goroutine of its own,
// into a buffer of its own, so that Read can return ctx's error at once,
// leaving a read still waiting to write into nothing the caller holds.
type ctxReader struct {
	ctx context.Context
	// r is the caller's reader, closed when ctx ends if an io.Closer.
	r io.Reader
	// endGrace is how long the end of r waits for ctx to end before it
	// ends the body (streamEndGrace for a stream, 0 for a file).
	endGrace time.Duration
	buf      []byte
	done     chan readResult
}

// streamEndGrace is how long the end of a stream of unknown size (a pipe)
// waits before it ends the upload. Ctrl-C reaches the whole pipeline at
// once: the producer dies and its pipe ends a moment before the
// interrupt ends ctx, and a body ended then would be taken whole by the
// server, which would import the cut file. Ended with ctx instead, the
// request is abandoned and the server starts nothing.
const streamEndGrace = 200 * time.Millisecond

type readResult struct {
	n   int
	err error
}

func (cr *ctxReader) Read(p []byte) (int, error) {
	if err := cr.ctx.Err(); err != nil {
		return 0, err
	}
	if cr.done == nil {
		cr.done = make(chan readResult, 1) // a read left waiting sends without a receiver
	}
	if cap(cr.buf) < len(p) {
		cr.buf = make([]byte, len(p))
	}
	buf := cr.buf[:len(p)]
	go func() {
		n, err := cr.r.Read(buf)
		cr.done <- readResult{n, err}
	}()
	select {
	case res := <-cr.done:
		if res.err == io.EOF && cr.endGrace > 0 {
			select {
			case <-cr.ctx.Done():
				return 0, cr.ctx.Err()
			case <-time.After(cr.endGrace):
			}
		}
		return copy(p, buf[:res.n]), res.err
	case <-cr.ctx.Done():
		if c, ok := cr.r.(io.Closer); ok {
			_ = c.Close()
		}
		return 0, cr.ctx.Err()
	}
}

// GetImport returns an import job: its status, counters and first errors.
func (c *Client) GetImport(ctx context.Context, id string) (*enroll.Import, error) {
	return get[enroll.Import](c, ctx, "/v1/imports/"+esc(id), nil)
}

// WaitImport polls a job every interval (0: half a second) until it
// finishes, calling progress (when set) with each state read, and returns
// the finished job. A failed job is returned without error: its Message
// says why.
//
// A poll that fails in a way that may pass (IsTransient: the server
// restarting, 429, 502, 503, 504) is sent again, after the Retry-After the
// server asked for or a growing backoff, for up to c.RetryFor of failures
// in a row (each reported to c.RetryNotify, when set); then WaitImport
// gives up with an error that IsTransient still reports, and the job may
// well go on on the server. When ctx is done it
// returns ctx's error; the job goes on then too. With any error it
// returns the last state read, nil before the first.
func (c *Client) WaitImport(ctx context.Context, id string, interval time.Duration, progress func(*enroll.Import)) (*enroll.Import, error) {
	if ctx == nil {
		return nil, errNilContext
	}
	if interval <= 0 {
		interval = 500 * time.Millisecond
	}
	retryFor := c.RetryFor
	if retryFor <= 0 {
		retryFor = defaultRetryFor
	}
	var (
		last         *enroll.Import
		failingSince time.Time
		backoff      time.Duration
	)
	for {
		wait := interval
		im, err := c.GetImport(ctx, id)
		switch {
		case ctx.Err() != nil:
			return last, ctx.Err()
		case err != nil && !IsTransient(err):
			return last, err
		case err != nil:
			now := time.Now()
			if failingSince.IsZero() {
				failingSince, backoff = now, interval
			}
			left := retryFor - now.Sub(failingSince)
			if left <= 0 {
				return last, fmt.Errorf("enroll: import %s: giving up after %v of failed polls; the job may still be running on the server: %w",
					id, now.Sub(failingSince).Round(time.Second), err)
			}
			wait = min(retryDelay(err, backoff), left)
			backoff = min(2*backoff, maxBackoff)
			if c.RetryNotify != nil {
				c.RetryNotify(err, wait)
			}
		default:
			failingSince, last = time.Time{}, im
			if progress != nil {
				progress(im)
			}
			if im.Finished() {
				return im, nil
			}
		}
		if err := sleep(ctx, wait); err != nil {
			return last, err
		}
	}
}

// ListImportErrors returns a page of a job's errors, in row order.
func (c *Client) ListImportErrors(ctx context.Context, id string, o ListOptions) (*enroll.Page[enroll.ImportError], error) {
	return get[enroll.Page[enroll.ImportError]](c, ctx, "/v1/imports/"+esc(id)+"/errors", o.values())
}

// AllImportErrors returns every error of a job from the page o asks for
// on, in row order, following nextPageToken.
func (c *Client) AllImportErrors(ctx context.Context, id string, o ListOptions) iter.Seq2[enroll.ImportError, error] {
	return pages(o, func(o ListOptions) (*enroll.Page[enroll.ImportError], error) {
		return c.ListImportErrors(ctx, id, o)
	})
}

// WriteImportErrorsCSV writes every error of a job to w as CSV (row,
// field, message, with a header row) and returns the bytes written.
func (c *Client) WriteImportErrorsCSV(ctx context.Context, id string, w io.Writer) (int64, error) {
	return c.download(ctx, "/v1/imports/"+esc(id)+"/errors", nil, w)
}

// ExportEnrollments writes every enrollment of one instance (or of every
// instance the key sees, when instanceID is "") that matches q to w as
// CSV, streamed, and returns the bytes written. Paging options do not
// apply; the sort does. The columns are those an import takes, so the
// file imports as it is. An export cut short by the server returns an
// error.
func (c *Client) ExportEnrollments(ctx context.Context, instanceID string, q EnrollmentQuery, w io.Writer) (int64, error) {
	v := q.values()
	for _, k := range []string{"page", "perPage", "pageToken"} {
		v.Del(k)
	}
	return c.download(ctx, enrollmentsPath(instanceID), v, w)
}

// download copies a CSV answer to w.
func (c *Client) download(ctx context.Context, path string, query url.Values, w io.Writer) (int64, error) {
	res, err := c.do(ctx, request{method: http.MethodGet, path: path, query: query, header: http.Header{"Accept": {"text/csv"}}})
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	// Something else at the base URL (a sign-in proxy's page) can answer
	// 200 too: only CSV is written as CSV.
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "text/csv" {
		return 0, fmt.Errorf("enroll: GET %s: the answer is %q, not CSV: is the base URL an Enroll server's?", path, res.Header.Get("Content-Type"))
	}
	n, err := io.Copy(w, res.Body)
	if err != nil {
		return n, fmt.Errorf("enroll: GET %s: the export stopped after %s bytes: %w", path, strconv.FormatInt(n, 10), err)
	}
	return n, nil
}
