package notify

import (
	"bytes"
	"net/mail"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestOneClickOnlyOverHTTPS: RFC 8058 one-click unsubscription needs an
// HTTPS URI, so a message whose link is http:// (a --public-url without
// TLS) carries List-Unsubscribe alone, without List-Unsubscribe-Post; an
// https:// link carries both.
func TestOneClickOnlyOverHTTPS(t *testing.T) {
	t.Parallel()
	from := &mail.Address{Address: "noreply@example.com"}
	n := &enroll.Notification{ID: "ntf_1", Recipient: "suzie@example.com", RenderedMessage: enroll.RenderedMessage{Subject: "Hi", Text: "Hello"}}
	for _, tt := range []struct {
		link string
		post bool
	}{
		{"http://enroll.example.com/unsubscribe?token=abc", false},
		{"HTTP://enroll.example.com/unsubscribe?token=abc", false},
		{"https://enroll.example.com/unsubscribe?token=abc", true},
	} {
		msg, err := buildMessage(n, from, time.Now(), tt.link)
		if err != nil {
			t.Fatal(err)
		}
		head, _, _ := bytes.Cut(msg, []byte("\r\n\r\n"))
		h, err := mail.ReadMessage(bytes.NewReader(append(head, "\r\n\r\n"...)))
		if err != nil {
			t.Fatal(err)
		}
		if got := h.Header.Get("List-Unsubscribe"); got != "<"+tt.link+">" {
			t.Errorf("%s: List-Unsubscribe = %q", tt.link, got)
		}
		if got := h.Header.Get("List-Unsubscribe-Post"); (got != "") != tt.post {
			t.Errorf("%s: List-Unsubscribe-Post = %q, want it only for an https link", tt.link, got)
		}
	}
}
