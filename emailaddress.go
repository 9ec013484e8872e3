package enroll

import (
	"net"
	"net/mail"
	"strings"
)

// mailboxProblem says why s is not an address Enroll should send every
// message of an instance to (an administrator's), or "". It is
// ValidEmailAddress, the check of every recipient, and what mail relays
// commonly refuse besides: a domain that is not a DNS name with a dot
// (a@b, a@localhost, a@[127.0.0.1], a@ex_ample.com) and any address that
// is not ASCII, which needs SMTPUTF8 of every relay on the way.
func mailboxProblem(s string) string {
	if !ValidEmailAddress(s) {
		if a, err := mail.ParseAddress(s); err == nil && bareButLong(s, a) {
			return longEmailProblem(s)
		}
		return "must be an email address"
	}
	return relayProblem(s)
}

// bareButLong reports whether s, parsed as a, is what ValidEmailAddress
// accepts but for its length: longer than maxEmailLength bytes.
func bareButLong(s string, a *mail.Address) bool {
	return len(s) > maxEmailLength && !strings.ContainsAny(s, "\r\n<>, ") && a.Address == s && a.Name == ""
}

// longEmailProblem says why s, an address longer than maxEmailLength
// bytes (RFC 5321's limit, which mail relays hold to), is refused, rather
// than a bare "must be an email address": one that is not ASCII breaks
// the rule relayProblem names whatever its length (and only a non-ASCII
// address can be over 256 bytes yet within the 256 characters the API's
// schema counts); an ASCII one is too long.
func longEmailProblem(s string) string {
	if !isASCII(s) {
		if p := relayProblem(s); p != "" {
			return p
		}
	}
	return "must be at most 254 characters: mail relays refuse a longer address"
}

// relayProblem is mailboxProblem for an s that ValidEmailAddress accepts:
// checkEmail, which has parsed s already, asks it without parsing again
// (two parses were a fifth of an imported row's allocations).
func relayProblem(s string) string {
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	switch {
	case !isASCII(local):
		return "must have an ASCII local part (before the @): mail relays without SMTPUTF8 refuse others"
	case strings.HasPrefix(domain, "[") || net.ParseIP(domain) != nil:
		return "must have a domain name after the @, not an IP address, which mail relays commonly refuse"
	case !isASCII(domain):
		return "must have an ASCII domain: write an international domain in its xn-- form"
	case !strings.Contains(domain, "."):
		return "must have a domain with a dot after the @ (such as example.com): mail relays refuse a bare host name"
	case !dnsName(domain):
		return "must have a domain of letters, digits and hyphens, in labels separated by dots (such as example.com)"
	}
	return ""
}

// isASCII reports whether s holds only ASCII characters.
func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// dnsName reports whether s is a host name: labels of 1 to 63 letters,
// digits and hyphens, not starting or ending with a hyphen, separated by
// dots, at most 253 characters, the last label not all digits.
func dnsName(s string) bool {
	if len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := range len(l) {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}
