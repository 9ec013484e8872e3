package notify

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// CheckPublicURL checks a server's public base URL (--public-url): empty,
// or an absolute http(s) URL without query or fragment, made only of
// characters that need no escaping in an HTML attribute or a header, since
// unsubscribe links are made from it by concatenation.
func CheckPublicURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" ||
		u.User != nil || strings.ContainsAny(s, "\"'<>& \t\r\n\\`?#") {
		return fmt.Errorf("notify: --public-url %q must be an http(s) URL without query, fragment or credentials, e.g. https://enroll.example.com", shownURL(s))
	}
	// url.Parse takes any digits as a port: one nobody can reach would
	// point every unsubscribe link nowhere.
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("notify: --public-url %q: port %s is not one from 1 to 65535", shownURL(s), p)
		}
	}
	return nil
}

// shownURL is s as an error quotes it: without the password it may carry,
// since serve prints the error to the terminal and the service's log. One
// that does not parse is not quoted if it may hold credentials.
func shownURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		if strings.Contains(s, "@") {
			return "(not shown: it may hold a password)"
		}
		return s
	}
	if _, ok := u.User.Password(); ok {
		return u.Redacted()
	}
	return s
}
