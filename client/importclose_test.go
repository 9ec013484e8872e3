package client_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
)

// TestStartImportClosesUnreadBody checks that an upload whose context ends
// before its body was read at all (a server slow to answer the request's
// Expect: 100-continue) closes the body, as ImportRequest.Body promises
// for a context that ends during the upload: it was left open, so a
// producer writing into the pipe waited forever.
func TestStartImportClosesUnreadBody(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			// Read the request's head, then answer nothing until the
			// client hangs up.
			go func() {
				defer conn.Close()
				_, _ = http.ReadRequest(bufio.NewReader(conn))
				_, _ = io.Copy(io.Discard, conn)
			}()
		}
	}()
	c := client.New("http://"+ln.Addr().String(), "sk_test")
	pr, pw := io.Pipe()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := c.StartImport(ctx, "inst", client.ImportRequest{Format: enroll.FormatCSV, Body: pr}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("StartImport: %v, want its deadline", err)
	}
	wrote := make(chan error, 1)
	go func() {
		_, err := pw.Write([]byte("firstName,lastName,email\n"))
		wrote <- err
	}()
	select {
	case err := <-wrote:
		if !errors.Is(err, io.ErrClosedPipe) {
			t.Errorf("write to the pipe after the upload ended: %v, want io.ErrClosedPipe", err)
		}
	case <-time.After(10 * time.Second):
		_ = pr.Close()
		t.Error("the upload ended with its context, and its body, never read, was left open")
	}
}
