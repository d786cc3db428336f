// Package sqlite runs kinbridge's store on SQLite, through the pure-Go
// driver modernc.org/sqlite (no cgo): one file, WAL, synchronous commits.
// The store itself is sqlstore's; this package opens the connections the
// way SQLite needs, and supplies what SQLite does differently.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the embedded migration files, at the root of the FS.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the directory is embedded: it is always there
	}
	return sub
}

// writerParams configure the one writer connection. busy_timeout comes
// first so that the pragmas after it wait for a lock rather than fail;
// modernc.org/sqlite runs busy_timeout first whatever the order. WAL lets
// readers work while the writer writes; synchronous(FULL) syncs the WAL on
// every commit, so that an acknowledged write survives kill -9 and power
// loss; foreign_keys is off in SQLite unless asked for. BEGIN IMMEDIATE takes
// the write lock at the start of each transaction, so that a transaction
// that reads and then writes never fails with SQLITE_BUSY halfway.
// temp_store(MEMORY) keeps the temporary b-trees SQLite builds for a
// multi-row insert into a table with foreign keys, and for sorts, off the
// disk: a bulk import would otherwise write and read a temporary file.
const writerParams = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(ON)" +
	"&_pragma=synchronous(FULL)&_pragma=temp_store(MEMORY)&_txlock=immediate"

// readerParams configure the read pool: query_only makes a stray write fail
// rather than contend with the writer.
const readerParams = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)&_pragma=query_only(1)"

// Open opens (creating it if missing) the SQLite database file at path and
// brings its schema up to date.
func Open(ctx context.Context, path string) (*sqlstore.Store, error) {
	if err := checkPath(path); err != nil {
		return nil, err
	}
	write, err := sql.Open("sqlite", path+"?"+writerParams)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// One writer: SQLite allows one at a time anyway, and queueing in the
	// pool is cheaper and fairer than retrying on SQLITE_BUSY.
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	// The writer connects first: it creates the file and turns WAL on.
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w (check that the directory exists and is writable)", path, err)
	}
	read, err := sql.Open("sqlite", path+"?"+readerParams)
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	n := max(4, runtime.NumCPU())
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	s := sqlstore.New(write, read, dialect(path))
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return s, nil
}

func checkPath(path string) error {
	switch {
	case path == "":
		return errors.New("open sqlite: no database path given")
	case path == ":memory:" || strings.HasPrefix(path, "file:"):
		return fmt.Errorf("open sqlite %s: give the path of a database file (an in-memory database cannot be shared by the writer and the readers)", path)
	case strings.ContainsAny(path, "?#"):
		return fmt.Errorf("open sqlite %s: the path may not contain ? or #", path)
	}
	return nil
}

func dialect(path string) sqlstore.Dialect {
	return sqlstore.Dialect{
		Name:              "sqlite",
		EncodeTime:        sqlstore.EncodeTimeText,
		MapError:          mapError,
		PrepareStatements: true,
		// The read pool's deferred transactions see one snapshot from their
		// first read: WAL gives each reader a consistent view.
		ReadTx:  sql.TxOptions{ReadOnly: true},
		WriteTx: sql.TxOptions{},
		// No lock clause: BEGIN IMMEDIATE on the one writer connection
		// already serialises every read-write transaction.
		LockHead: "",
		// One writer: concurrent writes share a COMMIT, and its sync.
		GroupCommit: true,
		// Each index is a page in the WAL at every commit: the audit log's
		// are tables, written a batch of entries at a time.
		AuditIndexTables: true,
		Migrations:       Migrations(),
		MigrationsTable:  "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL) STRICT",
		Backup: func(ctx context.Context, dst string) error {
			return backup(ctx, path, dst)
		},
	}
}

// mapError maps SQLite's extended result codes (which modernc.org/sqlite
// turns on) to domain errors; errors it does not know pass through.
func mapError(err error) error {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return &kinbridge.Error{Code: kinbridge.ECONFLICT, Message: "A record with the same key exists already.", Key: "error.conflict"}
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return &kinbridge.Error{Code: kinbridge.EINVALID, Message: "The record refers to a record that does not exist.", Key: "error.invalid_reference"}
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		return &kinbridge.Error{Code: kinbridge.EINVALID, Message: "A value is not allowed here.", Key: "error.invalid"}
	}
	return err
}

// fileURI is the read-only URI of a database file, for inspecting files
// (backups) that must not be changed or created by opening them.
func fileURI(path string) string {
	u := url.URL{Scheme: "file", Path: path, RawQuery: "mode=ro&_pragma=busy_timeout(10000)"}
	return u.String()
}
