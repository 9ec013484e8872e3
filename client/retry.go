package client

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/enrollhq/enroll"
)

// defaultRetryFor is how long WaitImport rides out failing polls when
// Client.RetryFor is 0: long enough for a server to restart.
const defaultRetryFor = 2 * time.Minute

// maxBackoff bounds the wait between two failing polls, so a server back
// up is noticed within seconds.
const maxBackoff = 10 * time.Second

// IsTransient reports whether err is a failure that may pass if the same
// request is sent again later: no connection (a server restarting), a
// connection cut, a timeout, an answer 429, 502, 503 or 504, a 409
// with a Retry-After (a request with the same Idempotency-Key still
// running), or the 422 of an events poll after an event not yet
// published (ListEvents or AllEvents with After the newest event read
// from a list, within moments of its commit). A request canceled by its
// context is not; neither is any other answer.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var p *Problem
	if errors.As(err, &p) {
		switch p.Status {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		case http.StatusConflict:
			return p.RetryAfter > 0
		case http.StatusUnprocessableEntity:
			return afterUnpublished(p)
		}
		return false
	}
	// A host that does not exist will not come to exist by waiting.
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return false
	}
	var op *net.OpError
	var ne net.Error
	return errors.As(err, &op) || errors.As(err, &ne) && ne.Timeout() ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}

// afterUnpublished reports whether p is the 422 of an after= naming an
// event the server has not published yet: it answers the poll once the
// dispatcher has, within moments. The problem says so in its "after":
// "unpublished" member; a server older than the member, in its field
// error's message alone.
func afterUnpublished(p *Problem) bool {
	if v, _ := p.Extra[enroll.AfterMember].(string); v == enroll.AfterUnpublishedValue {
		return true
	}
	for _, f := range p.Errors {
		if f.Location == "query.after" && f.Message == enroll.AfterUnpublished {
			return true
		}
	}
	return false
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date.
// It returns 0 when there is none, or it is malformed or past.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil {
		return max(time.Duration(s)*time.Second, 0)
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// retryDelay is how long to wait after a transient failure err: what the
// server asked for in Retry-After, else backoff.
func retryDelay(err error, backoff time.Duration) time.Duration {
	var p *Problem
	if errors.As(err, &p) && p.RetryAfter > 0 {
		return p.RetryAfter
	}
	return backoff
}

// sleep waits d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
