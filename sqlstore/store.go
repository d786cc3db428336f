// Package sqlstore implements kinbridge.Store once, over database/sql, for
// every SQL engine kinbridge runs on. The engine packages (sqlite, postgres)
// open the connections and supply a Dialect: what their SQL, time encoding,
// transaction options and error codes do differently. Everything else — the
// queries where the dialects agree, the transaction plumbing, the migration
// runner — lives here, so that both engines behave alike by construction.
package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kinbridge/kinbridge"
)

// Dialect is what differs between SQL engines. The engine packages fill it
// in; the zero value of each field is the behaviour the engines share.
type Dialect struct {
	// Name is the engine's name, as Store.Engine reports it.
	Name string
	// NumberedParams rewrites the ? placeholders the queries are written with
	// into $1, $2, … (PostgreSQL).
	NumberedParams bool
	// EncodeTime turns a time into the value the engine stores.
	EncodeTime func(time.Time) any
	// MapError maps a driver error to a *kinbridge.Error by its error code,
	// and returns any error it does not recognise unchanged.
	MapError func(error) error
	// ReadTx and WriteTx are the options of View and Update transactions.
	// An engine that sets Commit begins Update transactions with BeginWrite
	// instead.
	ReadTx, WriteTx sql.TxOptions
	// Commit, if set, is how Update transactions end. Each then runs on a
	// connection of its own, begun by the statement BeginWrite, and Commit
	// sends stmts and then COMMIT on that connection in one round trip. A
	// statement that fails keeps the ones after it, the COMMIT among them,
	// from running, and Commit returns its error with the transaction still
	// open (failed, on PostgreSQL, until it is rolled back to a savepoint or
	// rolled back); a COMMIT that rolled back, because the transaction had
	// failed before, is an error too. The audit append goes this way, with
	// the COMMIT instead of in a round trip of its own (Tx.AppendAudit).
	// ran, if not nil, is called once stmts have run without error, while
	// the COMMIT may still be running.
	Commit     func(ctx context.Context, conn *sql.Conn, stmts []Statement, ran func()) error
	BeginWrite string
	// GroupCommit runs concurrent Update transactions as one, each in a
	// savepoint, committed together (group.go): for an engine with a
	// single writer, whose every COMMIT waits for the disk.
	GroupCommit bool
	// PrepareStatements keeps the statements of exec and queryRow prepared
	// on each pool's connections and reuses them in every transaction (see
	// Tx.stmt). modernc.org/sqlite parses and plans a query anew on every
	// call unless it is prepared, which costs a small write about as much as
	// running it; pgx already keeps the statements it runs prepared on each
	// connection (its default QueryExecModeCacheStatement), so PostgreSQL
	// leaves this off.
	PrepareStatements bool
	// LockHead is appended to the query that reads the audit head in a
	// read-write transaction, so that appends serialise (" FOR UPDATE").
	// Engines that serialise writers anyway leave it empty.
	LockHead string
	// DataModifyingWith says the engine runs an UPDATE inside WITH
	// (PostgreSQL): the audit append then moves the head and stores the
	// entry in one statement, one round trip. SQLite has no such WITH, and
	// no round trips to save.
	DataModifyingWith bool
	// AuditIndexTables says the audit log's keys by unit and actor and by
	// record are kept in tables written a batch of entries at a time
	// (audit_index.go) rather than in indexes written with every entry:
	// SQLite writes a whole page to the WAL for each index an entry
	// touches, at every commit.
	AuditIndexTables bool
	// LockTree, if set, runs before a unit is created or moved, to
	// serialise changes to the shape of the unit tree: each reads paths and
	// writes paths derived from them, which is only right if no other change
	// of the tree commits in between. Engines that serialise writers anyway
	// leave it empty.
	LockTree string
	// Migrations holds the engine's numbered migration files at its root.
	Migrations fs.FS
	// MigrationsTable is the DDL that creates the table recording applied
	// migrations, if it does not exist yet.
	MigrationsTable string
	// MigrationLock, if set, runs first in each migration's transaction to
	// keep two processes from applying the same migration at once.
	MigrationLock string
	// Backup writes a consistent copy of the database to path.
	Backup func(ctx context.Context, path string) error
}

