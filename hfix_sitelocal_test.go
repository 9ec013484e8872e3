package enroll_test

import (
	"net"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestPublicAddressRefusesSiteLocal: IPv6 site-local addresses
// (fec0::/10, RFC 3879 deprecated them but networks still route them
// privately) are no more public than RFC 4193's fc00::/7, so a webhook
// must not reach them without --webhook-allow-private. The addresses just
// outside the range stay as they were.
func TestPublicAddressRefusesSiteLocal(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{
		"fec0::": false, "fec0::1": false, "fec0:1234::5": false, "fed0::1": false,
		"feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff": false,
		// Neighbours: link-local below (refused already), and public
		// global unicast far away.
		"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff": false,
		"2606:4700::1111":                         true,
	}
	for ip, want := range tests {
		if got := enroll.PublicAddress(net.ParseIP(ip)); got != want {
			t.Errorf("PublicAddress(%s) = %v, want %v", ip, got, want)
		}
	}
}
