package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/enrollhq/enroll"
)

// newClient returns the HTTP client deliveries use: no redirects (a 3xx is
// a failed attempt, so a receiver cannot bounce events to another host),
// no proxy from the environment, and — unless allowPrivate — a dialer that
// refuses loopback, private and other non-public addresses. The check runs
// on the address actually dialled, after DNS resolution, so a name that
// resolves to an internal address (or is rebound to one) is refused too.
// maxResponseHeaderBytes bounds the header of a receiver's answer; past
// it the attempt fails.
const maxResponseHeaderBytes = 64 << 10

func newClient(allowPrivate bool, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.Control = refusePrivate
	}
	t := &http.Transport{
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		// A receiver's answer is a status, its body cut at 256 bytes:
		// a header of megabytes (Go reads up to 10 MiB by default), at
		// each of hundreds of attempts at once, held gigabytes.
		MaxResponseHeaderBytes: maxResponseHeaderBytes,
	}
	return &http.Client{
		Transport: t,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// refusePrivate is a net.Dialer Control function: it runs after name
// resolution, before connecting, with the IP address about to be dialled.
func refusePrivate(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !enroll.PublicAddress(ip) {
		return fmt.Errorf("%w: %s (start the server with --webhook-allow-private to allow it)", ErrPrivateAddress, host)
	}
	return nil
}

// ErrPrivateAddress is the error of an attempt refused because the
// endpoint resolved to a loopback, private or otherwise non-public address.
var ErrPrivateAddress = errors.New("webhook: refused a non-public address")
