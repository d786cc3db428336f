package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/files"
	"github.com/kinbridge/kinbridge/postgres"
	"github.com/kinbridge/kinbridge/smtp"
	"github.com/kinbridge/kinbridge/sqlite"
	"github.com/kinbridge/kinbridge/sqlstore"
)

// Config is every setting of kinbridge, with its defaults. Flags override
// the environment, which overrides the defaults.
type Config struct {
	Addr string // KINBRIDGE_ADDR, --addr
	DB   string // KINBRIDGE_DB, --db: a file path (SQLite) or postgres://…
	// Files is the directory of the attachments (KINBRIDGE_FILES, --files);
	// empty: <DB>.files next to a SQLite file, and none (attachments off)
	// with PostgreSQL.
	Files         string
	SessionIdle   time.Duration // KINBRIDGE_SESSION_IDLE
	SessionMax    time.Duration // KINBRIDGE_SESSION_MAX
	SecureCookies bool          // KINBRIDGE_SECURE_COOKIES: set behind HTTPS
	LogFormat     string        // KINBRIDGE_LOG_FORMAT: text or json

	// The SMTP server of the daily digest mail; no address: no mail, the
	// digest goes to the inbox only.
	SMTPAddr     string // KINBRIDGE_SMTP_ADDR, --smtp-addr: host:port
	SMTPFrom     string // KINBRIDGE_SMTP_FROM, --smtp-from: the sender
	SMTPUser     string // KINBRIDGE_SMTP_USER, --smtp-user: for AUTH PLAIN
	SMTPPassword string // KINBRIDGE_SMTP_PASSWORD only: a flag would show in the process list
}

// DefaultConfig returns the defaults: SQLite in ./kinbridge.db, served on
// localhost:8080.
func DefaultConfig() Config {
	d := kinbridge.DefaultServiceConfig()
	return Config{Addr: "localhost:8080", DB: "kinbridge.db", SessionIdle: d.SessionIdle, SessionMax: d.SessionMax, LogFormat: "text"}
}

// settingError names the setting at fault in both its spellings.
func settingError(flagName, env string, format string, args ...any) error {
	return fmt.Errorf("setting %s (--%s): %s", env, flagName, fmt.Sprintf(format, args...))
}

// loadEnv reads the environment into c; getenv is os.Getenv outside tests.
func (c *Config) loadEnv(getenv func(string) string) error {
	if v := getenv("KINBRIDGE_ADDR"); v != "" {
		c.Addr = v
	}
	if v := getenv("KINBRIDGE_DB"); v != "" {
		c.DB = v
	}
	if v := getenv("KINBRIDGE_FILES"); v != "" {
		c.Files = v
	}
	for _, d := range []struct {
		env, flag string
		dst       *time.Duration
	}{{"KINBRIDGE_SESSION_IDLE", "session-idle", &c.SessionIdle}, {"KINBRIDGE_SESSION_MAX", "session-max", &c.SessionMax}} {
		if v := getenv(d.env); v != "" {
			x, err := time.ParseDuration(v)
			if err != nil {
				return settingError(d.flag, d.env, "%q is not a duration such as 30m or 12h", v)
			}
			*d.dst = x
		}
	}
	if v := getenv("KINBRIDGE_SECURE_COOKIES"); v != "" {
		switch strings.ToLower(v) {
		case "1", "true", "yes":
			c.SecureCookies = true
		case "0", "false", "no":
			c.SecureCookies = false
		default:
			return settingError("secure-cookies", "KINBRIDGE_SECURE_COOKIES", "%q is not true or false", v)
		}
	}
	if v := getenv("KINBRIDGE_LOG_FORMAT"); v != "" {
		c.LogFormat = v
	}
	for _, s := range []struct {
		env string
		dst *string
	}{{"KINBRIDGE_SMTP_ADDR", &c.SMTPAddr}, {"KINBRIDGE_SMTP_FROM", &c.SMTPFrom}, {"KINBRIDGE_SMTP_USER", &c.SMTPUser}, {"KINBRIDGE_SMTP_PASSWORD", &c.SMTPPassword}} {
		if v := getenv(s.env); v != "" {
			*s.dst = v
		}
	}
	return nil
}