// Statement is a query, in the engine's placeholders, with its arguments in
// the engine's encoding, for Dialect.Commit.
type Statement struct {
	Query string
	Args  []any
}

// Store implements kinbridge.Store over a write pool and a read pool, which
// may be the same pool.
type Store struct {
	write, read *sql.DB
	dialect     Dialect
	clock       atomic.Pointer[clockBox]
	rebound     sync.Map     // query with ? → query with $n
	prepared    sync.Map     // stmtKey → *sql.Stmt, if the dialect prepares statements
	nPrepared   atomic.Int64 // entries in prepared
	// head is the audit head as this store last committed it, or read it
	// under the lock: an append's first guess (Tx.AuditHead).
	head atomic.Pointer[kinbridge.AuditHead]
	// commitTurn lets one COMMIT that carries an audit append (Tx.commit)
	// go at a time, so that each links its entry to the head the one before
	// it committed, and none finds the head moved by a writer of this
	// store. A channel of one, so that waiting for the turn ends with the
	// caller's context.
	commitTurn chan struct{}
	// group queues the Update calls of a GroupCommit engine (group.go).
	group writeGroup
	// auditIndexed is the newest audit entry this store knows the index
	// tables to hold (Dialect.AuditIndexTables, audit_index.go).
	auditIndexed atomic.Int64
}

// stmtKey names a query prepared on one of the pools.
type stmtKey struct {
	db    *sql.DB
	query string
}

// A query is kept prepared only if its text is at most maxPreparedLen bytes
// long, and only the first maxPrepared queries of each store are. The
// queries are few — written out in the code, or built from a handful of
// clauses, or with IN lists padded to a power of two (placeholders) — save
// the multi-row INSERTs of bulk writes, which are long, vary with the count
// of rows, and are prepared per use where that pays (insertRows).
const (
	maxPreparedLen = 2048
	maxPrepared    = 512
)

type clockBox struct{ kinbridge.Clock }

var _ kinbridge.Store = (*Store)(nil)

// New returns a store over the pools; read may equal write. The engine
// packages call it; the store owns the pools from then on and closes them.
func New(write, read *sql.DB, d Dialect) *Store {
	if read == nil {
		read = write
	}
	if d.EncodeTime == nil {
		d.EncodeTime = func(t time.Time) any { return t.UTC() }
	}
	if d.MapError == nil {
		d.MapError = func(err error) error { return err }
	}
	s := &Store{write: write, read: read, dialect: d, commitTurn: make(chan struct{}, 1)}
	s.SetClock(kinbridge.SystemClock{})
	return s
}

// Engine names the database engine: "sqlite" or "postgres".
func (s *Store) Engine() string { return s.dialect.Name }

// SetClock replaces the clock that Tx.Now reads; tests use a fake one.
func (s *Store) SetClock(c kinbridge.Clock) { s.clock.Store(&clockBox{c}) }

// now is the store's clock reading in UTC, at the microsecond precision both
// engines keep, so that what is written reads back equal.
func (s *Store) now() time.Time {
	return s.clock.Load().Now().UTC().Truncate(time.Microsecond)
}

// DBs returns the store's connection pools by name, for metrics: "write" and
// "read" when they are separate, "main" when there is one.
func (s *Store) DBs() map[string]*sql.DB {
	if s.read == s.write {
		return map[string]*sql.DB{"main": s.write}
	}
	return map[string]*sql.DB{"write": s.write, "read": s.read}
}

// WriteDB returns the pool that read-write transactions use. Maintenance code
// and tests use it for SQL the Store does not offer.
func (s *Store) WriteDB() *sql.DB { return s.write }

// Ping checks that both pools answer.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.write.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", s.dialect.Name, err)
	}
	if s.read != s.write {
		if err := s.read.PingContext(ctx); err != nil {
			return fmt.Errorf("ping %s read pool: %w", s.dialect.Name, err)
		}
	}
	return nil
}

