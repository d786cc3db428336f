// Package smtp sends kinbridge's e-mail (the daily digest) through an SMTP
// server: it implements kinbridge.Mailer over the client of
// github.com/emersion/go-smtp. Each mail goes over a connection of its own,
// encrypted with STARTTLS whenever the server offers it (port 465: TLS from
// the first byte), authenticated with AUTH PLAIN when a user is set.
package smtp

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"

	"github.com/kinbridge/kinbridge"
)

// Config is how to reach the SMTP server.
type Config struct {
	Addr     string // host:port
	From     string // the sender, "name <address>" or "address"
	Username string // "": no AUTH
	Password string
	// HelloName is the name the client gives in EHLO; default "localhost".
	HelloName string
	// Timeout bounds the connection and each command; default 30 s.
	Timeout time.Duration
	// TLSConfig is used for STARTTLS and implicit TLS (tests set RootCAs);
	// nil: the system's roots, for the host of Addr.
	TLSConfig *tls.Config
	// Now tells the time of the Date header; nil: the system clock.
	Now func() time.Time
}

// Mailer sends mail through one SMTP server. It is safe for concurrent use.
type Mailer struct {
	cfg      Config
	host     string
	implicit bool // port 465: TLS from the start
	from     *mail.Address

	mu sync.Mutex
	// tlsSeen remembers that the server offered STARTTLS: from then on a
	// connection without it is refused, so that a man in the middle who
	// strips the offer cannot read the mail (or the password).
	tlsSeen bool
}

var _ kinbridge.Mailer = (*Mailer)(nil)

// New checks the configuration and returns a Mailer. It does not connect.
func New(cfg Config) (*Mailer, error) {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" || port == "" {
		return nil, fmt.Errorf("smtp: address %q is not host:port", cfg.Addr)
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("smtp: sender %q is not an e-mail address: %v", cfg.From, err)
	}
	if (cfg.Username == "") != (cfg.Password == "") {
		return nil, errors.New("smtp: give both a user and a password, or neither")
	}
	if cfg.HelloName == "" {
		cfg.HelloName = "localhost"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Mailer{cfg: cfg, host: host, implicit: port == "465" || port == "smtps", from: from}, nil
}

// Send sends one plain-text mail to the address to. An error says at which
// step the server refused it (a refused recipient is an error), or that
// ctx ended or the server did not answer within the timeout.
func (m *Mailer) Send(ctx context.Context, to, subject, body string) error {
	rcpt, err := mail.ParseAddress(to)
	if err != nil {
		return fmt.Errorf("smtp: recipient %q is not an e-mail address: %v", to, err)
	}
	msg, err := m.message(rcpt, subject, body)
	if err != nil {
		return err
	}
	c, err := m.connect(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("smtp: %w", ctx.Err())
		}
		return err
	}
	defer c.Close()
	err = m.deliver(c, rcpt.Address, msg)
	if ctx.Err() != nil {
		return fmt.Errorf("smtp: %w", ctx.Err())
	}
	return err
}

// deliver runs the mail transaction on a connected, greeted client.
func (m *Mailer) deliver(c *gosmtp.Client, to string, msg []byte) error {
	if m.cfg.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return fmt.Errorf("smtp: %s does not offer AUTH, but a user is set", m.cfg.Addr)
		}
		if _, isTLS := c.TLSConnectionState(); !isTLS && !isLoopback(m.host) {
			return fmt.Errorf("smtp: %s offers no TLS: the password is not sent in clear text", m.cfg.Addr)
		}
		if err := c.Auth(sasl.NewPlainClient("", m.cfg.Username, m.cfg.Password)); err != nil {
			return fmt.Errorf("smtp: AUTH PLAIN as %s: %w", m.cfg.Username, err)
		}
	}
	if err := c.Mail(m.from.Address, nil); err != nil {
		return fmt.Errorf("smtp: MAIL FROM <%s>: %w", m.from.Address, err)
	}
	if err := c.Rcpt(to, nil); err != nil {
		return fmt.Errorf("smtp: RCPT TO <%s> refused: %w", to, err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp: DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		w.Close()
		return fmt.Errorf("smtp: writing the message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp: the message was not accepted: %w", err)
	}
	// The server has taken the mail: a failed QUIT loses nothing.
	_ = c.Quit()
	return nil
}