// addDBFlag and addServeFlags register the flags that commands share.
func (c *Config) addDBFlag(fs *flag.FlagSet) {
	fs.StringVar(&c.DB, "db", c.DB, "database: a SQLite file path, or a postgres:// URL (env KINBRIDGE_DB)")
}

// addFilesFlag registers the attachments directory.
func (c *Config) addFilesFlag(fs *flag.FlagSet) {
	fs.StringVar(&c.Files, "files", c.Files, "directory of the attachments; default: the SQLite file's path + .files; none with PostgreSQL unless set (env KINBRIDGE_FILES)")
}

func (c *Config) addServeFlags(fs *flag.FlagSet) {
	c.addDBFlag(fs)
	c.addFilesFlag(fs)
	fs.StringVar(&c.Addr, "addr", c.Addr, "address to serve on, host:port (env KINBRIDGE_ADDR)")
	fs.DurationVar(&c.SessionIdle, "session-idle", c.SessionIdle, "a session unused this long ends (env KINBRIDGE_SESSION_IDLE)")
	fs.DurationVar(&c.SessionMax, "session-max", c.SessionMax, "a session ends this long after sign-in (env KINBRIDGE_SESSION_MAX)")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", c.SecureCookies, "mark cookies Secure; set when served over HTTPS (env KINBRIDGE_SECURE_COOKIES)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "request log format: text or json (env KINBRIDGE_LOG_FORMAT)")
	c.addSMTPFlags(fs)
}

// addSMTPFlags registers the flags of the mail server; its password comes
// from the environment only.
func (c *Config) addSMTPFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.SMTPAddr, "smtp-addr", c.SMTPAddr, "SMTP server of the daily digest mail, host:port; empty: no mail (env KINBRIDGE_SMTP_ADDR)")
	fs.StringVar(&c.SMTPFrom, "smtp-from", c.SMTPFrom, "sender of the mail, e.g. 'kinbridge <noreply@example.org>' (env KINBRIDGE_SMTP_FROM)")
	fs.StringVar(&c.SMTPUser, "smtp-user", c.SMTPUser, "user for SMTP AUTH PLAIN; the password is KINBRIDGE_SMTP_PASSWORD (env KINBRIDGE_SMTP_USER)")
}

// Validate checks every setting and names the first bad one.
func (c *Config) Validate() error {
	if _, err := c.engine(); err != nil {
		return err
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		return settingError("addr", "KINBRIDGE_ADDR", "%q is not host:port (for example localhost:8080)", c.Addr)
	} else if port == "" {
		return settingError("addr", "KINBRIDGE_ADDR", "%q has no port", c.Addr)
	}
	if c.SessionIdle < time.Minute {
		return settingError("session-idle", "KINBRIDGE_SESSION_IDLE", "%v is shorter than a minute", c.SessionIdle)
	}
	if c.SessionMax < c.SessionIdle {
		return settingError("session-max", "KINBRIDGE_SESSION_MAX", "%v is shorter than the idle timeout %v", c.SessionMax, c.SessionIdle)
	}
	if strings.Contains(c.Files, "://") {
		return settingError("files", "KINBRIDGE_FILES", "%q is a URL; give a directory on the local disk", c.Files)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return settingError("log-format", "KINBRIDGE_LOG_FORMAT", "%q is neither text nor json", c.LogFormat)
	}
	return c.validateSMTP()
}

