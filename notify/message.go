package notify

import (
	"bytes"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
)

// buildMessage returns n as an RFC 5322 message from from: its text part,
// and its HTML part as the alternative when it has one. Every header value
// comes from a validated address or the folded, Q-encoded subject, so no
// enrollment field can add a header. A non-essential message gets its
// unsubscribe link (unsubscribe) in place of enroll.UnsubscribeLinkMarker
// and in the List-Unsubscribe headers of RFC 2369 and RFC 8058 (one-click),
// which mail clients show as an "Unsubscribe" button.
func buildMessage(n *enroll.Notification, from *mail.Address, at time.Time, unsubscribe string) ([]byte, error) {
	text, html := n.Text, n.HTML
	if unsubscribe != "" {
		// The link is checked (CheckPublicURL, a token's alphabet), so it
		// needs no escaping in HTML either.
		text = strings.ReplaceAll(text, enroll.UnsubscribeLinkMarker, unsubscribe)
		html = strings.ReplaceAll(html, enroll.UnsubscribeLinkMarker, unsubscribe)
	}
	var b bytes.Buffer
	to := mail.Address{Address: n.Recipient}
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", n.Subject))
	header("Date", at.Format(time.RFC1123Z))
	header("Message-ID", "<"+n.ID+"@enroll>")
	header("MIME-Version", "1.0")
	// Auto-Submitted keeps vacation responders from answering (RFC 3834).
	header("Auto-Submitted", "auto-generated")
	if unsubscribe != "" {
		header("List-Unsubscribe", "<"+unsubscribe+">")
		header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	if html == "" {
		header("Content-Type", "text/plain; charset=utf-8")
		header("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQP(&b, text); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	mw := multipart.NewWriter(&b)
	header("Content-Type", "multipart/alternative; boundary="+mw.Boundary())
	b.WriteString("\r\n")
	for _, part := range []struct{ ctype, body string }{{"text/plain", text}, {"text/html", html}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.ctype + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, fmt.Errorf("notify: message: %w", err)
		}
		if err := writeQP(w, part.body); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("notify: message: %w", err)
	}
	return b.Bytes(), nil
}

func writeQP(w interface{ Write([]byte) (int, error) }, s string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(s)); err != nil {
		return fmt.Errorf("notify: message: %w", err)
	}
	if err := qp.Close(); err != nil {
		return fmt.Errorf("notify: message: %w", err)
	}
	return nil
}