// connect dials the server and greets it, over TLS when the port calls for
// it or the server offers STARTTLS.
func (m *Mailer) connect(ctx context.Context) (*gosmtp.Client, error) {
	m.mu.Lock()
	wantTLS := m.tlsSeen
	m.mu.Unlock()
	c, offered, err := m.dial(ctx, wantTLS)
	if err != nil || wantTLS || m.implicit || !offered {
		return c, err
	}
	// go-smtp upgrades a connection only before its first EHLO: the offer
	// was seen on this one, so the mail goes over a new one with STARTTLS.
	c.Close()
	m.mu.Lock()
	m.tlsSeen = true
	m.mu.Unlock()
	c, _, err = m.dial(ctx, true)
	return c, err
}

// dial connects and says EHLO; with startTLS it upgrades the connection
// first. It reports whether the server offered STARTTLS.
func (m *Mailer) dial(ctx context.Context, startTLS bool) (*gosmtp.Client, bool, error) {
	d := net.Dialer{Timeout: m.cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", m.cfg.Addr)
	if err != nil {
		return nil, false, fmt.Errorf("smtp: connect to %s: %w", m.cfg.Addr, err)
	}
	// Closing the connection is the only way to interrupt a command in
	// flight when ctx ends.
	raw := conn
	conn = &closeOnDone{Conn: raw, stop: context.AfterFunc(ctx, func() { raw.Close() })}
	tlsConfig := m.tlsConfig()
	var c *gosmtp.Client
	switch {
	case m.implicit:
		c = gosmtp.NewClient(tls.Client(conn, tlsConfig))
	case startTLS:
		// NewClientStartTLS greets before it upgrades: bound the greeting.
		conn.SetDeadline(time.Now().Add(m.cfg.Timeout))
		c, err = gosmtp.NewClientStartTLS(conn, tlsConfig)
		if err != nil {
			conn.Close()
			return nil, false, fmt.Errorf("smtp: STARTTLS with %s (it offered it before): %w", m.cfg.Addr, err)
		}
		conn.SetDeadline(time.Time{})
	default:
		c = gosmtp.NewClient(conn)
	}
	c.CommandTimeout, c.SubmissionTimeout = m.cfg.Timeout, m.cfg.Timeout
	// After STARTTLS go-smtp says EHLO anew, so Hello still comes first.
	if err := c.Hello(m.cfg.HelloName); err != nil {
		c.Close()
		return nil, false, fmt.Errorf("smtp: greeting %s: %w", m.cfg.Addr, err)
	}
	offered, _ := c.Extension("STARTTLS")
	return c, offered, nil
}

func (m *Mailer) tlsConfig() *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if m.cfg.TLSConfig != nil {
		cfg = m.cfg.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = m.host
	}
	return cfg
}

// closeOnDone is a connection that ctx closes when it ends; closing it
// first lets ctx go.
type closeOnDone struct {
	net.Conn
	stop func() bool
}

func (c *closeOnDone) Close() error {
	c.stop()
	return c.Conn.Close()
}

// isLoopback reports whether host is this machine, where a password may go
// without TLS (a local relay).
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// message writes the mail: headers, then the body as UTF-8 text in
// quoted-printable, which any server carries unharmed.
func (m *Mailer) message(to *mail.Address, subject, body string) ([]byte, error) {
	id, err := messageID(m.from.Address)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	header := func(name, value string) { fmt.Fprintf(&b, "%s: %s\r\n", name, value) }
	header("From", m.from.String())
	header("To", to.String())
	header("Subject", encodeHeader(subject))
	header("Date", m.cfg.Now().Format(time.RFC1123Z))
	header("Message-ID", id)
	header("MIME-Version", "1.0")
	header("Content-Type", `text/plain; charset="utf-8"`)
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated") // RFC 3834: no auto-replies, please
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(body)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}

// encodeHeader returns the value as RFC 2047 encoded words if it is not
// plain printable ASCII, folded between encoded words; line breaks of s
// never reach the header.
func encodeHeader(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(mime.QEncoding.Encode("utf-8", s), "?= =?", "?=\r\n =?")
}

// messageID returns a unique Message-ID in the sender's domain.
func messageID(from string) (string, error) {
	var r [16]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", err
	}
	domain := "kinbridge.invalid"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i < len(from)-1 {
		domain = from[i+1:]
	}
	return "<" + hex.EncodeToString(r[:]) + "@" + domain + ">", nil
}