// Close closes the prepared statements and the pools.
func (s *Store) Close() error {
	s.prepared.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
	var errRead error
	if s.read != s.write {
		errRead = s.read.Close()
	}
	return errors.Join(s.write.Close(), errRead)
}

// Backup writes a consistent copy of the live database to path, which must
// not exist yet. Each engine package has the matching Restore.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.dialect.Backup == nil {
		return fmt.Errorf("backup: not supported by %s", s.dialect.Name)
	}
	return s.dialect.Backup(ctx, path)
}

// WritesRunTogether says whether read-write transactions run beside each
// other (engines without group commit's single writer: PostgreSQL).
func (s *Store) WritesRunTogether() bool { return !s.dialect.GroupCommit && s.dialect.Commit != nil }

// Update runs fn in a read-write transaction, committed if fn returns nil and
// rolled back otherwise (and on panic).
func (s *Store) Update(ctx context.Context, fn func(kinbridge.Tx) error) error {
	if s.dialect.GroupCommit {
		return s.updateGrouped(ctx, fn)
	}
	return s.run(ctx, s.write, s.dialect.WriteTx, true, fn)
}

// View runs fn in a read-only transaction that sees one consistent snapshot.
func (s *Store) View(ctx context.Context, fn func(kinbridge.Tx) error) error {
	return s.run(ctx, s.read, s.dialect.ReadTx, false, fn)
}

// Read runs fn, which reads with one query, on the read pool outside a
// transaction (kinbridge.Store.Read); a second query fails.
func (s *Store) Read(ctx context.Context, fn func(kinbridge.Tx) error) error {
	tx := &Tx{tx: s.read, db: s.read, store: s, now: s.now(), single: true}
	defer func() { s.prepare(ctx, s.read, tx.stmts) }()
	return fn(tx)
}

// errSecondRead is the error of a second query in Store.Read.
var errSecondRead = errors.New("sqlstore: Read runs one query; a second needs View")

func (s *Store) run(ctx context.Context, db *sql.DB, opts sql.TxOptions, writable bool, fn func(kinbridge.Tx) error) error {
	if writable && s.dialect.Commit != nil {
		return s.runOnConn(ctx, db, fn)
	}
	sqlTx, err := db.BeginTx(ctx, &opts)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", s.dialect.MapError(err))
	}
	tx := &Tx{tx: sqlTx, db: db, store: s, now: s.now(), writable: writable}
	// Deferred before the rollback so that it runs after it, once the
	// transaction has given its connection back.
	defer func() { s.prepare(ctx, db, tx.stmts) }()
	// Rollback after Commit is a no-op; this covers errors and panics.
	defer sqlTx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	indexed, err := tx.finishAudit(ctx)
	if err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", s.dialect.MapError(err))
	}
	s.noteCommitted(tx.head, indexed)
	return nil
}

