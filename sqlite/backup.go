package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kinbridge/kinbridge/sqlstore"
)

// backup writes a consistent copy of the live database at dbPath to dst
// with VACUUM INTO, which reads one snapshot while writers go on. It runs on
// a connection of its own: the readers are query_only, which VACUUM INTO
// refuses, and the writer must not be held for the length of a copy. The
// copy is written under a temporary name, synced and renamed, so that dst is
// either absent or complete.
func backup(ctx context.Context, dbPath, dst string) error {
	if err := refuseExisting(dst); err != nil {
		return err
	}
	tmp, err := tempName(dst)
	if err != nil {
		return fmt.Errorf("backup to %s: %w", dst, err)
	}
	db, err := sql.Open("sqlite", dbPath+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("backup to %s: %w", dst, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup to %s: %w", dst, err)
	}
	if err := syncFile(tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup to %s: %w", dst, err)
	}
	// Checked again: the copy may have taken a while.
	if err := refuseExisting(dst); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup to %s: %w", dst, err)
	}
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return fmt.Errorf("backup to %s: %w", dst, err)
	}
	return nil
}

func refuseExisting(path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup to %s: the file exists already; choose a new name, a backup never overwrites", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// Restore replaces the database file at dbPath with the backup at
// backupPath. The server must be stopped first. The backup is checked before
// anything is touched: it must pass SQLite's integrity check and be a
// kinbridge database this version knows. The replacement is durable and
// atomic: the backup is copied next to the database, synced, and renamed
// over it; the old database's -wal and -shm files are removed first, since
// they belong to the old file and would corrupt the new one.
func Restore(ctx context.Context, backupPath, dbPath string) error {
	if err := checkPath(dbPath); err != nil {
		return err
	}
	if err := CheckBackup(ctx, backupPath); err != nil {
		return err
	}
	if err := checkNotInUse(ctx, dbPath); err != nil {
		return err
	}
	tmp, err := tempName(dbPath)
	if err != nil {
		return fmt.Errorf("restore %s: %w", dbPath, err)
	}
	if err := copyFile(backupPath, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore %s: %w", dbPath, err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(dbPath + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			os.Remove(tmp)
			return fmt.Errorf("restore %s: %w", dbPath, err)
		}
	}
	if err := os.Rename(tmp, dbPath); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore %s: %w", dbPath, err)
	}
	if err := syncDir(filepath.Dir(dbPath)); err != nil {
		return fmt.Errorf("restore %s: %w", dbPath, err)
	}
	return nil
}

// checkNotInUse refuses to restore over a database that a running server
// has open: the server would go on writing to the old file, and those
// writes would be lost. Every connection to a WAL database holds a shared
// lock, so an exclusive lock is had only when no one else has the file open.
func checkNotInUse(ctx context.Context, dbPath string) error {
	if _, err := os.Stat(dbPath); errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("restore %s: %w", dbPath, err)
	}
	db, err := sql.Open("sqlite", dbPath+"?_pragma=busy_timeout(0)&_pragma=locking_mode(EXCLUSIVE)")
	if err != nil {
		return fmt.Errorf("restore %s: %w", dbPath, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "BEGIN EXCLUSIVE; COMMIT"); err != nil {
		var e *sqlite.Error
		if errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY {
			return fmt.Errorf("restore %s: the database is in use; stop the kinbridge server first", dbPath)
		}
		return fmt.Errorf("restore %s: %w", dbPath, err)
	}
	return nil
}

// CheckBackup checks that the file at path is an intact kinbridge SQLite
// database whose migrations this version knows, without changing it.
func CheckBackup(ctx context.Context, path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("check backup %s: %w", path, err)
	} else if !fi.Mode().IsRegular() {
		return fmt.Errorf("check backup %s: not a regular file", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("check backup %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", fileURI(abs))
	if err != nil {
		return fmt.Errorf("check backup %s: %w", path, err)
	}
	defer db.Close()
	var result string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&result); err != nil {
		return fmt.Errorf("check backup %s: not a readable SQLite database: %w", path, err)
	} else if result != "ok" {
		return fmt.Errorf("check backup %s: the file is damaged: %s", path, result)
	}
	rows, err := db.QueryContext(ctx, "SELECT name FROM schema_migrations ORDER BY name")
	if err != nil {
		return fmt.Errorf("check backup %s: not a kinbridge database (no migrations table): %w", path, err)
	}
	defer rows.Close()
	known, err := sqlstore.MigrationNames(Migrations())
	if err != nil {
		return err
	}
	var applied []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return fmt.Errorf("check backup %s: %w", path, err)
		}
		applied = append(applied, name)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("check backup %s: %w", path, err)
	}
	if len(applied) == 0 {
		return fmt.Errorf("check backup %s: not a kinbridge database (no migration applied)", path)
	}
	for _, name := range applied {
		if !slices.Contains(known, name) {
			return fmt.Errorf("check backup %s: made by a newer kinbridge (migration %s is unknown here); restore it with that version", path, name)
		}
	}
	return nil
}

// tempName returns an unused name beside path for a file that will be
// renamed to path.
func tempName(path string) (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	dir, base := filepath.Split(path)
	return filepath.Join(dir, "."+strings.TrimPrefix(base, ".")+".tmp-"+hex.EncodeToString(b)), nil
}

// copyFile copies src to a new file dst and syncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return err
	}
	return d.Close()
}
