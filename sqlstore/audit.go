package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
)

const auditColumns = `a.seq, a.at, a.actor_id, a.actor_name, a.unit_id, a.action, a.record_type, a.record_id, a.addr,
	a.detail, a.prev_hash, a.hash`

func scanAuditEntry(row interface{ Scan(...any) error }) (*kinbridge.AuditEntry, error) {
	var e kinbridge.AuditEntry
	err := row.Scan(&e.Seq, scanTime{&e.At}, &e.ActorID, &e.ActorName, &e.UnitID, &e.Action, &e.RecordType, &e.RecordID,
		&e.Addr, &e.Detail, &e.PrevHash, &e.Hash)
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// AuditHead returns the head of the audit log. In a read-write transaction
// it answers, without a query, with the head this transaction has appended
// or locked, or else with the head as the store last committed it — a guess
// that AppendAudit checks. Once an append has found the guess stale, it
// reads the head record and locks it (on engines that need the lock) until
// the transaction ends, so that two appends cannot both build on one head.
// In a read-only transaction it reads the head of the transaction's
// snapshot and locks nothing.
func (tx *Tx) AuditHead(ctx context.Context) (kinbridge.AuditHead, error) {
	if tx.writable {
		if tx.head != nil {
			return *tx.head, nil
		}
		if h := tx.store.head.Load(); h != nil && !tx.headMoved {
			return *h, nil
		}
	}
	q := "SELECT seq, hash, at FROM audit_head WHERE id = 1"
	if tx.writable {
		q += tx.store.dialect.LockHead
	}
	var h kinbridge.AuditHead
	err := tx.queryRow(ctx, q).Scan(&h.Seq, &h.Hash, scanTime{&h.At})
	if errors.Is(err, sql.ErrNoRows) {
		return h, nil // the migration inserts the head; without it the log is empty
	} else if err != nil {
		return h, tx.store.mapError(err, "audit head", "audit head")
	}
	if tx.writable {
		// Read under the lock, it is the committed head: the store's best
		// guess from now on, even if it is older than what the store had
		// (a database restored from a backup).
		tx.head, tx.headLocked = &h, true
		tx.store.head.Store(&h)
	}
	return h, nil
}

// AppendAudit stores the entry and makes it the head, if the head is still
// the entry's predecessor; if not, it stores nothing and returns
// kinbridge.ErrAuditHeadMoved. One conditional UPDATE checks the head and
// moves it, and so locks it: on PostgreSQL its row lock is held to the end
// of the transaction, and on SQLite the one writer holds the database
// anyway. No other append can then build on the same head; one that raced
// and lost finds the head moved, and stores nothing.
//
// On an engine whose transactions end by Dialect.Commit (PostgreSQL), an
// entry linked to the head that AuditHead gives costs no round trip of its
// own: it waits in the transaction and goes to the database with the
// COMMIT, or before the next statement if one comes first, so that the
// transaction sees its own entry as it would have. Nothing commits without
// it: the statement that appends it with the COMMIT fails if the head has
// moved, and then the COMMIT does not run; the transaction is rolled back
// to before the append, and the entry linked anew to the head, read under
// the lock, and appended. There a stale guess of the head is found and
// mended at the commit, rather than by the caller's retry. An entry linked
// to any other head is appended at once, as on other engines.
//
// On an engine with group commit (SQLite), an entry linked to the head that
// AuditHead gives is kept in the transaction too, with the entries linked
// after it (Tx.deferred), and they are written together before the COMMIT
// — those of every function of a group, in one move of the head and one
// multi-row insert (writeDeferred) — or before a statement on the audit
// tables, if one comes first. There, too, a head found moved at that point
// is mended by linking the entries anew, and nothing commits without them.
func (tx *Tx) AppendAudit(ctx context.Context, e *kinbridge.AuditEntry) error {
	if tx.deferAudit(e) {
		return nil
	}
	// The pending entry goes first; if its head had moved, it is linked
	// anew, and this entry, linked to it as it was, is not linked to the
	// head any more.
	if err := tx.flushAudit(ctx); err != nil {
		return err
	}
	if tx.conn != nil && tx.linkedToHead(e) {
		tx.pending = e
		tx.head = &kinbridge.AuditHead{Seq: e.Seq, Hash: e.Hash, At: e.At}
		return nil
	}
	return tx.appendNow(ctx, e)
}

// deferAudit keeps es in the transaction, to be written with the others
// (writeDeferred), if the engine has group commit and they are linked to
// the head AuditHead gives and each to the one before; it reports whether
// it kept them.
func (tx *Tx) deferAudit(es ...*kinbridge.AuditEntry) bool {
	if !tx.writable || !tx.store.dialect.GroupCommit || !tx.linkedToHead(es[0]) || linkedInOrder(es) != nil {
		return false
	}
	tx.deferred = append(tx.deferred, es...)
	last := es[len(es)-1]
	tx.head = &kinbridge.AuditHead{Seq: last.Seq, Hash: last.Hash, At: last.At}
	return true
}

// linkedToHead reports whether e is linked to the head that AuditHead
// gives without a query: the transaction's own, or the store's guess.
func (tx *Tx) linkedToHead(e *kinbridge.AuditEntry) bool {
	h := tx.head
	if h == nil && !tx.headMoved {
		h = tx.store.head.Load()
	}
	return h != nil && e.Seq == h.Seq+1 && e.PrevHash == h.Hash
}

// appendNow appends the entry at once; see AppendAudit.
func (tx *Tx) appendNow(ctx context.Context, e *kinbridge.AuditEntry) error {
	var res sql.Result
	var err error
	if tx.store.dialect.DataModifyingWith {
		st := tx.appendStatement(e, false)
		res, err = tx.tx.ExecContext(ctx, st.Query, st.Args...)
	} else {
		res, err = tx.exec(ctx, "UPDATE audit_head SET seq = ?, hash = ?, at = ? WHERE id = 1 AND seq = ? AND hash = ?",
			e.Seq, e.Hash, e.At, e.Seq-1, e.PrevHash)
	}
	if err != nil {
		return tx.store.mapError(err, "append audit entry", "audit entry")
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	} else if n != 1 {
		tx.headMoved = true
		return kinbridge.ErrAuditHeadMoved
	}
	if !tx.store.dialect.DataModifyingWith {
		_, err := tx.exec(ctx, `
			INSERT INTO audit_log (seq, at, actor_id, actor_name, unit_id, action, record_type, record_id, addr, detail, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Seq, e.At, e.ActorID, e.ActorName, e.UnitID, e.Action, e.RecordType, e.RecordID, e.Addr, e.Detail, e.PrevHash, e.Hash)
		if err != nil {
			return tx.store.mapError(err, "append audit entry", "audit entry")
		}
	}
	tx.head, tx.headLocked = &kinbridge.AuditHead{Seq: e.Seq, Hash: e.Hash, At: e.At}, true
	return nil
}

// appendStatement is the one statement that appends e on an engine with
// DataModifyingWith: the entry is inserted from the row the UPDATE of the
// head returns, so it is stored only if the head moved. If the head has
// moved on already, the UPDATE returns no row, and the statement either
// inserts nothing or, if fail is set, fails: the entry's seq is then NULL,
// which the primary key refuses (the engine's MapError makes that
// kinbridge.ErrAuditHeadMoved). A statement sent with the COMMIT must fail,
// for the COMMIT not to run.
func (tx *Tx) appendStatement(e *kinbridge.AuditEntry, fail bool) Statement {
	q := `
		WITH head AS (
			UPDATE audit_head SET seq = ?, hash = ?, at = ? WHERE id = 1 AND seq = ? AND hash = ?
			RETURNING seq
		)
		INSERT INTO audit_log (seq, at, actor_id, actor_name, unit_id, action, record_type, record_id, addr, detail, prev_hash, hash)
		SELECT seq, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM head`
	if fail {
		q = `
		WITH head AS (
			UPDATE audit_head SET seq = ?, hash = ?, at = ? WHERE id = 1 AND seq = ? AND hash = ?
			RETURNING seq
		)
		INSERT INTO audit_log (seq, at, actor_id, actor_name, unit_id, action, record_type, record_id, addr, detail, prev_hash, hash)
		VALUES ((SELECT seq FROM head), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	}
	return Statement{Query: tx.store.rebind(q), Args: tx.store.encode([]any{
		e.Seq, e.Hash, e.At, e.Seq - 1, e.PrevHash,
		e.At, e.ActorID, e.ActorName, e.UnitID, e.Action, e.RecordType, e.RecordID, e.Addr, e.Detail, e.PrevHash, e.Hash})}
}

// flushAuditFor writes what flushAudit does before query runs: the pending
// entry before any statement, the deferred ones only before a statement on
// the audit tables (all of which are named audit_…), which must see them.
func (tx *Tx) flushAuditFor(ctx context.Context, query string) error {
	if len(tx.deferred) > 0 && strings.Contains(query, "audit_") {
		if err := tx.writeDeferred(ctx); err != nil {
			return err
		}
	}
	return tx.flushAudit(ctx)
}

// writeDeferred writes the deferred entries (see AppendAudit), in one move
// of the head and one multi-row insert. If the head has moved since they
// were linked — another process wrote to the database —, they are linked
// anew, in order, to the head read from the database, and written so.
func (tx *Tx) writeDeferred(ctx context.Context) error {
	es := tx.deferred
	tx.deferred = nil
	if len(es) == 0 {
		return nil
	}
	err := tx.appendEntriesNow(ctx, es)
	if !errors.Is(err, kinbridge.ErrAuditHeadMoved) {
		return err
	}
	tx.head, tx.headMoved = nil, true
	head, err := tx.AuditHead(ctx)
	if err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	for _, e := range es {
		e.Link(head, tx.now)
		head = kinbridge.AuditHead{Seq: e.Seq, Hash: e.Hash, At: e.At}
	}
	return tx.appendEntriesNow(ctx, es)
}

// flushAudit appends the pending entry, if there is one, at once: a
// statement is to run after it. The deferred entries wait on (see
// flushAuditFor).
func (tx *Tx) flushAudit(ctx context.Context) error {
	e := tx.pending
	if e == nil {
		return nil
	}
	tx.pending = nil
	err := tx.appendNow(ctx, e)
	if errors.Is(err, kinbridge.ErrAuditHeadMoved) {
		err = tx.relinkAudit(ctx, e)
	}
	return err
}

// relinkAudit appends e, which was linked to a head that has moved on since,
// linked anew to the head read under the lock: what kinbridge.AppendAudit
// does on ErrAuditHeadMoved, for an entry whose append was put off until
// after it returned.
func (tx *Tx) relinkAudit(ctx context.Context, e *kinbridge.AuditEntry) error {
	tx.head, tx.headMoved = nil, true
	head, err := tx.AuditHead(ctx)
	if err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	e.Link(head, tx.now)
	return tx.appendNow(ctx, e)
}

// noteAuditHead remembers h, committed, as the audit head for the next
// append's guess, unless the store knows a later one already: transactions
// that committed one after the other may get here in the other order.
func (s *Store) noteAuditHead(h *kinbridge.AuditHead) {
	for {
		cur := s.head.Load()
		if cur != nil && cur.Seq >= h.Seq {
			return
		}
		if s.head.CompareAndSwap(cur, h) {
			return
		}
	}
}

// forgetAuditHead drops the store's guess of the head if it is h, an entry
// whose transaction failed: the next append reads the head instead.
func (s *Store) forgetAuditHead(h *kinbridge.AuditHead) {
	s.head.CompareAndSwap(h, nil)
}

// auditSeqAt returns where the entries at or after t begin: a sequence
// number such that every entry before it is earlier than t and every entry
// from it on is not. The log is in time order (kinbridge.AuditEntry.Link),
// so a binary search over seq by the primary key finds it, in some two dozen
// lookups for ten million entries, and no index on the time has to be kept
// up by every write. In a log whose times were rewritten out of order (which
// VerifyAudit reports) the bound may be off.
func (tx *Tx) auditSeqAt(ctx context.Context, t time.Time) (int64, error) {
	// Two subqueries, not MIN and MAX in one: SQLite answers a lone MIN or
	// MAX from the end of the index, both together by a scan.
	var lo, hi int64
	err := tx.queryRow(ctx, `SELECT COALESCE((SELECT MIN(seq) FROM audit_log), 1),
		COALESCE((SELECT MAX(seq) FROM audit_log), 0) + 1`).Scan(&lo, &hi)
	if err != nil {
		return 0, tx.store.mapError(err, "find audit entries", "audit entry")
	}
	for lo < hi {
		// The first entry from mid on, stepping over any gap.
		mid := lo + (hi-lo)/2
		var seq int64
		var at time.Time
		err := tx.queryRow(ctx, "SELECT seq, at FROM audit_log WHERE seq >= ? ORDER BY seq LIMIT 1", mid).Scan(&seq, scanTime{&at})
		if err != nil {
			return 0, tx.store.mapError(err, "find audit entries", "audit entry")
		}
		if at.Before(t) {
			lo = seq + 1
		} else {
			hi = mid
		}
	}
	return lo, nil
}

// FindAuditEntries returns the entries f selects, newest first. The unit
// scope is the units' current paths: an entry follows its unit when the unit
// moves. Without PathPrefix or Path every unit's entries are selected.
//
// On an engine whose audit indexes are tables (Dialect.AuditIndexTables) the
// entries after audit_head.indexed, at most a batch, are read from the log
// and tested one by one; they are the newest, so they come first, and the
// older ones, through the index tables, only if the limit is not reached.
func (tx *Tx) FindAuditEntries(ctx context.Context, f kinbridge.AuditFilter) ([]*kinbridge.AuditEntry, error) {
	// A time range is a range of seq (see auditSeqAt).
	var bounds []string
	var boundArgs []any
	for _, b := range []struct {
		t    time.Time
		cond string
	}{{f.From, "a.seq >= ?"}, {f.To, "a.seq < ?"}} {
		if b.t.IsZero() {
			continue
		}
		seq, err := tx.auditSeqAt(ctx, b.t)
		if err != nil {
			return nil, err
		}
		bounds, boundArgs = append(bounds, b.cond), append(boundArgs, seq)
	}
	if f.BeforeSeq != 0 {
		bounds, boundArgs = append(bounds, "a.seq < ?"), append(boundArgs, f.BeforeSeq)
	}
	if !tx.store.dialect.AuditIndexTables {
		join, where, args := auditConds(f)
		return tx.findAudit(ctx, join, append(where, bounds...), append(args, boundArgs...), f.Limit)
	}
	var indexed int64
	if err := tx.queryRow(ctx, "SELECT indexed FROM audit_head WHERE id = 1").Scan(&indexed); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, tx.store.mapError(err, "find audit entries", "audit entry")
	}
	join, where, args := auditConds(f)
	where, args = append(append(where, bounds...), "a.seq > ?"), append(append(args, boundArgs...), indexed)
	entries, err := tx.findAudit(ctx, join, where, args, f.Limit)
	if err != nil || (f.Limit > 0 && len(entries) >= f.Limit) {
		return entries, err
	}
	where, args, err = tx.auditIndexedConds(ctx, f)
	if err != nil {
		return nil, err
	}
	where, args = append(append(where, bounds...), "a.seq <= ?"), append(append(args, boundArgs...), indexed)
	limit := f.Limit
	if limit > 0 {
		limit -= len(entries)
	}
	older, err := tx.findAudit(ctx, "", where, args, limit)
	return append(entries, older...), err
}

// auditConds returns the conditions of f, but for its time bounds, tested
// on each entry: the scope by a join with the units.
func auditConds(f kinbridge.AuditFilter) (join string, where []string, args []any) {
	if f.PathPrefix != "" || f.Path != "" {
		join = " LEFT JOIN units n ON n.id = a.unit_id"
		var scope string
		if f.PathPrefix != "" {
			scope, args = "(n.path >= ? AND n.path < ?)", append(args, f.PathPrefix, SubtreeEnd(f.PathPrefix))
		} else {
			scope, args = "n.path = ?", append(args, f.Path)
		}
		if f.WithoutUnit {
			scope = "(" + scope + " OR a.unit_id = 0)"
		}
		where = append(where, scope)
	}
	if f.ActorID != 0 {
		where, args = append(where, "a.actor_id = ?"), append(args, f.ActorID)
	}
	if f.ActorName != "" {
		where, args = append(where, "a.actor_name = ?"), append(args, f.ActorName)
	}
	if f.RecordType != "" {
		where, args = append(where, "a.record_type = ?"), append(args, f.RecordType)
	}
	if f.RecordID != 0 {
		where, args = append(where, "a.record_id = ?"), append(args, f.RecordID)
	}
	if len(f.Records) > 0 {
		any := make([]string, len(f.Records))
		for i, r := range f.Records {
			any[i] = "(a.record_type = ? AND a.record_id = ?)"
			args = append(args, r.Type, r.ID)
		}
		where = append(where, "("+strings.Join(any, " OR ")+")")
	}
	return join, where, args
}

// auditIndexedConds returns the conditions of f, but for its time bounds,
// for the entries the index tables hold: the entries of a record, of an
// actor, or of the units of a subtree that is not big (bigScopeUnits), are
// found through them; the entries of a big subtree are read newest first,
// each one's unit tested, and those of every unit need no test.
func (tx *Tx) auditIndexedConds(ctx context.Context, f kinbridge.AuditFilter) (where []string, args []any, err error) {
	byRecord := len(f.Records) > 0 || (f.RecordType != "" && f.RecordID != 0)
	scoped := f.PathPrefix != "" || f.Path != ""
	var units string // the scope's units, "" for every unit
	var unitArgs []any
	big := false
	if f.Path != "" {
		units, unitArgs = "SELECT id FROM units WHERE path = ?", []any{f.Path}
	} else if f.PathPrefix != "" {
		cond, _, b, err := tx.scopeOf(ctx, "a.unit_id", f.PathPrefix)
		if err != nil {
			return nil, nil, tx.store.mapError(err, "find audit entries", "unit")
		}
		if cond != "" {
			units, unitArgs, big = "SELECT id FROM units WHERE path >= ? AND path < ?", []any{f.PathPrefix, SubtreeEnd(f.PathPrefix)}, b
		}
	}
	// inUnits tests each entry's unit against the scope.
	inUnits := func() {
		orNone := ""
		if f.WithoutUnit {
			orNone = " OR a.unit_id = 0"
		}
		where, args = append(where, "(a.unit_id IN ("+units+")"+orNone+")"), append(args, unitArgs...)
	}
	actorID := f.ActorID
	byName := false
	if actorID == 0 && f.ActorName != "" && !byRecord {
		// The entries of a user's name are the user's, and those of
		// failed sign-ins under it, which name the user as their record.
		err := tx.queryRow(ctx, "SELECT id FROM users WHERE username = ?", f.ActorName).Scan(&actorID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, nil, tx.store.mapError(err, "find audit entries", "user")
		}
		byName = actorID != 0
	}
	switch {
	case actorID != 0 && !byRecord:
		// An actor's entries: a look-up of the actor in each unit of the
		// scope (or every unit), rather than a scan of the whole log.
		list := units
		if list == "" {
			list = "SELECT id FROM units"
		}
		if !scoped || f.WithoutUnit {
			list += " UNION ALL SELECT 0"
		}
		q := "a.seq IN (SELECT x.seq FROM audit_unit_index x WHERE x.unit_id IN (" + list + ") AND x.actor_id = ?"
		qArgs := append(slices.Clone(unitArgs), actorID)
		if byName {
			// The sign-ins are found by their record, of any unit: the
			// scope is tested on each.
			q += " UNION ALL SELECT r.seq FROM audit_record_index r WHERE r.record_type = 'user' AND r.record_id = ?"
			qArgs = append(qArgs, actorID)
			if units != "" {
				inUnits()
			} else if scoped && !f.WithoutUnit {
				where = append(where, "a.unit_id <> 0")
			}
		}
		where, args = append(where, q+")"), append(args, qArgs...)
	case scoped && units == "" && !f.WithoutUnit:
		where = append(where, "a.unit_id <> 0") // every unit's entries
	case units == "":
		// Every entry.
	case big || byRecord || f.WithoutUnit:
		inUnits()
	default:
		where = append(where, "a.seq IN (SELECT x.seq FROM audit_unit_index x WHERE x.unit_id IN ("+units+"))")
		args = append(args, unitArgs...)
	}
	if byRecord {
		records := f.Records
		if len(records) == 0 {
			records = []kinbridge.AuditRecord{{Type: f.RecordType, ID: f.RecordID}}
		}
		any := make([]string, len(records))
		for i, r := range records {
			any[i] = "(r.record_type = ? AND r.record_id = ?)"
			args = append(args, r.Type, r.ID)
		}
		where = append(where, "a.seq IN (SELECT r.seq FROM audit_record_index r WHERE "+strings.Join(any, " OR ")+")")
	}
	// Every other condition is tested on the entry itself, as are those the
	// index tables answered: a few entries, and no way to get them wrong.
	f.PathPrefix, f.Path = "", ""
	_, more, moreArgs := auditConds(f)
	return append(where, more...), append(args, moreArgs...), nil
}

// findAudit reads the entries that where selects, newest first, up to limit
// (none if 0).
func (tx *Tx) findAudit(ctx context.Context, join string, where []string, args []any, limit int) ([]*kinbridge.AuditEntry, error) {
	var q strings.Builder
	q.WriteString("SELECT " + auditColumns + " FROM audit_log a" + join + whereClause(where) + " ORDER BY a.seq DESC")
	if limit > 0 {
		q.WriteString(" LIMIT ?")
		args = append(args, limit)
	}
	rows, err := tx.query(ctx, q.String(), args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find audit entries", "audit entry")
	}
	defer rows.Close()
	entries := []*kinbridge.AuditEntry{}
	for rows.Next() {
		e, err := scanAuditEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("find audit entries: %w", err)
		}
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find audit entries", "audit entry")
	}
	return entries, nil
}

// ScanAudit calls fn for every entry in sequence order, streaming them from
// one query: the log may hold millions of entries and is never loaded whole.
// fn must not use the transaction; an error from it stops the scan and is
// returned as it is.
func (tx *Tx) ScanAudit(ctx context.Context, fn func(*kinbridge.AuditEntry) error) error {
	rows, err := tx.query(ctx, "SELECT "+auditColumns+" FROM audit_log a ORDER BY a.seq")
	if err != nil {
		return tx.store.mapError(err, "scan audit log", "audit entry")
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAuditEntry(rows)
		if err != nil {
			return fmt.Errorf("scan audit log: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return tx.store.mapError(err, "scan audit log", "audit entry")
	}
	return nil
}
