package smtp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// received is one mail the fake server took.
type received struct {
	From, To string
	Data     []byte
	TLS      bool
	User     string // who authenticated, "" if nobody
}

// fakeServer is an SMTP server in the test's process, built on go-smtp's
// server package. It refuses the recipients in refuse.
type fakeServer struct {
	Addr   string
	Roots  *x509.CertPool // trusts the server's certificate
	refuse map[string]bool

	mu   sync.Mutex
	mail []received
}

type fakeOptions struct {
	TLS  bool // offer STARTTLS
	Auth bool // offer AUTH PLAIN (user "kb", password "secret")
}

func startFakeServer(t *testing.T, opt fakeOptions) *fakeServer {
	t.Helper()
	f := &fakeServer{refuse: map[string]bool{"nobody@example.org": true}}
	s := gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) {
		return &fakeSession{f: f, conn: c, auth: opt.Auth}, nil
	}))
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	if opt.TLS {
		cert, roots := selfSigned(t)
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		f.Roots = roots
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.Addr = ln.Addr().String()
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return f
}

func (f *fakeServer) received() []received {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]received(nil), f.mail...)
}

type fakeSession struct {
	f    *fakeServer
	conn *gosmtp.Conn
	auth bool
	user string
	from string
	to   []string
}

func (s *fakeSession) AuthMechanisms() []string {
	if !s.auth {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *fakeSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != "kb" || password != "secret" {
			return errors.New("invalid credentials")
		}
		s.user = username
		return nil
	}), nil
}

