package postgres

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// backup runs pg_dump, in its custom format (compressed, restorable with
// pg_restore, table by table), into a temporary file that is synced and
// renamed to path, so that path is either absent or a complete dump.
func backup(ctx context.Context, dbURL, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup to %s: the file exists already; choose a new name, a backup never overwrites", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	exe, err := lookTool("pg_dump")
	if err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	conn, err := libpqConn(dbURL)
	if err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	tmp, err := tempName(path)
	if err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	args := []string{"--format=custom", "--no-password", "--file=" + tmp, "--dbname=" + conn.url}
	for _, schema := range conn.schemas {
		args = append(args, "--schema="+schema)
	}
	if err := run(ctx, exe, args, conn.env); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	if err := syncFile(tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	if _, err := os.Stat(path); err == nil {
		os.Remove(tmp)
		return fmt.Errorf("backup to %s: the file appeared while the backup ran; choose a new name", path)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	if err := syncFile(filepath.Dir(path)); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// Restore loads a backup made by Store.Backup into the database at dbURL
// with pg_restore, in one transaction: the records of the backup replace
// those in the database (--clean --if-exists), or, if anything fails,
// nothing changes. Objects are owned by the user dbURL connects as.
func Restore(ctx context.Context, backupPath, dbURL string) error {
	if fi, err := os.Stat(backupPath); err != nil {
		return fmt.Errorf("restore from %s: %w", backupPath, err)
	} else if !fi.Mode().IsRegular() {
		return fmt.Errorf("restore from %s: not a regular file", backupPath)
	}
	exe, err := lookTool("pg_restore")
	if err != nil {
		return fmt.Errorf("restore from %s: %w", backupPath, err)
	}
	conn, err := libpqConn(dbURL)
	if err != nil {
		return fmt.Errorf("restore from %s: %w", backupPath, err)
	}
	// The dump names its schemas; pg_restore puts the records back there.
	args := []string{"--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error", "--no-password",
		"--dbname=" + conn.url, backupPath}
	if err := run(ctx, exe, args, conn.env); err != nil {
		return fmt.Errorf("restore from %s: %w", backupPath, err)
	}
	return nil
}

func lookTool(name string) (string, error) {
	exe, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s not found: install the PostgreSQL client tools, of the server's major version or newer "+
			"(Debian: apt-get install postgresql-client): %w", name, err)
	}
	return exe, nil
}

// run runs a PostgreSQL client tool and returns its error output with any
// failure.
func run(ctx context.Context, exe string, args, env []string) error {
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", filepath.Base(exe), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// libpqParams are the URL parameters libpq (and so pg_dump) understands;
// pgx takes any other parameter as a run-time setting, which libpq refuses.
var libpqParams = map[string]bool{
	"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true, "passfile": true,
	"channel_binding": true, "connect_timeout": true, "client_encoding": true, "options": true,
	"application_name": true, "fallback_application_name": true, "keepalives": true, "keepalives_idle": true,
	"keepalives_interval": true, "keepalives_count": true, "tcp_user_timeout": true, "gssencmode": true,
	"sslmode": true, "sslcompression": true, "sslcert": true, "sslkey": true, "sslpassword": true,
	"sslrootcert": true, "sslcrl": true, "sslcrldir": true, "sslsni": true, "requirepeer": true,
	"ssl_min_protocol_version": true, "ssl_max_protocol_version": true, "krbsrvname": true, "gsslib": true,
	"service": true, "target_session_attrs": true, "load_balance_hosts": true,
}

// libpqConnection is how a client tool reaches the database of a pgx URL.
type libpqConnection struct {
	url     string   // without password and pgx-only parameters
	env     []string // PGPASSWORD, kept off the command line
	schemas []string // from search_path: the schemas that hold kinbridge
}

func libpqConn(dbURL string) (libpqConnection, error) {
	u, err := url.Parse(dbURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return libpqConnection{}, fmt.Errorf("the database URL must have the form postgres://user@host:port/dbname")
	}
	var c libpqConnection
	if pw, ok := u.User.Password(); ok {
		c.env = append(c.env, "PGPASSWORD="+pw)
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	for key := range q {
		if key == "search_path" {
			for _, s := range strings.Split(q.Get(key), ",") {
				s = strings.Trim(strings.TrimSpace(s), `"`)
				if s != "" && s != "$user" && s != "pg_catalog" {
					c.schemas = append(c.schemas, s)
				}
			}
		}
		if key == "password" {
			c.env = append(c.env, "PGPASSWORD="+q.Get(key))
		}
		if !libpqParams[key] {
			q.Del(key)
		}
	}
	u.RawQuery = q.Encode()
	c.url = u.String()
	return c, nil
}

func tempName(path string) (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	dir, base := filepath.Split(path)
	return filepath.Join(dir, "."+strings.TrimPrefix(base, ".")+".tmp-"+hex.EncodeToString(b)), nil
}

// syncFile syncs a file, or a directory to make a rename in it durable.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