// validateSMTP checks the mail settings: all or none of them.
func (c *Config) validateSMTP() error {
	if c.SMTPAddr == "" {
		switch {
		case c.SMTPFrom != "":
			return settingError("smtp-addr", "KINBRIDGE_SMTP_ADDR", "empty, but KINBRIDGE_SMTP_FROM is set; give the SMTP server as host:port")
		case c.SMTPUser != "" || c.SMTPPassword != "":
			return settingError("smtp-addr", "KINBRIDGE_SMTP_ADDR", "empty, but an SMTP user or password is set; give the SMTP server as host:port")
		}
		return nil
	}
	if host, port, err := net.SplitHostPort(c.SMTPAddr); err != nil || host == "" || port == "" {
		return settingError("smtp-addr", "KINBRIDGE_SMTP_ADDR", "%q is not host:port (for example mail.example.org:587)", c.SMTPAddr)
	}
	if c.SMTPFrom == "" {
		return settingError("smtp-from", "KINBRIDGE_SMTP_FROM", "empty; mail needs a sender address")
	}
	if _, err := mail.ParseAddress(c.SMTPFrom); err != nil {
		return settingError("smtp-from", "KINBRIDGE_SMTP_FROM", "%q is not an e-mail address", c.SMTPFrom)
	}
	if c.SMTPUser != "" && c.SMTPPassword == "" {
		return fmt.Errorf("setting KINBRIDGE_SMTP_PASSWORD: empty, but KINBRIDGE_SMTP_USER is set")
	}
	if c.SMTPUser == "" && c.SMTPPassword != "" {
		return settingError("smtp-user", "KINBRIDGE_SMTP_USER", "empty, but KINBRIDGE_SMTP_PASSWORD is set")
	}
	return nil
}

// mailer returns the SMTP mailer of the settings, or nil (no interface
// value at all) when no server is set: the digest then stays in the inbox.
func (c *Config) mailer() (kinbridge.Mailer, error) {
	if c.SMTPAddr == "" {
		return nil, nil
	}
	m, err := smtp.New(smtp.Config{Addr: c.SMTPAddr, From: c.SMTPFrom, Username: c.SMTPUser, Password: c.SMTPPassword})
	if err != nil {
		return nil, settingError("smtp-addr", "KINBRIDGE_SMTP_ADDR", "%v", err)
	}
	return m, nil
}

// engine tells from the database setting which engine serves it.
func (c *Config) engine() (string, error) {
	if c.DB == "" {
		return "", settingError("db", "KINBRIDGE_DB", "empty; give a SQLite file path or a postgres:// URL")
	}
	if i := strings.Index(c.DB, "://"); i > 0 {
		u, err := url.Parse(c.DB)
		if err != nil {
			return "", settingError("db", "KINBRIDGE_DB", "not a valid URL: %v", err)
		}
		switch u.Scheme {
		case "postgres", "postgresql":
			return "postgres", nil
		case "file", "sqlite":
			return "", settingError("db", "KINBRIDGE_DB", "give SQLite databases as a plain file path, not a %s:// URL", u.Scheme)
		default:
			return "", settingError("db", "KINBRIDGE_DB", "unknown scheme %q; use a file path for SQLite or postgres://", u.Scheme)
		}
	}
	return "sqlite", nil
}

// filesDir returns the directory of the attachments: the setting, or
// next to a SQLite file; "" when there is none (PostgreSQL without the
// setting).
func (c *Config) filesDir() string {
	if c.Files != "" {
		return c.Files
	}
	if engine, err := c.engine(); err == nil && engine == "sqlite" {
		return c.DB + ".files"
	}
	return ""
}

// openFiles returns the attachment store of the settings, or nil (no
// interface value at all) when there is no directory: attachments are then
// refused.
func (c *Config) openFiles() (kinbridge.AttachmentStore, error) {
	dir := c.filesDir()
	if dir == "" {
		return nil, nil
	}
	fs, err := files.Open(dir)
	if err != nil {
		return nil, settingError("files", "KINBRIDGE_FILES", "%v", err)
	}
	return fs, nil
}

// serviceConfig returns the domain's part of the configuration.
func (c *Config) serviceConfig() kinbridge.ServiceConfig {
	return kinbridge.ServiceConfig{SessionIdle: c.SessionIdle, SessionMax: c.SessionMax}
}

// openStore opens (and migrates) the configured database.
func (c *Config) openStore(ctx context.Context) (*sqlstore.Store, error) {
	engine, err := c.engine()
	if err != nil {
		return nil, err
	}
	if engine == "postgres" {
		return postgres.Open(ctx, c.DB)
	}
	return sqlite.Open(ctx, c.DB)
}
