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
// A failure on an open connection reads without the service's own local
// address, which Go's text gives before the peer's ("read tcp
// 10.0.0.5:41000->203.0.113.5:443: connection reset by peer"), or alone
// when there is no peer ("write tcp 10.0.0.5:41000: broken pipe"), for
// the same reason. Any other error reads as its own text.
func AttemptErrorText(err error) string {
	var de *net.DNSError
	if !errors.As(err, &de) {
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Source != nil {
			return withoutSource(err.Error(), oe)
		}
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

// withoutSource returns text, the text of an error wrapping oe, with oe's
// part as Go writes it without the local address. A wrapper that rewrote
// oe's text loses the address wherever it stands, with its separator.
func withoutSource(text string, oe *net.OpError) string {
	bare := *oe
	bare.Source = nil
	if full := oe.Error(); strings.Contains(text, full) {
		return strings.Replace(text, full, bare.Error(), 1)
	}
	src := oe.Source.String()
	text = strings.ReplaceAll(text, src+"->", "")
	return strings.ReplaceAll(text, " "+src, "")
}
