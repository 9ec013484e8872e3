package client_test

import (
	"context"
	"testing"

	"github.com/enrollhq/enroll/client"
	enrollhttp "github.com/enrollhq/enroll/http"
)

// TestKeyWithTrailingNewline: a key read from a file or a mounted secret
// ends with a newline; the server takes a key with the spaces around it,
// but the client sent the newline in the Authorization header, which
// net/http refuses before sending ("invalid header field value"), so
// every call failed with a message that names no key.
func TestKeyWithTrailingNewline(t *testing.T) {
	t.Parallel()
	s := newServer(t, enrollhttp.Config{})
	ctx := context.Background()
	for _, key := range []string{s.secret + "\n", s.secret + "\r\n", " " + s.secret + " "} {
		c := client.New(s.srv.URL(), key)
		if _, err := c.ListPrograms(ctx, client.ProgramQuery{}); err != nil {
			t.Errorf("key %q: %v", key, err)
		}
	}
}