// runOnConn runs fn in a read-write transaction that it begins and ends by
// statements on a connection of its own, rather than through database/sql's
// Tx, so that the end can carry more than the COMMIT (Dialect.Commit).
func (s *Store) runOnConn(ctx context.Context, db *sql.DB, fn func(kinbridge.Tx) error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", s.dialect.MapError(err))
	}
	// Deferred before the rollback so that it runs after it. A connection
	// that goes back to the pool still in a transaction (a rollback that
	// failed) is one that pgx's session reset discards; rollback discards
	// it at once.
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, s.dialect.BeginWrite); err != nil {
		return fmt.Errorf("begin transaction: %w", s.dialect.MapError(err))
	}
	tx := &Tx{tx: conn, conn: conn, db: db, store: s, now: s.now(), writable: true}
	committed := false
	defer func() {
		if !committed {
			tx.rollback(ctx)
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.commit(ctx); err != nil {
		return err
	}
	committed = true
	if tx.head != nil {
		s.noteAuditHead(tx.head)
	}
	return nil
}

// commit ends a transaction run by runOnConn: it sends the pending audit
// append, if there is one, with the COMMIT (see Tx.AppendAudit).
//
// Such COMMITs take turns in the store (commitTurn), and each links its entry
// anew to the head as the one before it left it: were they to race, all but
// one would find the head moved, and roll back to link again under the
// head's row lock, holding it through more round trips. In turn, only the
// round trip of the COMMIT itself is in series; the rest of every
// transaction runs beside the others. Another store on the same database
// (another process) may still move the head; that append fails, and is made
// again under the lock, as before.
func (tx *Tx) commit(ctx context.Context) error {
	e := tx.pending
	if e == nil {
		if err := tx.store.dialect.Commit(ctx, tx.conn, nil, nil); err != nil {
			return fmt.Errorf("commit: %w", tx.store.dialect.MapError(err))
		}
		return nil
	}
	tx.pending = nil
	if tx.headLocked {
		// The head is this transaction's already: no one can move it.
		if err := tx.store.dialect.Commit(ctx, tx.conn, []Statement{tx.appendStatement(e, true)}, nil); err != nil {
			return fmt.Errorf("commit: %w", tx.store.dialect.MapError(err))
		}
		return nil
	}
	err := tx.commitInTurn(ctx, e)
	if err == nil {
		return nil
	}
	err = tx.store.dialect.MapError(err)
	if !errors.Is(err, kinbridge.ErrAuditHeadMoved) {
		return fmt.Errorf("commit: %w", err)
	}
	// Rolled back to before the append, the transaction is as it was, and
	// the append can be made again, under the lock.
	if _, err := tx.conn.ExecContext(ctx, "ROLLBACK TO SAVEPOINT audit_append"); err != nil {
		return fmt.Errorf("commit: %w", tx.store.dialect.MapError(err))
	}
	if err := tx.relinkAudit(ctx, e); err != nil {
		return err
	}
	if err := tx.store.dialect.Commit(ctx, tx.conn, nil, nil); err != nil {
		return fmt.Errorf("commit: %w", tx.store.dialect.MapError(err))
	}
	return nil
}

// commitInTurn links e to the head the store last committed, and sends it
// with the COMMIT, in the store's turn (commitTurn). The head it links to is
// not locked: if another store moved it, the append fails, and the COMMIT
// with it, after a savepoint that keeps the rest of the transaction.
//
// The turn ends once the append has run, while the COMMIT still waits for
// the disk: from then on the head's row lock, held to the end of the
// transaction, orders the commits, and the next in turn can link to this
// entry and send its own, whose append waits in the server for this COMMIT
// and runs at once after it — no round trip to this process in between.
// Were this COMMIT to fail, the next append finds the head moved and is
// made again under the lock; the store forgets the head it guessed.
func (tx *Tx) commitInTurn(ctx context.Context, e *kinbridge.AuditEntry) error {
	s := tx.store
	select {
	case s.commitTurn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	inTurn := true
	endTurn := func() {
		if inTurn {
			inTurn = false
			<-s.commitTurn
		}
	}
	defer endTurn()
	if h := s.head.Load(); h != nil && (e.Seq != h.Seq+1 || e.PrevHash != h.Hash) {
		e.Link(*h, tx.now)
		tx.head = &kinbridge.AuditHead{Seq: e.Seq, Hash: e.Hash, At: e.At}
	}
	head := tx.head
	err := s.dialect.Commit(ctx, tx.conn, []Statement{{Query: "SAVEPOINT audit_append"}, tx.appendStatement(e, true)}, func() {
		// Before the next in turn links to it.
		s.noteAuditHead(head)
		endTurn()
	})
	if err != nil {
		s.forgetAuditHead(head)
	}
	return err
}

// rollback ends a transaction run by runOnConn that is not committed. A
// connection whose rollback failed is in no known state: it is closed
// rather than given back to the pool.
func (tx *Tx) rollback(ctx context.Context) {
	if _, err := tx.conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		tx.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}

// prepare prepares the queries on db for the transactions to come. It runs
// between transactions, not in one, because preparing on a pool needs a
// free connection and the SQLite write pool has only the one the
// transaction holds. A query that fails to prepare is left to fail again,
// with its error, when it runs.
func (s *Store) prepare(ctx context.Context, db *sql.DB, stmts map[string]*sql.Stmt) {
	for q, st := range stmts {
		if st != nil {
			continue
		}
		key := stmtKey{db, q}
		if s.nPrepared.Load() >= maxPrepared {
			return
		}
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		if _, loaded := s.prepared.LoadOrStore(key, st); loaded {
			st.Close()
		} else {
			s.nPrepared.Add(1)
		}
	}
}

// Tx is one transaction; it implements kinbridge.Tx.
type Tx struct {
	// tx runs the transaction's statements: a *sql.Tx, or the *sql.Conn of
	// a transaction begun and ended by statements (Dialect.Commit), which
	// is conn then.
	tx       queryer
	conn     *sql.Conn
	db       *sql.DB // the pool tx came from
	store    *Store
	now      time.Time
	writable bool

	// stmts holds the store's prepared statements bound to tx, and nil for
	// the queries to prepare once tx has ended.
	stmts map[string]*sql.Stmt
	// head is the audit head this transaction appended or locked.
	head *kinbridge.AuditHead
	// headMoved is set once an append found the head it was given stale.
	headMoved bool
	// headLocked is set once the transaction holds the lock on the audit
	// head (engines that lock it): it has read the head under the lock, or
	// moved it.
	headLocked bool
	// pending is the audit entry to append with the COMMIT, or before the
	// next statement, whichever comes first (Tx.AppendAudit).
	pending *kinbridge.AuditEntry
	// deferred are the audit entries, linked one after the other to the
	// head, that a group-commit engine writes all at once before the
	// COMMIT, or before a statement on the audit tables (Tx.AppendAudit).
	deferred []*kinbridge.AuditEntry
	// single is set for Store.Read, which runs one query outside a
	// transaction (tx is then the pool); ran, once it has.
	single, ran bool
}

// queryer is what runs a transaction's statements: *sql.Tx and *sql.Conn.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

var _ kinbridge.Tx = (*Tx)(nil)

// Now is the store clock's reading when the transaction began.
func (tx *Tx) Now() time.Time { return tx.now }

// before readies tx for query: the audit entries it must see are written
// (flushAuditFor), and a Store.Read runs its one query only.
func (tx *Tx) before(ctx context.Context, query string) error {
	if tx.single {
		if tx.ran {
			return errSecondRead
		}
		tx.ran = true
	}
	return tx.flushAuditFor(ctx, query)
}

func (tx *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := tx.before(ctx, query); err != nil {
		return nil, err
	}
	query = tx.store.rebind(query)
	if st := tx.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, tx.store.encode(args)...)
	}
	return tx.tx.ExecContext(ctx, query, tx.store.encode(args)...)
}

