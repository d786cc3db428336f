// Package smtptest is an SMTP server for tests, in the test's own process,
// built on go-smtp's server package: it offers STARTTLS and AUTH PLAIN if
// asked, keeps what it receives, and refuses the recipient
// nobody@example.org.
package smtptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// Refused is the recipient the server refuses, with 550.
const Refused = "nobody@example.org"

// The credentials the server takes when it offers AUTH.
const (
	User     = "kb"
	Password = "secret"
)

// Mail is one mail the server took.
type Mail struct {
	From, To string
	Data     []byte
	TLS      bool
	User     string // who authenticated, "" if nobody
}

// Server is a running test server.
type Server struct {
	Addr   string
	Roots  *x509.CertPool // trusts the server's certificate
	refuse map[string]bool
	close  func() error

	mu   sync.Mutex
	mail []Mail
}

// Options say what the server offers.
type Options struct {
	TLS  bool   // offer STARTTLS, with a certificate that Server.Roots trusts
	Auth bool   // offer AUTH PLAIN (User, Password), and require it
	Addr string // where to listen; default 127.0.0.1:0
}

// Start starts a server on 127.0.0.1 for the test; it stops when the test
// ends.
func Start(t testing.TB, opt Options) *Server {
	t.Helper()
	f := &Server{refuse: map[string]bool{Refused: true}}
	s := gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) {
		return &session{f: f, conn: c, auth: opt.Auth}, nil
	}))
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	if opt.TLS {
		cert, roots := selfSigned(t)
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		f.Roots = roots
	}
	addr := opt.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	f.Addr = ln.Addr().String()
	f.close = s.Close
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return f
}

// Close stops the server before the test ends.
func (f *Server) Close() { f.close() }

// Received returns the mails received so far, one per recipient.
func (f *Server) Received() []Mail {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Mail(nil), f.mail...)
}

type session struct {
	f    *Server
	conn *gosmtp.Conn
	auth bool
	user string
	from string
	to   []string
}

func (s *session) AuthMechanisms() []string {
	if !s.auth {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != User || password != Password {
			return errors.New("invalid credentials")
		}
		s.user = username
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *gosmtp.MailOptions) error {
	if s.auth && s.user == "" {
		return gosmtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if s.f.refuse[to] {
		return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	for _, to := range s.to {
		s.f.mail = append(s.f.mail, Mail{From: s.from, To: to, Data: b, TLS: isTLS, User: s.user})
	}
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
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
