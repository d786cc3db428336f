// Package postgres runs kinbridge's store on PostgreSQL through pgx, for
// installations that outgrow one machine. The store itself is sqlstore's;
// this package opens the pool and supplies what PostgreSQL does differently.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

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

// Open connects to the PostgreSQL database at url (postgres://…; a
// search_path parameter selects the schema) and brings its schema up to date.
func Open(ctx context.Context, url string) (*sqlstore.Store, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	// A connection is a server process: more of them than the processors
	// can keep busy only take turns on them, and the one that holds a turn
	// to commit waits behind the rest. Two a processor keep them busy
	// through the waits for the network and the disk. All of them are kept
	// open: one opened for a request costs a process and its statements.
	conns := max(4, 2*runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres %s@%s:%d/%s: %w (check that the server runs and the URL is right)",
			cfg.User, cfg.Host, cfg.Port, cfg.Database, err)
	}
	s := sqlstore.New(db, db, dialect(url))
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	return s, nil
}

func dialect(url string) sqlstore.Dialect {
	return sqlstore.Dialect{
		Name:           "postgres",
		NumberedParams: true,
		EncodeTime:     func(t time.Time) any { return t.UTC() },
		MapError:       mapError,
		// The audit verifier reads the whole log and then the head: it needs
		// one snapshot for both, which READ COMMITTED would not give.
		ReadTx: sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
		// Writers serialise where they must by locks (the audit head, the
		// unit tree), so READ COMMITTED never fails a write for having raced.
		// Their statements run on generic plans: left to choose, PostgreSQL
		// plans a statement with a range (a booking's calls of the day, its
		// quota seats) anew for every execution, for values that never
		// change its plan, and a booking spent more time planning than
		// running. Reads (pages, dashboards over a subtree of any size) keep
		// plans made for their values.
		BeginWrite: "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL plan_cache_mode = force_generic_plan",
		// The audit append travels with the COMMIT: one round trip for both.
		Commit:            commit,
		LockHead:          " FOR UPDATE",
		DataModifyingWith: true,
		// SHARE ROW EXCLUSIVE conflicts with itself and with writes to units,
		// not with reads nor with the key-share locks that foreign keys to
		// units take: tree changes take turns, everything else goes on.
		LockTree:        "LOCK TABLE units IN SHARE ROW EXCLUSIVE MODE",
		Migrations:      Migrations(),
		MigrationsTable: "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied TIMESTAMPTZ NOT NULL)",
		MigrationLock:   "LOCK TABLE schema_migrations IN EXCLUSIVE MODE",
		Backup: func(ctx context.Context, path string) error {
			return backup(ctx, url, path)
		},
	}
}

// commit runs stmts and then COMMIT in one round trip: a pipeline of the
// extended protocol with one Sync at its end, so that once a statement
// fails the server skips the rest, COMMIT included, and the transaction
// stays open, failed. pgx prepares and caches the statements as it does
// database/sql's (QueryExecModeCacheStatement), but this goes round
// database/sql, which offers no pipeline.
func commit(ctx context.Context, conn *sql.Conn, stmts []sqlstore.Statement, ran func()) error {
	return conn.Raw(func(driverConn any) error {
		c := driverConn.(*stdlib.Conn).Conn()
		var b pgx.Batch
		for _, st := range stmts {
			b.Queue(st.Query, st.Args...)
		}
		b.Queue("COMMIT")
		br := c.SendBatch(ctx, &b)
		var tag pgconn.CommandTag
		var err error
		for i := range b.Len() {
			if i == len(stmts) && ran != nil {
				ran()
			}
			if tag, err = br.Exec(); err != nil {
				break
			}
		}
		if errClose := br.Close(); err == nil {
			err = errClose
		}
		if err == nil && tag.String() == "ROLLBACK" {
			// The transaction had failed before: COMMIT rolled it back.
			err = pgx.ErrTxCommitRollback
		}
		return err
	})
}

// SQLSTATE codes mapped to domain errors; see the PostgreSQL manual,
// appendix A.
const (
	codeNotNullViolation     = "23502"
	codeForeignKeyViolation  = "23503"
	codeUniqueViolation      = "23505"
	codeCheckViolation       = "23514"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

// mapError maps PostgreSQL's SQLSTATE codes to domain errors; errors it does
// not know pass through.
func mapError(err error) error {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return err
	}
	switch e.Code {
	case codeUniqueViolation:
		return &kinbridge.Error{Code: kinbridge.ECONFLICT, Message: "A record with the same key exists already.", Key: "error.conflict"}
	case codeForeignKeyViolation:
		return &kinbridge.Error{Code: kinbridge.EINVALID, Message: "The record refers to a record that does not exist.", Key: "error.invalid_reference"}
	case codeNotNullViolation:
		if e.TableName == "audit_log" && e.ColumnName == "seq" {
			// The append sent with the COMMIT found the head moved
			// (sqlstore's Tx.appendStatement): its seq is NULL.
			return kinbridge.ErrAuditHeadMoved
		}
		return &kinbridge.Error{Code: kinbridge.EINVALID, Message: "A value is not allowed here.", Key: "error.invalid"}
	case codeCheckViolation:
		return &kinbridge.Error{Code: kinbridge.EINVALID, Message: "A value is not allowed here.", Key: "error.invalid"}
	case codeSerializationFailure, codeDeadlockDetected:
		return &kinbridge.Error{Code: kinbridge.ECONFLICT, Message: "Someone else changed the same records at the same time; try again.", Key: "error.retry"}
	}
	return err
}
