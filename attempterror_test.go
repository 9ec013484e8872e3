package enroll_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// rewritten wraps a *net.OpError with a text of its own that quotes its
// addresses.
type rewritten struct{ oe *net.OpError }

func (r rewritten) Error() string {
	return "lost " + r.oe.Net + " " + r.oe.Source.String() + "->" + r.oe.Addr.String() + " (" + r.oe.Err.Error() + ")"
}

func (r rewritten) Unwrap() error { return r.oe }

func TestAttemptErrorText(t *testing.T) {
	t.Parallel()
	// As http.Client and net.Dialer wrap a failed look-up.
	dial := func(de *net.DNSError) error {
		return &url.Error{Op: "Post", URL: "https://hooks.example.invalid/", Err: &net.OpError{Op: "dial", Net: "tcp", Err: de}}
	}
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"no such host", dial(&net.DNSError{Err: "no such host", Name: "hooks.example.invalid", Server: "10.0.0.2:53", IsNotFound: true}),
			"lookup hooks.example.invalid: no such host"},
		{"timeout", dial(&net.DNSError{Err: "i/o timeout", Name: "hooks.example.com", Server: "10.0.0.2:53", IsTimeout: true}),
			"lookup hooks.example.com: timed out"},
		{"server misbehaving", dial(&net.DNSError{Err: "server misbehaving", Name: "hooks.example.com", Server: "10.0.0.2:53"}),
			"lookup hooks.example.com: server misbehaving"},
		{"resolver unreachable", dial(&net.DNSError{Err: "read udp 10.0.0.5:41000->10.0.0.2:53: read: connection refused",
			Name: "hooks.example.com", Server: "10.0.0.2:53", IsTemporary: true}),
			"lookup hooks.example.com: the DNS resolver could not be reached"},
		{"wrapped with %w", fmt.Errorf("smtp: %w", &net.DNSError{Err: "no such host", Name: "smtp.example.invalid", Server: "[fd00::53]:53", IsNotFound: true}),
			"lookup smtp.example.invalid: no such host"},
		// Other errors keep their text: the endpoint's address is the
		// user's own.
		{"refused", &url.Error{Op: "Post", URL: "https://203.0.113.5/", Err: errors.New("dial tcp 203.0.113.5:443: connect: connection refused")},
			`Post "https://203.0.113.5/": dial tcp 203.0.113.5:443: connect: connection refused`},
		{"reset", &url.Error{Op: "Post", URL: "https://203.0.113.5/", Err: &net.OpError{Op: "read", Net: "tcp",
			Source: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 5), Port: 41000}, Addr: &net.TCPAddr{IP: net.IPv4(203, 0, 113, 5), Port: 443},
			Err: errors.New("connection reset by peer")}},
			`Post "https://203.0.113.5/": read tcp 203.0.113.5:443: connection reset by peer`},
		// A failure that Go reports with the local end alone (no peer
		// address) still reads without it.
		{"local address only", &url.Error{Op: "Post", URL: "https://203.0.113.5/", Err: &net.OpError{Op: "write", Net: "tcp",
			Source: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 5), Port: 41000}, Err: errors.New("broken pipe")}},
			`Post "https://203.0.113.5/": write tcp: broken pipe`},
		{"local address only, IPv6, wrapped with %w", fmt.Errorf("smtp: %w", &net.OpError{Op: "read", Net: "tcp6",
			Source: &net.TCPAddr{IP: net.ParseIP("fd00::5"), Port: 41000}, Err: errors.New("i/o timeout")}),
			`smtp: read tcp6: i/o timeout`},
		{"rewritten by its wrapper", rewritten{&net.OpError{Op: "read", Net: "tcp", Source: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 5), Port: 41000},
			Addr: &net.TCPAddr{IP: net.IPv4(203, 0, 113, 5), Port: 443}, Err: errors.New("connection reset by peer")}},
			`lost tcp 203.0.113.5:443 (connection reset by peer)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := enroll.AttemptErrorText(tt.err); got != tt.want {
				t.Errorf("AttemptErrorText(%q) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
	// A real failed look-up: .invalid never resolves (RFC 6761), and
	// needs no internet to fail.
	_, err := (&net.Dialer{}).DialContext(context.Background(), "tcp", "hooks.invalid:443")
	if err == nil {
		t.Fatal("hooks.invalid resolved")
	}
	if got := enroll.AttemptErrorText(err); !strings.HasPrefix(got, "lookup hooks.invalid: ") || strings.Contains(got, " on ") {
		t.Errorf("AttemptErrorText(%q) = %q, want the look-up's error without the resolver", err, got)
	}
}
