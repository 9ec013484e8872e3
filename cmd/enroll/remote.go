package main

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/enrollhq/enroll/client"
)

// defaultURL is --url's default, left out of the commands printed for
// the user to run.
const defaultURL = "http://127.0.0.1:8080"

// remote is what the commands that talk to a running server share.
type remote struct {
	url, key string
}

// flags gives cmd --url and --key.
func (r *remote) flags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&r.url, "url", defaultURL, "the Enroll server's base URL")
	cmd.Flags().StringVar(&r.key, "key", "", "an API key secret (sk_…); better given as ENROLL_KEY than on the command line")
}

// client returns a client of the server, refusing to go on without a key.
func (r *remote) client() (*client.Client, error) {
	if err := checkBaseURL(r.url); err != nil {
		return nil, err
	}
	if strings.TrimSpace(r.key) == "" { // the client drops the white space around a key
		return nil, errors.New("an API key is needed: set ENROLL_KEY (or --key)")
	}
	return client.New(r.url, r.key), nil
}

// checkBaseURL refuses a --url that cannot be a server's base URL, saying
// what to give, rather than a 404 of /v1/v1/... or a page of the
// console's HTML in the error. A path of its own is kept (a server
// behind a proxy at https://host/enroll).
func checkBaseURL(s string) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("no server URL: set ENROLL_URL (or --url) to the server's base URL, such as %s", defaultURL)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url %q is not an http:// or https:// URL, such as %s", s, defaultURL)
	}
	// An address bar's URL: the operations' paths would be appended to
	// its query or fragment, and every request answered 404.
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#") {
		u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
		return fmt.Errorf("--url %q: give the server's base URL, without a query or fragment (%s)", s, strings.TrimSuffix(u.String(), "/"))
	}
	// The API's or the console's address, or one of their pages, pasted
	// for the base: /v1, /v1/programs/..., /console, /console/queue. A
	// base path of its own may hold them otherwise (/v1/enroll, behind a
	// gateway's versioned prefix).
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i, seg := range segs {
		next := ""
		if i+1 < len(segs) {
			next = segs[i+1]
		}
		if (seg == "v1" || seg == "console") && (next == "" || apiRoots[next] || seg == "console" && consolePages[next]) {
			u.Path, u.RawQuery = "/"+strings.Join(segs[:i], "/"), ""
			return fmt.Errorf("--url %q: give the server's base URL, without /%s (%s)", s, strings.Join(segs[i:], "/"), strings.TrimSuffix(u.String(), "/"))
		}
	}
	return nil
}

// apiRoots are the first path segments after /v1 of the API's operations,
// and consolePages those after /console of the console's pages: a --url
// ending in one of them is an address of the server's, not its base.
var (
	apiRoots = map[string]bool{"programs": true, "programInstances": true, "enrollments": true, "customers": true, "leads": true,
		"events": true, "imports": true, "apiKeys": true, "webhookEndpoints": true, "notificationTemplates": true}
	consolePages = map[string]bool{"enrollments": true, "instances": true, "queue": true, "imports": true, "webhooks": true,
		"signin": true, "signout": true, "assets": true}
)
