package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/enrollhq/enroll/client"
)

// A request the server answers 429 (the key's rate limit spent) or 503
// (its database out of reach) was not carried out, and the answer's
// Retry-After says when to send it again. The requests a command cannot
// do without (an export, an import's upload, its errors file) are sent
// again so, a few times, as WaitImport rides out its polls' failures.
const (
	// busyAttempts is how many times such a request is sent at most.
	busyAttempts = 4
	// busyMaxWait is the longest Retry-After waited for: a server asking
	// for longer is not waited for, and the command fails with its answer.
	busyMaxWait = time.Minute
	// busyBackoff is the wait before the first retry of an answer
	// without Retry-After, doubled at each one after.
	busyBackoff = time.Second
)

// errCannotResend is what again returns when the request cannot be sent
// a second time (an upload whose stream was read).
var errCannotResend = errors.New("cannot be sent again")

// retryBusy calls send until it succeeds, fails otherwise than with a
// 429 or 503, or has been called busyAttempts times, waiting before each
// retry the answer's Retry-After (or a backoff) and saying so on w, a
// line naming what (such as "the export"). Before each retry it calls
// again, when not nil, which prepares the request to be sent again, or
// returns errCannotResend when it cannot be; retryBusy then returns the
// answer, saying why it was not sent again. When ctx ends during a wait it
// returns the answer it waited after.
func retryBusy(ctx context.Context, w io.Writer, what string, send func() error, again func() error) error {
	backoff := busyBackoff
	for attempt := 1; ; attempt++ {
		err := send()
		var p *client.Problem
		if err == nil || !errors.As(err, &p) || (p.Status != http.StatusTooManyRequests && p.Status != http.StatusServiceUnavailable) {
			return err
		}
		wait := backoff
		if p.RetryAfter > 0 {
			wait = p.RetryAfter
		}
		backoff *= 2
		switch {
		case attempt == busyAttempts:
			return fmt.Errorf("%w (sent %d times)", err, attempt)
		case wait > busyMaxWait:
			return fmt.Errorf("%w (the server asks to wait %v, longer than this command waits: run it again later)", err, wait)
		}
		if again != nil {
			if aerr := again(); aerr != nil {
				return fmt.Errorf("%w (%s %v: run the command again)", err, what, aerr)
			}
		}
		fmt.Fprintf(w, "the server answered %d (%s): sending %s again in %v (attempt %d of %d)\n",
			p.Status, failure(err), what, wait.Round(100*time.Millisecond), attempt+1, busyAttempts)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// barLines writes lines to w on a terminal where bar is drawn, taking
// the bar off its line first, so that a line does not run on from it; the
// bar is drawn again below at its next update.
type barLines struct {
	bar *progressbar.ProgressBar
	w   io.Writer
}

// Write clears the bar and writes p.
func (b barLines) Write(p []byte) (int, error) {
	_ = b.bar.Clear()
	return b.w.Write(p)
}