// query runs a query of many rows. It is never prepared: a statement that
// is reused must not run again while its rows are open, and code that
// reads rows may call helpers that run queries.
func (tx *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := tx.before(ctx, query); err != nil {
		return nil, err
	}
	query = tx.store.rebind(query)
	if st := tx.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, tx.store.encode(args)...)
	}
	return tx.tx.QueryContext(ctx, query, tx.store.encode(args)...)
}

// queryRow runs a query of one row, which its Scan reads and closes at once.
func (tx *Tx) queryRow(ctx context.Context, query string, args ...any) row {
	if err := tx.before(ctx, query); err != nil {
		return row{err: err}
	}
	query = tx.store.rebind(query)
	if st := tx.stmt(ctx, query); st != nil {
		return row{row: st.QueryRowContext(ctx, tx.store.encode(args)...)}
	}
	return row{row: tx.tx.QueryRowContext(ctx, query, tx.store.encode(args)...)}
}

// row is the result of queryRow: a *sql.Row, or the error that kept the
// query from being sent.
type row struct {
	row *sql.Row
	err error
}

// Scan is sql.Row's Scan, or the error that kept the query from being sent.
func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return r.row.Scan(dest...)
}

// stmt returns the store's prepared statement for query bound to tx, or nil
// when the dialect does not prepare statements, the query is not one to
// keep prepared, or it is not prepared yet; then it is prepared after the
// transaction.
func (tx *Tx) stmt(ctx context.Context, query string) *sql.Stmt {
	// A transaction's statements are bound to it; Store.Read's, on the
	// pool, are the pool's own.
	sqlTx, ok := tx.tx.(*sql.Tx)
	if (!ok && !tx.single) || !tx.store.dialect.PrepareStatements || len(query) > maxPreparedLen {
		return nil
	}
	if st, ok := tx.stmts[query]; ok {
		return st
	}
	if tx.stmts == nil {
		tx.stmts = make(map[string]*sql.Stmt)
	}
	var st *sql.Stmt
	if prepared, ok := tx.store.prepared.Load(stmtKey{tx.db, query}); ok {
		// database/sql prepares the statement on each connection once and
		// keeps it there with the pool's statement: this reuses it.
		st = prepared.(*sql.Stmt)
		if sqlTx != nil {
			st = sqlTx.StmtContext(ctx, st)
		}
	}
	tx.stmts[query] = st
	return st
}

