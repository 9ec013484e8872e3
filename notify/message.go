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
// and in the List-Unsubscribe headers of RFC 2369 and RFC 8058 (one-click,
// only for an https:// link, as RFC 8058 requires), which mail clients
// show as an "Unsubscribe" button.
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
	header("Subject", encodeSubject(n.Subject))
	header("Date", at.Format(time.RFC1123Z))
	header("Message-ID", "<"+n.ID+"@enroll>")
	header("MIME-Version", "1.0")
	// Auto-Submitted keeps vacation responders from answering (RFC 3834).
	header("Auto-Submitted", "auto-generated")
	if unsubscribe != "" {
		header("List-Unsubscribe", "<"+unsubscribe+">")
		// RFC 8058 allows one-click only with an HTTPS URI: over http://
		// the link is offered, but not as one-click.
		if len(unsubscribe) >= 8 && strings.EqualFold(unsubscribe[:8], "https://") {
			header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
		}
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

// maxHeaderLine is the length RFC 5322 §2.1.1 recommends header lines
// keep to (SHOULD 78; 998 is the MUST, which strict servers enforce).
const maxHeaderLine = 78

// subjectField starts the Subject header's first line.
const subjectField = "Subject: "

// encodeSubject returns the Subject header's value for subject, one line
// of text. A subject that fits on a line of maxHeaderLine stays as
// mime.QEncoding has it: as is when ASCII, else Q-encoded. A longer one
// (templates allow 1,000 characters of source, and placeholders add
// more) is RFC 2047 Q-encoded words, ASCII too, each at most 75
// characters and made of whole characters, on folded lines of at most
// maxHeaderLine: readers drop the space between adjacent encoded-words,
// so it reads back as rendered. Plain folding would not do: it may break
// only at spaces, which a long word has none of. So is a subject holding
// "=?", which readers would otherwise decode as if it were one.
func encodeSubject(subject string) string {
	if v := mime.QEncoding.Encode("utf-8", subject); len(subjectField)+len(v) <= maxHeaderLine && !strings.Contains(subject, "=?") {
		return v
	}
	const start, end, maxWord = "=?utf-8?q?", "?=", 75
	var b, word strings.Builder
	room := maxHeaderLine - len(subjectField) // the first line's
	flush := func() {
		if word.Len() == 0 {
			return
		}
		if b.Len() > 0 {
			b.WriteString("\r\n ")
		}
		b.WriteString(start + word.String() + end)
		word.Reset()
		room = min(maxHeaderLine-1, maxWord) // a folded line's, after its space
	}
	var enc []byte
	for _, r := range subject {
		enc = qEncodeRune(enc[:0], r)
		if len(start)+word.Len()+len(enc)+len(end) > room {
			flush()
		}
		word.Write(enc)
	}
	flush()
	return b.String()
}

// qEncodeRune appends r in RFC 2047's Q encoding: a space as "_",
// printable ASCII other than "=", "?" and "_" as itself, every other
// byte of its UTF-8 as "=XX" (as mime.QEncoding does).
func qEncodeRune(dst []byte, r rune) []byte {
	const hex = "0123456789ABCDEF"
	switch {
	case r == ' ':
		return append(dst, '_')
	case r > ' ' && r <= '~' && r != '=' && r != '?' && r != '_':
		return append(dst, byte(r))
	}
	for _, c := range []byte(string(r)) {
		dst = append(dst, '=', hex[c>>4], hex[c&0xf])
	}
	return dst
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
