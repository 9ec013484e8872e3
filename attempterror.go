package enroll

import (
	"errors"
	"net"
	"strings"
)

// AttemptErrorText is the text a failed attempt (a webhook delivery's, a
// notification's) records for err. The API shows it to its users, so a
// DNS failure reads without the address of the service's resolver, which
// Go's text quotes ("lookup x on 10.0.0.2:53: no such host") and which
// belongs to the service's internal network: "lookup x: no such host".
// Any other error reads as its own text.
func AttemptErrorText(err error) string {
	var de *net.DNSError
	if !errors.As(err, &de) {
		return err.Error()
	}
	why := de.Err
	switch {
	case de.IsNotFound:
		why = "no such host"
	case de.IsTimeout:
		why = "timed out"
	case strings.Contains(why, ":"):
		// The net package's own reasons ("server misbehaving") hold no
		// colon; one that does is a failed exchange with the resolver
		// ("read udp 10.0.0.5:41000->10.0.0.2:53: connection refused"),
		// which quotes the addresses of both ends.
		why = "the DNS resolver could not be reached"
	}
	return "lookup " + de.Name + ": " + why
}
