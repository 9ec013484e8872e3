package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
	enrollhttp "github.com/enrollhq/enroll/http"
)

// TestConnectionReused: one connection serves a run of calls of every
// kind (JSON answers, error answers, answers without a body, CSV), because
// each answer is read to its end before it is closed.
func TestConnectionReused(t *testing.T) {
	t.Parallel()
	s := newServer(t, enrollhttp.Config{})
	var dials atomic.Int64
	d := &net.Dialer{}
	c := s.client()
	c.HTTP = &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return d.DialContext(ctx, network, addr)
	}}}
	ctx := context.Background()
	p := must[*enroll.Program](t)(c.CreateProgram(ctx, &client.ProgramCreate{Slug: "conn", Name: "Conn"}))
	must[*enroll.Program](t)(c.GetProgram(ctx, p.ID))
	must[*enroll.Page[*enroll.Program]](t)(c.ListPrograms(ctx, client.ProgramQuery{}))
	if _, err := c.GetProgram(ctx, "missing"); !client.IsStatus(err, http.StatusNotFound) {
		t.Fatal(err)
	}
	inst := must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, "conn", &client.InstanceCreate{Slug: "i", Name: "I"}))
	e := must[*client.EnrollmentDetail](t)(c.CreateEnrollment(ctx, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: "C", LastName: "Onn", Email: "conn@example.com"}))
	if _, _, err := c.GetEnrollmentETag(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	must[[]*enroll.StatusChange](t)(c.EnrollmentHistory(ctx, e.ID))
	var file strings.Builder
	file.WriteString("firstName,lastName,email\n")
	for i := range 300 {
		fmt.Fprintf(&file, "A,One,a%d@example.com\n", i)
	}
	im := must[*enroll.Import](t)(c.StartImport(ctx, inst.ID, client.ImportRequest{Format: enroll.FormatCSV, Body: strings.NewReader(file.String()), Size: int64(file.Len())}))
	must[*enroll.Import](t)(c.WaitImport(ctx, im.ID, 10*time.Millisecond, nil))
	// Long pages arrive chunked, in several writes: a JSON decoder stops
	// before the chunked answer's end, and the connection is lost unless
	// the rest is read.
	for range 10 {
		must[*enroll.Page[*enroll.Enrollment]](t)(c.ListEnrollments(ctx, inst.ID, client.EnrollmentQuery{ListOptions: client.ListOptions{PerPage: 300}}))
	}
	if _, err := c.WriteImportErrorsCSV(ctx, im.ID, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ExportEnrollments(ctx, inst.ID, client.EnrollmentQuery{}, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteEnrollment(ctx, e.ID, ""); err != nil {
		t.Fatal(err)
	}
	if n := dials.Load(); n != 1 {
		t.Fatalf("%d connections opened, want 1", n)
	}
}

// TestClientMisuse: a client made without New, or without an HTTP client,
// or asked to import nothing, returns an error rather than panicking; a
// server error names the request id to quote.
func TestClientMisuse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, c := range map[string]*client.Client{"zero": {}, "empty URL": client.New("", "sk_x")} {
		if _, err := c.GetProgram(ctx, "p"); err == nil || !strings.Contains(err.Error(), "no server URL") {
			t.Errorf("%s client: %v", name, err)
		}
	}
	s := newServer(t, enrollhttp.Config{DataDir: t.TempDir()})
	c := s.client()
	c.HTTP = nil
	must[*enroll.Program](t)(c.CreateProgram(ctx, &client.ProgramCreate{Slug: "misuse", Name: "Misuse"}))
	inst := must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, "misuse", &client.InstanceCreate{Slug: "i", Name: "I"}))
	for _, progress := range []func(int64){nil, func(int64) {}} {
		if _, err := c.StartImport(ctx, inst.ID, client.ImportRequest{Format: enroll.FormatCSV, Progress: progress}); err == nil ||
			!strings.Contains(err.Error(), "Body is required") {
			t.Errorf("StartImport without a body: %v", err)
		}
	}

	// The import data directory replaced by a file after the server
	// started: uploads fail with a 500.
	if err := removeAndWrite(s.cfg.DataDir); err != nil {
		t.Fatal(err)
	}
	_, err := c.StartImport(ctx, inst.ID, client.ImportRequest{Format: enroll.FormatCSV, Body: bytes.NewReader([]byte("firstName\nA\n"))})
	var p *client.Problem
	if !client.IsStatus(err, http.StatusInternalServerError) || !errors.As(err, &p) || p.RequestID == "" || !strings.Contains(err.Error(), "X-Request-Id: "+p.RequestID) {
		t.Fatalf("500: %v", err)
	}
}

// removeAndWrite replaces the directory dir by a file.
func removeAndWrite(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	return os.WriteFile(dir, nil, 0o600)
}

// TestStartImportCancelledWhileBodyStalls: an upload whose body waits
// (a producer that stalls, a terminal) returns when its context ends,
// not when the body next yields; a body that is an io.Closer is closed.
func TestStartImportCancelledWhileBodyStalls(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ctx := context.Background()
	must[*enroll.Program](t)(c.CreateProgram(ctx, &client.ProgramCreate{Slug: "stall", Name: "Stall"}))
	inst := must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, "stall", &client.InstanceCreate{Slug: "i", Name: "I"}))
	const header = "firstName,lastName,email\n"
	// A context that may end, and does not: the whole file goes.
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var file strings.Builder
	file.WriteString(header)
	for i := range 3000 {
		fmt.Fprintf(&file, "A,One,s%d@example.com\n", i)
	}
	im := must[*enroll.Import](t)(c.StartImport(cctx, inst.ID, client.ImportRequest{Format: enroll.FormatCSV, Body: strings.NewReader(file.String())}))
	if im.TotalRows != 3000 {
		t.Fatalf("%d rows uploaded, want 3000", im.TotalRows)
	}
	released := make(chan struct{})
	t.Cleanup(func() { close(released) })
	pr, pw := io.Pipe()
	go func() { _, _ = pw.Write([]byte(header)) }()
	for _, b := range []struct {
		name string
		body io.Reader
		// after checks the body once StartImport returned.
		after func(t *testing.T)
	}{
		// Its Read waits until the test ends, whatever is closed.
		{"a reader that ignores its context", io.MultiReader(strings.NewReader(header), blockingReader(released)), func(*testing.T) {}},
		{"a pipe", pr, func(t *testing.T) {
			if _, err := pw.Write([]byte("A,B,a@example.com\n")); !errors.Is(err, io.ErrClosedPipe) {
				t.Fatalf("write to the pipe after the upload ended: %v", err)
			}
		}},
	} {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := c.StartImport(ctx, inst.ID, client.ImportRequest{Format: enroll.FormatCSV, Body: b.body, Progress: func(int64) {}})
			// Waiting for the body would end at the server's read timeout
			// (30 s), when it gives up on the upload: half of it tells
			// the two apart on any machine.
			if took := time.Since(start); !errors.Is(err, context.DeadlineExceeded) || took > 15*time.Second {
				t.Fatalf("StartImport returned after %v: %v", took, err)
			}
			b.after(t)
		})
	}
}

// blockingReader is a reader whose Read waits until it is closed.
type blockingReader chan struct{}

func (r blockingReader) Read([]byte) (int, error) {
	<-r
	return 0, io.EOF
}
