package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
)

// server is a parsed --smtp-url.
type server struct {
	addr, host string
	// implicitTLS is smtps://: TLS from the first byte (port 465).
	implicitTLS bool
	user, pass  string
	hasAuth     bool
}

// parseSMTPURL parses smtp://[user[:pass]@]host[:port] (STARTTLS when the
// server offers it; port 587 by default) or smtps://... (implicit TLS;
// port 465 by default). A port no connection can use, a query string or
// a fragment is refused, so that the server stops at start: url.Parse
// takes any digits for a port, which would fail every message for its
// 24 hours of retries, and would leave a query (options this URL does
// not take) or a fragment silently ignored.
func parseSMTPURL(s string) (*server, error) {
	u, err := url.Parse(s)
	if err != nil {
		// url.Parse's error quotes the whole URL, password included: say
		// what is wrong without it, since serve prints this to the log.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("notify: --smtp-url: %w", err)
	}
	if (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" || u.Path != "" && u.Path != "/" {
		return nil, errors.New("notify: --smtp-url must be smtp://[user:pass@]host[:port] or smtps://...")
	}
	if u.RawQuery != "" || u.ForceQuery {
		return nil, errors.New("notify: --smtp-url must not have a query string (?...): it takes no options " +
			"(a ? in the user name or password is written %3F)")
	}
	if strings.Contains(s, "#") { // url.Parse keeps an empty one as none
		return nil, errors.New("notify: --smtp-url must not have a fragment (#...) " +
			"(a # in the user name or password is written %23)")
	}
	sv := &server{host: u.Hostname(), implicitTLS: u.Scheme == "smtps"}
	port := u.Port()
	if n, err := strconv.Atoi(port); port != "" && (err != nil || n < 1 || n > 65535) {
		return nil, fmt.Errorf("notify: --smtp-url: port %s must be a number from 1 to 65535", port)
	}
	if port == "" {
		port = "587"
		if sv.implicitTLS {
			port = "465"
		}
	}
	sv.addr = net.JoinHostPort(sv.host, port)
	if u.User != nil {
		sv.user = u.User.Username()
		sv.pass, _ = u.User.Password()
		sv.hasAuth = true
	}
	return sv, nil
}

// sendError is a failed send; permanent when the server refused for good.
type sendError struct {
	msg       string
	permanent bool
}

func (e *sendError) Error() string { return e.msg }

// send hands one message to the server within timeout: STARTTLS when
// offered (required before authenticating anywhere but loopback), AUTH
// PLAIN when the URL has credentials, then MAIL, RCPT and DATA.
func (sv *server) send(ctx context.Context, timeout time.Duration, tlsConfig *tls.Config, from, to string, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d := net.Dialer{}
	conn, err := d.DialContext(ctx, "tcp", sv.addr)
	if err != nil {
		return classify(err)
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	cfg := &tls.Config{ServerName: sv.host, MinVersion: tls.VersionTLS12}
	if tlsConfig != nil {
		cfg = tlsConfig.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName = sv.host
		}
	}
	if sv.implicitTLS {
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return classify(err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, sv.host)
	if err != nil {
		return classify(err)
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return classify(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok && !sv.implicitTLS {
		if err := c.StartTLS(cfg); err != nil {
			return classify(err)
		}
	}
	if sv.hasAuth {
		// net/smtp's PLAIN refuses to send credentials in clear text
		// except to loopback.
		if err := c.Auth(smtp.PlainAuth("", sv.user, sv.pass, sv.host)); err != nil {
			return classify(err)
		}
	}
	if err := c.Mail(from); err != nil {
		return classify(err)
	}
	// Only the recipient and the message itself can be refused for good;
	// a refused sender or login is the operator's to fix, and retried.
	if err := c.Rcpt(to); err != nil {
		return final(err)
	}
	w, err := c.Data()
	if err != nil {
		return final(err)
	}
	if _, err := w.Write(msg); err != nil {
		return classify(err)
	}
	if err := w.Close(); err != nil {
		return final(err)
	}
	_ = c.Quit()
	return nil
}

// final is classify for the replies about the message itself, where a
// 5xx is a refusal for good.
func final(err error) error {
	se := classify(err).(*sendError)
	var te *textproto.Error
	se.permanent = errors.As(err, &te) && te.Code >= 500
	return se
}

// classify describes a failure worth retrying: 4xx, timeouts, refused
// connections and, before the recipient is named, any refusal; a failed
// look-up of the server without the service's resolver (the API shows
// attempts' errors). A reply of several lines (Gmail's 550 5.1.1 has
// three; textproto joins them with line breaks) is quoted on one, as a
// webhook attempt quotes its answer.
func classify(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		return &sendError{msg: fmt.Sprintf("SMTP %d %s", te.Code, strings.Join(strings.Fields(te.Msg), " "))}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return &sendError{msg: "timed out"}
	}
	return &sendError{msg: enroll.AttemptErrorText(err)}
}
