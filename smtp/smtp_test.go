package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/kinbridge/kinbridge/smtp/smtptest"
)

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
	srv := smtptest.Start(t, smtptest.Options{TLS: true, Auth: true})
	date := time.Date(2026, 11, 27, 9, 30, 0, 0, time.FixedZone("KST", 9*3600))
	m := mustMailer(t, Config{Addr: srv.Addr, From: "kinbridge <noreply@kinbridge.example>", Username: "kb", Password: "secret",
		TLSConfig: &tls.Config{RootCAs: srv.Roots}, Timeout: 5 * time.Second, Now: func() time.Time { return date }})
	subject := "kinbridge: 오늘의 업무 2026-11-27"
	body := "Your work on 2026-11-27: 2 problems overdue, 1 due within two days.\n.\nA line that starts with a dot, and 한국어.\n" +
		strings.Repeat("long ", 40) + "\n"
	if err := m.Send(context.Background(), "officer@example.org", subject, body); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.Received()
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
	if got := srv.Received(); len(got) != 2 || !got[1].TLS {
		t.Errorf("the second mail: %+v", got[1:])
	}
}

// TestStartTLSStripped: once the server has offered STARTTLS, a server at
// the same address that does not (a man in the middle stripping the offer)
// gets no mail.
func TestStartTLSStripped(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{TLS: true})
	m := mustMailer(t, Config{Addr: srv.Addr, From: "noreply@kinbridge.example", TLSConfig: &tls.Config{RootCAs: srv.Roots}, Timeout: 5 * time.Second})
	if err := m.Send(context.Background(), "officer@example.org", "digest", "body"); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	plain := smtptest.Start(t, smtptest.Options{Addr: srv.Addr})
	if err := m.Send(context.Background(), "officer@example.org", "digest", "body"); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("Send to a server that stopped offering STARTTLS: %v, want a refusal", err)
	}
	if got := plain.Received(); len(got) != 0 {
		t.Errorf("the server without TLS received %d mails", len(got))
	}
}

func TestRefusedRecipient(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	m := mustMailer(t, Config{Addr: srv.Addr, From: "noreply@kinbridge.example", Timeout: 5 * time.Second})
	err := m.Send(context.Background(), smtptest.Refused, "digest", "body")
	var smtpErr *gosmtp.SMTPError
	if !errors.As(err, &smtpErr) || smtpErr.Code != 550 || !strings.Contains(err.Error(), "RCPT TO <"+smtptest.Refused+"> refused") {
		t.Errorf("Send to a refused recipient: %v, want the server's 550 naming the recipient", err)
	}
	if got := srv.Received(); len(got) != 0 {
		t.Errorf("the server received %d mails", len(got))
	}
}

// TestPlainServer: a server that offers no TLS gets the mail in the clear;
// a password goes to it only because it is on this machine.
func TestPlainServer(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{Auth: true})
	m := mustMailer(t, Config{Addr: srv.Addr, From: "noreply@kinbridge.example", Username: "kb", Password: "secret", Timeout: 5 * time.Second})
	if err := m.Send(context.Background(), "officer@example.org", "digest", "body"); err != nil {
		t.Fatal(err)
	}
	if got := srv.Received(); len(got) != 1 || got[0].TLS || got[0].User != "kb" {
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
