package issuer

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strconv"
	"time"

	"github.com/tohu-nz/tohu/errs"
)

// SMTPMailer sends mail through one SMTP server.
//
// Why net/smtp: it is the standard library's client, does STARTTLS, implicit
// TLS (over a tls.Conn) and AUTH PLAIN (which it refuses to send in clear to
// anything but localhost), and a notification needs nothing more. The Go
// team froze it rather than deprecating it; the alternatives
// (emersion/go-smtp's client, wneessen/go-mail) add a dependency for
// features tohu does not use. emersion/go-smtp is used only as the real
// SMTP server in the tests.
type SMTPMailer struct {
	addr      string // host:port
	host      string
	implicit  bool // smtps://: TLS from the first byte
	auth      smtp.Auth
	tlsConfig *tls.Config
	timeout   time.Duration
}

// NewSMTPMailer parses an SMTP URL: smtp://[user:pass@]host[:port] (default
// port 587; STARTTLS whenever the server offers it, and required before
// AUTH except on loopback) or smtps://[user:pass@]host[:port] (implicit
// TLS, default port 465). tlsConfig may be nil (system roots). Invalid for
// anything else.
func NewSMTPMailer(rawURL string, tlsConfig *tls.Config) (*SMTPMailer, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Path != "" && u.Path != "/" {
		return nil, errs.E(errs.Invalid, "want smtp://[user:pass@]host[:port] or smtps://…")
	}
	m := &SMTPMailer{host: u.Hostname(), implicit: u.Scheme == "smtps", timeout: time.Minute}
	port := u.Port()
	if port == "" {
		port = "587"
		if m.implicit {
			port = "465"
		}
	}
	if _, err := strconv.Atoi(port); err != nil {
		return nil, errs.E(errs.Invalid, "the SMTP port must be a number")
	}
	m.addr = net.JoinHostPort(m.host, port)
	if tlsConfig == nil {
		tlsConfig = &tls.Config{}
	}
	m.tlsConfig = tlsConfig.Clone()
	if m.tlsConfig.ServerName == "" {
		m.tlsConfig.ServerName = m.host
	}
	if m.tlsConfig.MinVersion == 0 {
		m.tlsConfig.MinVersion = tls.VersionTLS12
	}
	if u.User != nil {
		pass, _ := u.User.Password()
		m.auth = smtp.PlainAuth("", u.User.Username(), pass, m.host)
	}
	return m, nil
}

// Send delivers msg to one recipient. An SMTP 5xx reply is a
// PermanentError; everything else (connection refused, timeouts, 4xx) is
// worth retrying.
func (m *SMTPMailer) Send(ctx context.Context, from, to string, msg []byte) (err error) {
	d := net.Dialer{Timeout: 15 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", m.addr)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(m.timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = conn.SetDeadline(deadline)
	if m.implicit {
		conn = tls.Client(conn, m.tlsConfig)
	}
	c, err := smtp.NewClient(conn, m.host)
	if err != nil {
		conn.Close()
		return classify(err)
	}
	defer c.Close()
	if !m.implicit {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(m.tlsConfig); err != nil {
				return classify(err)
			}
		}
	}
	if m.auth != nil {
		if err := c.Auth(m.auth); err != nil {
			return classify(err)
		}
	}
	if err := c.Mail(from); err != nil {
		return classify(err)
	}
	if err := c.Rcpt(to); err != nil {
		return classify(err)
	}
	w, err := c.Data()
	if err != nil {
		return classify(err)
	}
	if _, err := w.Write(msg); err != nil {
		return classify(err)
	}
	if err := w.Close(); err != nil {
		return classify(err)
	}
	// The server has accepted the message: a failing QUIT must not make us
	// send it again.
	_ = c.Quit()
	return nil
}

func classify(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return &PermanentError{Err: err}
	}
	return err
}
