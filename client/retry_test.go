package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
	enrollhttp "github.com/enrollhq/enroll/http"
)

// finishedImport imports a file of two rows into a new instance and
// waits for the job to end.
func finishedImport(t *testing.T, c *client.Client) *enroll.Import {
	t.Helper()
	ctx := context.Background()
	must[*enroll.Program](t)(c.CreateProgram(ctx, &client.ProgramCreate{Slug: "p", Name: "P"}))
	inst := must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, "p", &client.InstanceCreate{Slug: "i", Name: "I"}))
	file := "firstName,lastName,email\nA,One,a@example.com\nB,Two,b@example.com\n"
	im := must[*enroll.Import](t)(c.StartImport(ctx, inst.ID, client.ImportRequest{Format: enroll.FormatCSV, Body: strings.NewReader(file)}))
	return must[*enroll.Import](t)(c.WaitImport(ctx, im.ID, 10*time.Millisecond, nil))
}

// recorder is a transport that records what each request got: a status,
// or "error".
type recorder struct {
	mu  sync.Mutex
	got []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(req)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.got = append(r.got, "error")
	} else {
		r.got = append(r.got, fmt.Sprint(res.StatusCode))
	}
	return res, err
}

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.got, " ")
}

// TestWaitImportRidesOutRestart: a server going away and coming back
// while a job is followed costs failed polls, not the wait.
func TestWaitImportRidesOutRestart(t *testing.T) {
	t.Parallel()
	s := newServer(t, enrollhttp.Config{})
	c := s.client()
	im := finishedImport(t, c)
	if err := s.srv.Close(); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	c.HTTP, c.RetryFor = &http.Client{Transport: rec}, 30*time.Second
	go func() {
		time.Sleep(300 * time.Millisecond)
		srv := enrollhttp.NewServer(s.cfg) // the address it had
		if err := srv.Open(); err != nil {
			t.Error(err)
			return
		}
		t.Cleanup(func() { _ = srv.Close() })
	}()
	got, err := c.WaitImport(context.Background(), im.ID, 10*time.Millisecond, nil)
	if err != nil || got.Status != enroll.ImportSucceeded {
		t.Fatalf("WaitImport = %+v, %v (requests: %s)", got, err, rec)
	}
	if !strings.HasPrefix(rec.String(), "error") || !strings.HasSuffix(rec.String(), "200") {
		t.Fatalf("requests: %s, want failures then 200", rec)
	}
}

// TestWaitImportHonoursRetryAfter: a 429 is waited out for as long as its
// Retry-After says, rather than polled through.
func TestWaitImportHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	s := newServer(t, enrollhttp.Config{})
	im := finishedImport(t, s.client())
	// A second server on the same database gives each key one request a
	// second.
	limited := enrollhttp.NewServer(enrollhttp.Config{Addr: "127.0.0.1:0", Store: s.db, Logger: s.cfg.Logger, RateLimit: 1, RateBurst: 1})
	if err := limited.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = limited.Close() })
	rec := &recorder{}
	c := client.New(limited.URL(), s.secret)
	c.HTTP = &http.Client{Transport: rec}
	ctx := context.Background()
	must[*enroll.Import](t)(c.GetImport(ctx, im.ID)) // the bucket's one token
	start := time.Now()
	got, err := c.WaitImport(ctx, im.ID, 10*time.Millisecond, nil)
	if err != nil || got.Status != enroll.ImportSucceeded {
		t.Fatalf("WaitImport = %+v, %v (requests: %s)", got, err, rec)
	}
	if rec.String() != "200 429 200" || time.Since(start) < 500*time.Millisecond {
		t.Fatalf("requests: %s in %v, want 200 429 200 with the Retry-After waited", rec, time.Since(start))
	}
}

// TestWaitImportGivesUp: a server that stays away is given RetryFor, then
// WaitImport says the job may still be running; an answer that will not
// change (404) ends the wait at once.
func TestWaitImportGivesUp(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := "http://" + ln.Addr().String()
	ln.Close()
	c := client.New(gone, "sk_x")
	c.RetryFor = 300 * time.Millisecond
	// The context only stops a wait that would not give up, so that it
	// fails here rather than at the test's timeout.
	bound, stop := context.WithTimeout(context.Background(), time.Minute)
	defer stop()
	start := time.Now()
	_, err = c.WaitImport(bound, enroll.NewID(), 10*time.Millisecond, nil)
	if took := time.Since(start); err == nil || !client.IsTransient(err) || !strings.Contains(err.Error(), "may still be running on the server") ||
		took < 300*time.Millisecond || bound.Err() != nil {
		t.Fatalf("WaitImport with no server = %v after %v (context: %v)", err, took, bound.Err())
	}

	s := newServer(t, enrollhttp.Config{})
	c = s.client()
	c.RetryFor = time.Minute
	if _, err := c.WaitImport(context.Background(), enroll.NewID(), 10*time.Millisecond, nil); !client.IsStatus(err, http.StatusNotFound) || client.IsTransient(err) {
		t.Fatalf("WaitImport of no job = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.WaitImport(ctx, enroll.NewID(), 0, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitImport canceled = %v", err)
	}
}

// TestIsTransient tells failures that may pass from those that will not.
func TestIsTransient(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&client.Problem{Status: 429}, true},
		{&client.Problem{Status: 502}, true},
		{&client.Problem{Status: 503}, true},
		{fmt.Errorf("wrapped: %w", &client.Problem{Status: 504}), true},
		{&client.Problem{Status: 500}, false},
		{&client.Problem{Status: 404}, false},
		{fmt.Errorf("enroll: GET /v1/imports/x: %w", refused), true},
		{io.ErrUnexpectedEOF, true},
		{&net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "nope", IsNotFound: true}}, false},
		{context.Canceled, false},
		{errors.New("unsupported protocol scheme"), false},
		{nil, false},
	} {
		if got := client.IsTransient(c.err); got != c.want {
			t.Errorf("IsTransient(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