func (s *fakeSession) Mail(from string, _ *gosmtp.MailOptions) error {
	if s.auth && s.user == "" {
		return gosmtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *fakeSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if s.f.refuse[to] {
		return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *fakeSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	for _, to := range s.to {
		s.f.mail = append(s.f.mail, received{From: s.from, To: to, Data: b, TLS: isTLS, User: s.user})
	}
	return nil
}

func (s *fakeSession) Reset()        { s.from, s.to = "", nil }
func (s *fakeSession) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "kinbridge test SMTP"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, roots
}

func mustMailer(t *testing.T, cfg Config) *Mailer {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSendDigest sends a digest with a Korean subject over STARTTLS with
// AUTH PLAIN and reads back what the server received.
func TestSendDigest(t *testing.T) {
	srv := startFakeServer(t, fakeOptions{TLS: true, Auth: true})
	date := time.Date(2026, 11, 27, 9, 30, 0, 0, time.FixedZone("KST", 9*3600))
	m := mustMailer(t, Config{Addr: srv.Addr, From: "kinbridge <noreply@kinbridge.example>", Username: "kb", Password: "secret",
		TLSConfig: &tls.Config{RootCAs: srv.Roots}, Timeout: 5 * time.Second, Now: func() time.Time { return date }})
	subject := "kinbridge: 오늘의 업무 2026-11-27"
	body := "Your work on 2026-11-27: 2 problems overdue, 1 due within two days.\n.\nA line that starts with a dot, and 한국어.\n" +
		strings.Repeat("long ", 40) + "\n"
	if err := m.Send(context.Background(), "officer@example.org", subject, body); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.received()
	if len(got) != 1 {
		t.Fatalf("the server received %d mails, want 1", len(got))
	}
	r := got[0]
	if !r.TLS || r.User != "kb" || r.From != "noreply@kinbridge.example" || r.To != "officer@example.org" {
		t.Errorf("envelope: TLS %v, user %q, from %q, to %q; want TLS, kb, noreply@kinbridge.example, officer@example.org", r.TLS, r.User, r.From, r.To)
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(r.Data)))
	if err != nil {
		t.Fatalf("the message does not parse: %v\n%s", err, r.Data)
	}
	h := msg.Header
	if from, err := h.AddressList("From"); err != nil || len(from) != 1 || from[0].Address != "noreply@kinbridge.example" || from[0].Name != "kinbridge" {
		t.Errorf("From: %q (%v)", h.Get("From"), err)
	}
	if to, err := h.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != "officer@example.org" {
		t.Errorf("To: %q (%v)", h.Get("To"), err)
	}
	raw := h.Get("Subject")
	if !strings.HasPrefix(strings.ToLower(raw), "=?utf-8?") {
		t.Errorf("Subject %q is not RFC 2047 encoded", raw)
	}
	if dec, err := new(mime.WordDecoder).DecodeHeader(raw); err != nil || dec != subject {
		t.Errorf("Subject decodes to %q (%v), want %q", dec, err, subject)
	}
	if d, err := h.Date(); err != nil || !d.Equal(date) {
		t.Errorf("Date: %q (%v), want %v", h.Get("Date"), err, date)
	}
	if id := h.Get("Message-ID"); !regexp.MustCompile(`^<[0-9a-f]{32}@kinbridge\.example>$`).MatchString(id) {
		t.Errorf("Message-ID: %q", id)
	}
	if ct, params, err := mime.ParseMediaType(h.Get("Content-Type")); err != nil || ct != "text/plain" || params["charset"] != "utf-8" {
		t.Errorf("Content-Type: %q", h.Get("Content-Type"))
	}
	if h.Get("MIME-Version") != "1.0" || h.Get("Content-Transfer-Encoding") != "quoted-printable" {
		t.Errorf("MIME-Version %q, Content-Transfer-Encoding %q", h.Get("MIME-Version"), h.Get("Content-Transfer-Encoding"))
	}
	decoded, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.ReplaceAll(body, "\n", "\r\n"); string(decoded) != want {
		t.Errorf("body:\n%q\nwant\n%q", decoded, want)
	}
	for i, line := range strings.Split(string(r.Data), "\r\n") {
		if len(line) > 998 || i > 8 && len(line) > 76 { // RFC 5322; RFC 2045 for the body
			t.Errorf("line %d is %d characters long: %q", i+1, len(line), line)
		}
	}

	// The mailer remembers the offer of STARTTLS: the next mail goes over
	// TLS too.
	if err := m.Send(context.Background(), "second@example.org", "again", "again"); err != nil {
		t.Fatal(err)
	}
	if got := srv.received(); len(got) != 2 || !got[1].TLS {
		t.Errorf("the second mail: %+v", got[1:])
	}
}

func TestRefusedRecipient(t *testing.T) {
	srv := startFakeServer(t, fakeOptions{})
	m := mustMailer(t, Config{Addr: srv.Addr, From: "noreply@kinbridge.example", Timeout: 5 * time.Second})
	err := m.Send(context.Background(), "nobody@example.org", "digest", "body")
	var smtpErr *gosmtp.SMTPError
	if !errors.As(err, &smtpErr) || smtpErr.Code != 550 || !strings.Contains(err.Error(), "RCPT TO <nobody@example.org> refused") {
		t.Errorf("Send to a refused recipient: %v, want the server's 550 naming the recipient", err)
	}
	if got := srv.received(); len(got) != 0 {
		t.Errorf("the server received %d mails", len(got))
	}
}

// TestPlainServer: a server that offers no TLS gets the mail in the clear;
// a password goes to it only because it is on this machine.
func TestPlainServer(t *testing.T) {
	srv := startFakeServer(t, fakeOptions{Auth: true})
	m := mustMailer(t, Config{Addr: srv.Addr, From: "noreply@kinbridge.example", Username: "kb", Password: "secret", Timeout: 5 * time.Second})
	if err := m.Send(context.Background(), "officer@example.org", "digest", "body"); err != nil {
		t.Fatal(err)
	}
	if got := srv.received(); len(got) != 1 || got[0].TLS || got[0].User != "kb" {
		t.Errorf("received %+v", got)
	}

	bad := mustMailer(t, Config{Addr: srv.Addr, From: "noreply@kinbridge.example", Username: "kb", Password: "wrong", Timeout: 5 * time.Second})
	if err := bad.Send(context.Background(), "officer@example.org", "digest", "body"); err == nil || !strings.Contains(err.Error(), "AUTH PLAIN as kb") {
		t.Errorf("a wrong password: %v", err)
	}
}

// TestTimeout: a server that accepts the connection and never answers
// makes Send fail after the timeout, and so does a context that ends.
func TestTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	m := mustMailer(t, Config{Addr: ln.Addr().String(), From: "noreply@kinbridge.example", Timeout: 300 * time.Millisecond})
	start := time.Now()
	if err := m.Send(context.Background(), "officer@example.org", "s", "b"); err == nil {
		t.Error("Send to a silent server succeeded")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Send took %v with a timeout of 300ms", d)
	}

	slow := mustMailer(t, Config{Addr: ln.Addr().String(), From: "noreply@kinbridge.example", Timeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start = time.Now()
	if err := slow.Send(ctx, "officer@example.org", "s", "b"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send with a context that ends: %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Send took %v with a context of 300ms", d)
	}
}

func TestNewChecksTheConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no port", Config{Addr: "mail.example.org", From: "a@example.org"}, "host:port"},
		{"bad sender", Config{Addr: "mail.example.org:587", From: "not an address"}, "sender"},
		{"user without password", Config{Addr: "mail.example.org:587", From: "a@example.org", Username: "kb"}, "password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want an error about %s", err, tt.want)
			}
		})
	}
	m := mustMailer(t, Config{Addr: "mail.example.org:587", From: "a@example.org"})
	if err := m.Send(context.Background(), "no address", "s", "b"); err == nil || !strings.Contains(err.Error(), "recipient") {
		t.Errorf("Send to a bad address: %v", err)
	}
}
