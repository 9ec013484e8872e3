package notify

import (
	"bytes"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestSubjectFolded: a subject of any length goes out on header lines of
// at most 78 characters (RFC 5322 asks at most 998, and 78 where it can:
// a 900-character template with two 200-character names made a line of
// 1,007), and net/mail with a word decoder reads it back as rendered,
// ASCII or not. A short one stays as it was.
func TestSubjectFolded(t *testing.T) {
	t.Parallel()
	from := &mail.Address{Name: "Enroll", Address: "noreply@example.com"}
	tests := []struct {
		name, subject string
		raw           string // the header's value as sent, when it must stay so
	}{
		{"short ASCII", "New submission from suzie@example.com", "New submission from suzie@example.com"},
		{"short UTF-8", "Élan: bonne nouvelle", "=?utf-8?q?=C3=89lan:_bonne_nouvelle?="},
		{"audit's", strings.Repeat("a", 900) + strings.Repeat("F", 200) + strings.Repeat("L", 200), ""},
		{"1,000 characters", strings.Repeat("x", 1000), ""},
		{"long words and spaces", strings.Repeat("Solar rebate approved for you, ", 40), ""},
		{"long UTF-8", strings.Repeat("Zoë's 🌞 rebate ", 60), ""},
		{"Q's own characters", strings.Repeat("a_b=c?d ", 30), ""},
		{"looks encoded", "=?utf-8?q?hi?=", ""},
		{"spaces at the edges", " " + strings.Repeat("b", 100) + " ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := &enroll.Notification{ID: "ntf_1", Recipient: "suzie@example.com",
				RenderedMessage: enroll.RenderedMessage{Subject: tt.subject, Text: "Hello"}}
			msg, err := buildMessage(n, from, time.Now(), "")
			if err != nil {
				t.Fatal(err)
			}
			head, _, _ := bytes.Cut(msg, []byte("\r\n\r\n"))
			for _, line := range strings.Split(string(head), "\r\n") {
				if len(line) > maxHeaderLine {
					t.Errorf("header line of %d characters: %.90s…", len(line), line)
				}
			}
			m, err := mail.ReadMessage(bytes.NewReader(msg))
			if err != nil {
				t.Fatal(err)
			}
			raw := m.Header.Get("Subject")
			got, err := new(mime.WordDecoder).DecodeHeader(raw)
			if err != nil || got != tt.subject {
				t.Errorf("subject read back as %q (%v), want %q", got, err, tt.subject)
			}
			if tt.raw != "" && raw != tt.raw {
				t.Errorf("Subject: %q, want %q", raw, tt.raw)
			}
		})
	}
}
