package main

import (
	"strings"
	"testing"
)

// TestRemoteURLQueryRefused: a --url with a query or a fragment (pasted
// from a browser's address bar) is refused before anything is sent,
// naming the base URL to give: taken, every request went to the base
// URL's path with the operation's path appended to the query
// ("/?x=1/v1/enrollments"), and the command failed with "404 No route
// matches this path.", which does not say the URL is at fault.
func TestRemoteURLQueryRefused(t *testing.T) {
	t.Parallel()
	for _, url := range []string{"http://127.0.0.1:8080/?tab=imports", "http://127.0.0.1:8080#top", "http://127.0.0.1:8080/?",
		"https://gw.example/enroll?x=1"} {
		err := checkBaseURL(url)
		if err == nil || !strings.Contains(err.Error(), "query or fragment") {
			t.Errorf("--url %q: %v, want it refused for its query or fragment", url, err)
		}
	}
}
