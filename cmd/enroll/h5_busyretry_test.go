package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// h5BusyProxy forwards requests to the server at target, but answers the
// first n of those match picks with a 429 and Retry-After: retryAfter,
// as a server whose rate limit the key has spent does (having read the
// request's body first when readBody is set, as a proxy in between
// may). n < 0 answers every one so. It returns the proxy's URL and the
// count of requests it refused.
func h5BusyProxy(t *testing.T, target string, match func(*http.Request) bool, n int, retryAfter string, readBody bool) (string, *atomic.Int64) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	var refused atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if match(r) && (n < 0 || refused.Load() < int64(n)) {
			refused.Add(1)
			if readBody {
				_, _ = io.Copy(io.Discard, r.Body)
			}
			w.Header().Set("Content-Type", "application/problem+json")
			w.Header().Set("Retry-After", retryAfter)
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"type":"about:blank","title":"Too Many Requests","status":429,"detail":"This API key sends requests too fast; retry after ` + retryAfter + ` s."}`))
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &refused
}

// h5Run runs the CLI in-process with stdin as its standard input, and
// returns its standard output and error apart.
func h5Run(stdin io.Reader, args ...string) (stdout, stderr string, err error) {
	m := NewMain()
	var out, errOut bytes.Buffer
	m.Stdin, m.Stdout, m.Stderr = stdin, &out, &errOut
	err = m.Run(context.Background(), args)
	return out.String(), errOut.String(), err
}

func isExport(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/enrollments") && strings.Contains(r.Header.Get("Accept"), "text/csv")
}

func isUpload(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/imports")
}

// TestH5ExportRetriesRateLimit: `enroll export` answered 429 (the key's
// rate limit spent, by the total it asks for first or by other clients)
// waits the Retry-After the server sends, saying so on standard error,
// and sends the export again, where it failed at once with the 429.
func TestH5ExportRetriesRateLimit(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	proxy, refused := h5BusyProxy(t, s.url, isExport, 1, "1", false)
	out := filepath.Join(t.TempDir(), "out.csv")
	_, stderr, err := h5Run(nil, "export", "--url", proxy, "--key", s.secret, "--instance", s.instance, "-o", out)
	if err != nil || refused.Load() != 1 {
		t.Fatalf("export answered 429 once: %v (%d refused)\n%s", err, refused.Load(), stderr)
	}
	if !strings.Contains(stderr, "429") || !strings.Contains(stderr, "again in 1s") {
		t.Errorf("standard error does not say it waits for the rate limit:\n%s", stderr)
	}
	if b, err := os.ReadFile(out); err != nil || !strings.HasPrefix(string(b), "id,") {
		t.Errorf("the export file: %v %q", err, b)
	}
}

// TestH5ImportUploadRetriesRateLimit: the upload of `enroll import`
// answered 429 is sent again after the Retry-After, saying so: a file
// from its start even when the refused request had read it, a stream
// (standard input) when the refusal came before any of it was read,
// which the upload asks for (Expect: 100-continue). A stream already
// read cannot be sent again, and the error says so. The retries are
// bounded, and a Retry-After longer than the command waits is not waited
// for.
func TestH5ImportUploadRetriesRateLimit(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	dir := t.TempDir()
	file := func(prefix string) string {
		return "firstName,lastName,email\nAnn,Lee," + prefix + "-ann@example.com\nBob,Ray," + prefix + "-bob@example.com\n"
	}
	path := filepath.Join(dir, "list.csv")
	if err := os.WriteFile(path, []byte(file("file")), 0o600); err != nil {
		t.Fatal(err)
	}
	imported := func(t *testing.T, stdout, stderr string, err error, refused int64) {
		t.Helper()
		if err != nil || refused != 1 || !strings.Contains(stdout, "2 created") {
			t.Fatalf("upload answered 429 once: %v (%d refused)\n%s%s", err, refused, stdout, stderr)
		}
		if !strings.Contains(stderr, "429") || !strings.Contains(stderr, "again in 1s") {
			t.Errorf("standard error does not say it waits for the rate limit:\n%s", stderr)
		}
	}

	t.Run("file, read", func(t *testing.T) {
		t.Parallel()
		proxy, refused := h5BusyProxy(t, s.url, isUpload, 1, "1", true)
		stdout, stderr, err := h5Run(nil, "import", "--url", proxy, "--key", s.secret, "--instance", s.instance, "--poll", "50ms", path)
		imported(t, stdout, stderr, err, refused.Load())
	})
	t.Run("stream, not read", func(t *testing.T) {
		t.Parallel()
		proxy, refused := h5BusyProxy(t, s.url, isUpload, 1, "1", false)
		stdout, stderr, err := h5Run(strings.NewReader(file("stream")), "import", "--url", proxy, "--key", s.secret, "--instance", s.instance,
			"--poll", "50ms", "--format", "csv", "--errors", filepath.Join(dir, "stream.errors.csv"), "-")
		imported(t, stdout, stderr, err, refused.Load())
	})
	t.Run("stream, read", func(t *testing.T) {
		t.Parallel()
		proxy, refused := h5BusyProxy(t, s.url, isUpload, 1, "1", true)
		_, stderr, err := h5Run(strings.NewReader(file("read")), "import", "--url", proxy, "--key", s.secret, "--instance", s.instance,
			"--poll", "50ms", "--format", "csv", "--errors", filepath.Join(dir, "read.errors.csv"), "-")
		if err == nil || refused.Load() != 1 || !strings.Contains(err.Error(), "429") || !strings.Contains(err.Error(), "cannot be sent again") {
			t.Fatalf("a stream read by the refused upload: %v (%d refused)\n%s", err, refused.Load(), stderr)
		}
	})
	t.Run("bounded", func(t *testing.T) {
		t.Parallel()
		proxy, refused := h5BusyProxy(t, s.url, isUpload, -1, "1", false)
		_, stderr, err := h5Run(nil, "import", "--url", proxy, "--key", s.secret, "--instance", s.instance, "--poll", "50ms",
			"--errors", filepath.Join(dir, "bounded.errors.csv"), path)
		if err == nil || !strings.Contains(err.Error(), "429") || refused.Load() != 4 {
			t.Fatalf("always 429: %v after %d requests, want a 429 after 4\n%s", err, refused.Load(), stderr)
		}
	})
	t.Run("too long a wait", func(t *testing.T) {
		t.Parallel()
		proxy, refused := h5BusyProxy(t, s.url, isUpload, -1, "3600", false)
		_, stderr, err := h5Run(nil, "import", "--url", proxy, "--key", s.secret, "--instance", s.instance, "--poll", "50ms",
			"--errors", filepath.Join(dir, "long.errors.csv"), path)
		if err == nil || !strings.Contains(err.Error(), "429") || refused.Load() != 1 {
			t.Fatalf("a Retry-After of an hour: %v after %d requests, want the 429 at once\n%s", err, refused.Load(), stderr)
		}
	})
}
