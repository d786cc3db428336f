// Package storetest is the one behaviour suite that every kinbridge store
// must pass, and the helpers that open a fresh store of each engine for
// tests of other packages. The suite drives the domain Service, so that the
// rules are proven on each engine, and drops to the Tx only for what the
// Service cannot show (error codes, rollbacks, tampering).
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/postgres"
	"github.com/kinbridge/kinbridge/sqlite"
	"github.com/kinbridge/kinbridge/sqlstore"
)

// Opener opens a fresh, empty, migrated store that is closed (and, for
// PostgreSQL, dropped) when the test ends.
type Opener func(tb testing.TB) *sqlstore.Store

// Engine is a database engine the tests can run on.
type Engine struct {
	Name string
	Open Opener
}

// Engines returns every engine, for tests that must pass on each:
//
//	for _, e := range storetest.Engines() {
//		t.Run(e.Name, func(t *testing.T) { s := e.Open(t); … })
//	}
func Engines() []Engine {
	return []Engine{{"sqlite", OpenSQLite}, {"postgres", OpenPostgres}}
}

// OpenSQLite opens a store on a new SQLite file in the test's temporary
// directory.
func OpenSQLite(tb testing.TB) *sqlstore.Store {
	tb.Helper()
	return MustOpenSQLite(tb, filepath.Join(tb.TempDir(), "kinbridge.db"))
}

// MustOpenSQLite opens the SQLite store at path, closed when the test ends.
func MustOpenSQLite(tb testing.TB, path string) *sqlstore.Store {
	tb.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	reopeners.Store(s, func(tb testing.TB) *sqlstore.Store { return MustOpenSQLite(tb, path) })
	return s
}

// reopeners holds, for each store the openers opened, how to open its
// database again.
var reopeners sync.Map // *sqlstore.Store → func(testing.TB) *sqlstore.Store

// Reopen opens the database of s again, as a process that restarts would:
// a new store on the same SQLite file or PostgreSQL schema, closed when the
// test ends. The caller usually closes s first. It fails the test for a
// store no opener of this package opened.
func Reopen(tb testing.TB, s *sqlstore.Store) *sqlstore.Store {
	tb.Helper()
	open, ok := reopeners.Load(s)
	if !ok {
		tb.Fatalf("reopen: the store was not opened by storetest")
	}
	return open.(func(testing.TB) *sqlstore.Store)(tb)
}

// DefaultPostgresURL is where the tests look for PostgreSQL unless
// KINBRIDGE_TEST_POSTGRES says otherwise.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// PostgresURL returns the URL of the PostgreSQL server for tests, from
// KINBRIDGE_TEST_POSTGRES or DefaultPostgresURL. When the server does not
// answer, the test is skipped, loudly; under CI (CI=true) it fails instead,
// so that CI never passes without having run the PostgreSQL tests.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("KINBRIDGE_TEST_POSTGRES")
	if u == "" {
		u = DefaultPostgresURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err == nil {
		err = conn.Ping(ctx)
		conn.Close(ctx)
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("PostgreSQL is required under CI but %s does not answer: %v", redact(u), err)
		}
		tb.Skipf("\n\n*** SKIPPING PostgreSQL store tests: %s does not answer (%v).\n"+
			"*** Start PostgreSQL or set KINBRIDGE_TEST_POSTGRES to a server's URL. ***\n", redact(u), err)
	}
	return u
}

// PostgresSchemaURL creates a fresh schema for the test and returns a URL
// that works in it (search_path); the schema is dropped when the test ends.
// Tests that start a server process pass it the URL.
func PostgresSchemaURL(tb testing.TB) string {
	tb.Helper()
	base := PostgresURL(tb)
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("KINBRIDGE_TEST_POSTGRES must be a postgres:// URL: %v", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "kb_test_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("connect to postgres: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema %s: %v", schema, err)
	}
	tb.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// OpenPostgres opens a store in a fresh PostgreSQL schema.
func OpenPostgres(tb testing.TB) *sqlstore.Store {
	tb.Helper()
	return MustOpenPostgres(tb, PostgresSchemaURL(tb))
}

// MustOpenPostgres opens the PostgreSQL store at url, closed when the test
// ends.
func MustOpenPostgres(tb testing.TB, url string) *sqlstore.Store {
	tb.Helper()
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	reopeners.Store(s, func(tb testing.TB) *sqlstore.Store { return MustOpenPostgres(tb, url) })
	return s
}

func redact(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Redacted()
	}
	return "the PostgreSQL URL"
}

// Clock is a clock that tests set and move by hand.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock that reads t until moved.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// t0 is where the suite's clocks start: a time with microseconds, so that
// any loss of precision in a round trip shows.
var t0 = time.Date(2026, 3, 1, 9, 30, 15, 123456000, time.UTC)

// ActorOf returns the actor a signed-in user is, as the web layer builds it.
func ActorOf(u *kinbridge.User) *kinbridge.Actor {
	return &kinbridge.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, UnitID: u.UnitID, UnitPath: u.UnitPath,
		Lang: u.Lang, Addr: "192.0.2.1"}
}

// As returns a context whose actor is the user.
func As(u *kinbridge.User) context.Context {
	return kinbridge.NewContextWithActor(context.Background(), ActorOf(u))
}

// System returns a context whose actor is the command line.
func System() context.Context {
	return kinbridge.NewContextWithActor(context.Background(), kinbridge.SystemActor("test"))
}