// execOne runs a statement that must change exactly one row: none is
// ENOTFOUND for the named record.
func (tx *Tx) execOne(ctx context.Context, what, op, query string, args ...any) error {
	res, err := tx.exec(ctx, query, args...)
	if err != nil {
		return tx.store.mapError(err, op, what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if n == 0 {
		return notFound(what)
	}
	return nil
}

// mapError turns a database error into a domain error where one fits: no
// rows is ENOTFOUND for the named record; the engine maps its own codes.
func (s *Store) mapError(err error, op, what string) error {
	if err == nil {
		return nil
	} else if errors.Is(err, sql.ErrNoRows) {
		return notFound(what)
	}
	return fmt.Errorf("%s: %w", op, s.dialect.MapError(err))
}

func notFound(what string) error {
	return &kinbridge.Error{Code: kinbridge.ENOTFOUND, Message: what + " not found", Key: "error.not_found"}
}

// encode returns the arguments with times in the engine's encoding; other
// arguments pass through. A nil time pointer is NULL. The caller's slice is
// left as it was: filters reuse theirs for a count and a page.
func (s *Store) encode(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			out[i] = s.dialect.EncodeTime(v)
		case *time.Time:
			if v == nil {
				out[i] = nil
			} else {
				out[i] = s.dialect.EncodeTime(*v)
			}
		default:
			out[i] = a
		}
	}
	return out
}

// nullTime is NULL for the zero time, for optional time columns.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// nullID is NULL for the zero ID, for optional references.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// rebind rewrites ? placeholders into the engine's form. Results are cached:
// the set of distinct queries is small (filters combine a handful of
// clauses), and rebinding is on every query's path.
func (s *Store) rebind(query string) string {
	if !s.dialect.NumberedParams {
		return query
	}
	if q, ok := s.rebound.Load(query); ok {
		return q.(string)
	}
	q := Rebind(query)
	s.rebound.Store(query, q)
	return q
}

// Rebind rewrites each ? placeholder of query as $1, $2, …, leaving
// question marks inside quoted strings and identifiers alone.
func Rebind(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// TimeLayout is how SQLite stores times: UTC text of fixed width, so that
// text order is time order and comparisons and indexes work on it.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// scanTime scans a time column whatever form the driver returns it in:
// time.Time (PostgreSQL), or text in TimeLayout or RFC 3339 (SQLite). NULL
// scans as the zero time.
type scanTime struct{ t *time.Time }

// Scan implements sql.Scanner.
func (st scanTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*st.t = time.Time{}
	case time.Time:
		*st.t = v.UTC()
	case string:
		return st.parse(v)
	case []byte:
		return st.parse(string(v))
	default:
		return fmt.Errorf("scan time: unsupported type %T", src)
	}
	return nil
}

func (st scanTime) parse(s string) error {
	t, err := time.Parse(TimeLayout, s)
	if err != nil {
		if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return fmt.Errorf("scan time %q: %w", s, err)
		}
	}
	*st.t = t.UTC()
	return nil
}

// EncodeTimeText encodes a time as SQLite stores it (TimeLayout, UTC,
// microseconds).
func EncodeTimeText(t time.Time) any { return t.UTC().Format(TimeLayout) }
