package webhook_test

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestHugeResponseHeader checks that an attempt fails on a receiver's
// answer with a header of megabytes, which it used to read whole, up to
// Go's default of 10 MiB (http.Transport.MaxResponseHeaderBytes unset),
// and record as a success. The body is cut at 256 bytes, but the header is
// not bounded: a receiver answering with ~10 MiB of header makes every
// attempt to it hold that much memory, and one workspace's endpoints may
// hold 192 attempts at once (about 2 GiB; a process's 256 senders, 2.5
// GiB). Reproduced by hand against `enroll serve`: three endpoints of
// one workspace to such a receiver took the server from 55 MB to 1.4 GB
// RSS.
func TestHugeResponseHeader(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	big := strings.Repeat("a", 8<<20)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				req, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				_, _ = req.Body.Read(make([]byte, 1<<20))
				_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nX-Big: " + big + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
			}()
		}
	}()
	stores(t, func(t *testing.T, s enroll.WebhookStore) {
		r := newReceiver(t, nil)
		w := newWorld(t, s, r, nil)
		w.retarget("http://" + ln.Addr().String() + "/hooks")
		w.enrollments(1)
		d := w.firstAttempted()
		if d.Status == enroll.DeliverySucceeded || d.Attempts[0].StatusCode == http.StatusOK {
			t.Errorf("an answer with an 8 MiB header was read whole and taken as %d (status %s): the response header is not bounded", d.Attempts[0].StatusCode, d.Status)
		}
	})
}
